package receipt

import (
	"strings"
	"testing"

	"github.com/secuprint/receipt/escpos"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// epson is a minimal Epson-style profile: CP437 in slot 0, WPC1252 in 16,
// CP858 in 19, 42/56 columns, both cuts.
var epson = &escpos.Profile{
	ID:    "test-epson",
	Fonts: []escpos.FontInfo{{Font: escpos.FontA, Columns: 42}, {Font: escpos.FontB, Columns: 56}},
	CodePages: []escpos.CodePageSlot{
		{Slot: 0, Encoding: "CP437"}, {Slot: 16, Encoding: "CP1252"}, {Slot: 19, Encoding: "CP858"},
	},
	Features: escpos.Features{PaperFullCut: true, PaperPartCut: true},
}

func preview(t *testing.T, opt Options, lines ...Line) string {
	t.Helper()
	if opt.Profile == nil {
		opt.Profile = epson
	}
	r, err := NewRenderer(opt)
	require.NoError(t, err)
	out, _ := r.Text(nil, lines)
	return string(out)
}

func TestLayout(t *testing.T) {
	nv := func(name, value string) Line { return Line{Type: NameValue, Name: name, Value: value} }
	text := func(s string) Line { return Line{Type: TextLine, Text: s} }
	tests := []struct {
		name  string
		cols  int
		lines []Line
		want  []string
	}{
		{
			name:  "name left value right, trailing space in name is not extra width",
			cols:  32,
			lines: []Line{nv("Kartennummer: ", "9276004429942845"), nv("Kartennummer:", "9276004429942845")},
			want:  []string{"Kartennummer:   9276004429942845", "Kartennummer:   9276004429942845"},
		},
		{
			name:  "exactly fits with one space",
			cols:  10,
			lines: []Line{nv("abcd", "12345")},
			want:  []string{"abcd 12345"},
		},
		{
			name:  "value too long goes right-aligned on the next line",
			cols:  10,
			lines: []Line{nv("abcde", "12345")},
			want:  []string{"abcde", "     12345"},
		},
		{
			name:  "long name wraps, value follows right-aligned",
			cols:  12,
			lines: []Line{nv("Aktuelles Guthaben der Karte", "10,00 EUR")},
			want:  []string{"Aktuelles", "Guthaben der", "Karte", "   10,00 EUR"},
		},
		{
			name:  "long value wraps right-aligned",
			cols:  8,
			lines: []Line{nv("TA", "1234 5678 9012")},
			want:  []string{"TA", "    1234", "    5678", "    9012"},
		},
		{
			name:  "textline wraps at word boundaries",
			cols:  16,
			lines: []Line{text("Folgender Betrag wurde aufgeladen:")},
			want:  []string{"Folgender Betrag", "wurde", "aufgeladen:"},
		},
		{
			name:  "word longer than a line is hard-broken",
			cols:  5,
			lines: []Line{text("abcdefghijkl mn")},
			want:  []string{"abcde", "fghij", "kl mn"},
		},
		{
			name:  "only spaces is one empty line",
			cols:  10,
			lines: []Line{text("     ")},
			want:  []string{""},
		},
		{
			name:  "space is one empty line",
			cols:  10,
			lines: []Line{text("a"), {Type: Space}, text("b")},
			want:  []string{"a", "", "b"},
		},
		{
			name:  "empty caption is a full-width rule",
			cols:  12,
			lines: []Line{{Type: Separator}},
			want:  []string{"------------", ""},
		},
		{
			name:  "caption double width, centred, padded above and below",
			cols:  32,
			lines: []Line{text("x"), {Type: Separator, Caption: "Kundenkarte"}, text("y")},
			want:  []string{"x", "", "     K u n d e n k a r t e", "", "y"},
		},
		{
			name:  "caption that fits double width exactly",
			cols:  22,
			lines: []Line{{Type: Separator, Caption: "Kundenkarte"}},
			want:  []string{"K u n d e n k a r t e", ""},
		},
		{
			name:  "caption too wide for double width drops to double height",
			cols:  21,
			lines: []Line{{Type: Separator, Caption: "Kundenkarte"}},
			want:  []string{"     Kundenkarte", ""},
		},
		{
			name:  "caption too wide even in double height wraps centred",
			cols:  12,
			lines: []Line{{Type: Separator, Caption: "Kundenkarte Aufladung"}},
			want:  []string{"Kundenkarte", " Aufladung", ""},
		},
		{
			name:  "odd columns: double width holds floor(cols/2) characters",
			cols:  9,
			lines: []Line{{Type: Separator, Caption: "abcd"}, {Type: Separator, Caption: "abcde"}},
			want:  []string{"a b c d", "", "", "  abcde", ""},
		},
		{
			name:  "one column",
			cols:  1,
			lines: []Line{{Type: Separator, Caption: "ab"}, nv("x", "y"), {Type: Separator}},
			want:  []string{"a", "b", "", "x", "y", "", "-", ""},
		},
		{
			name:  "umlauts at the line end count one cell each",
			cols:  10,
			lines: []Line{text("Grüße aus Köln"), nv("Größe", "Maß")},
			want:  []string{"Grüße aus", "Köln", "Größe  Maß"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := preview(t, Options{Columns: tt.cols}, tt.lines...)
			assert.Equal(t, strings.Join(tt.want, "\n")+"\n", got)
		})
	}
}

func TestLayoutImportantAndStyles(t *testing.T) {
	r, err := NewRenderer(Options{Profile: epson, Columns: 20})
	require.NoError(t, err)
	r.layout(Receipt{
		{Type: Separator, Caption: "Titel"},
		{Type: NameValue, Name: "Summe", Value: "7,96 EUR", Decoration: Important},
		{Type: TextLine, Text: "10,00 EUR", Decoration: Important},
		{Type: TextLine, Text: "plain"},
	})
	require.Len(t, r.rows, 5)
	assert.Equal(t, row{kind: rowText, style: headline, justify: escpos.JustifyCenter, left: "Titel"}, r.rows[0])
	assert.Equal(t, row{kind: rowBlank}, r.rows[1])
	assert.Equal(t, row{kind: rowText, style: emphasis, left: "Summe", gap: 7, right: "7,96 EUR"}, r.rows[2])
	assert.Equal(t, row{kind: rowText, style: emphasis, left: "10,00 EUR"}, r.rows[3])
	assert.Equal(t, row{kind: rowText, style: plain, left: "plain"}, r.rows[4])
}

func TestSectionCut(t *testing.T) {
	lines := []Line{
		{Type: Separator, Caption: "A"}, {Type: TextLine, Text: "a"},
		{Type: Separator, Caption: "B"}, {Type: TextLine, Text: "b"},
	}
	got := preview(t, Options{Columns: 10, SectionCut: escpos.CutPartial, EndCut: escpos.CutFull}, lines...)
	assert.Equal(t, "    A\n\na\n~~~~~~~~~~\n    B\n\nb\n~~~~~~~~~~\n", got)
}

func TestRendererOptionErrors(t *testing.T) {
	for _, opt := range []Options{
		{},
		{Profile: epson, Columns: MaxColumns + 1},
		{Profile: epson, Columns: -1},
		{Profile: epson, Font: escpos.FontC},
		{Profile: epson, SectionCut: escpos.CutMode(9)},
		{Profile: epson, EndCut: escpos.CutMode(3)},
		{Profile: &escpos.Profile{ID: "star", Fonts: epson.Fonts, Language: escpos.Language(9)}},
	} {
		_, err := NewRenderer(opt)
		assert.Error(t, err, "%+v", opt)
	}
}
