package receipt

import (
	"testing"

	"github.com/secuprint/receipt/escpos"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func render(t *testing.T, opt Options, lines ...Line) ([]byte, Report) {
	t.Helper()
	if opt.Profile == nil {
		opt.Profile = epson
	}
	r, err := NewRenderer(opt)
	require.NoError(t, err)
	out, rep, err := r.Render(nil, lines)
	require.NoError(t, err)
	return out, rep
}

func TestRenderBytes(t *testing.T) {
	out, rep := render(t, Options{Columns: 32, EndCut: escpos.CutPartial},
		Line{Type: Separator, Caption: "Kundenkarte"},
		Line{Type: NameValue, Name: "TA Code: ", Value: "29187330"},
		Line{Type: TextLine, Text: "7,96 €", Decoration: Important},
	)
	assert.Empty(t, rep.Warnings)
	want := []byte{
		0x1B, '@',
		0x1B, 'a', 1, 0x1D, '!', 0x11, 0x1B, 'E', 1, 'K', 'u', 'n', 'd', 'e', 'n', 'k', 'a', 'r', 't', 'e', '\n',
		'\n',
		0x1B, 'a', 0, 0x1D, '!', 0x00, 0x1B, 'E', 0, 'T', 'A', ' ', 'C', 'o', 'd', 'e', ':'}
	want = append(want, []byte("                29187330\n")...)
	// € on PC858, selected before the (double-height) word that needs it.
	want = append(want, 0x1D, '!', 0x01, 0x1B, 'E', 1, '7', ',', '9', '6', ' ', 0x1B, 't', 19, 0xD5, '\n')
	want = append(want, 0x1D, 'V', 66, 0)
	assert.Equal(t, want, out)
}

func TestRenderFontB(t *testing.T) {
	out, _ := render(t, Options{Font: escpos.FontB}, Line{Type: Space})
	assert.Equal(t, []byte{0x1B, '@', 0x1B, 'M', 1, '\n'}, out)
}

// Text from the API is untrusted: no byte of it may act as a command.
func TestRenderNeutralisesControlCharacters(t *testing.T) {
	evil := "a\x1b@\x1dV\x00\x10\x04\x01\x1b\x70\x00\x19\xfa\u009b\x7fb"
	out, rep := render(t, Options{Columns: 40},
		Line{Type: TextLine, Text: evil},
		Line{Type: NameValue, Name: "\x1bE", Value: "\r\n"},
		Line{Type: Separator, Caption: "\x1dV\x41"},
	)
	// The only control bytes are the encoder's own commands.
	assert.Equal(t, []byte{0x1B, '@', 'a', ' ', '@', ' ', 'V', ' ', ' ', ' ', ' ', ' ', 'p', ' ', ' ', '?', ' ', ' ', 'b', '\n'}, out[:20])
	for _, w := range rep.Warnings[:3] {
		assert.Equal(t, WarnControlChar, w.Kind)
		assert.Equal(t, 0, w.Line)
		assert.Equal(t, "value.text", w.Field)
	}
	assertOnlyEncoderControls(t, out)
	fields := map[string]bool{}
	for _, w := range rep.Warnings {
		fields[w.Field] = true
	}
	assert.Equal(t, map[string]bool{"value.text": true, "value.name": true, "value.value": true, "value.caption": true}, fields)
}

func TestRenderReportsFallbacks(t *testing.T) {
	cp437 := &escpos.Profile{ID: "cp437", Fonts: []escpos.FontInfo{{Font: escpos.FontA, Columns: 32}},
		CodePages: []escpos.CodePageSlot{{Slot: 0, Encoding: "CP437"}}}
	r, err := NewRenderer(Options{Profile: cp437})
	require.NoError(t, err)
	text, rep := r.Text(nil, Receipt{
		{Type: TextLine, Text: "„Preis“ – 5 € …"},
		{Type: NameValue, Name: "Größe", Value: "漢"},
	})
	assert.Equal(t, "\"Preis\" - 5 EUR ...\nGröße                          ?\n", string(text))
	require.Len(t, rep.Warnings, 6)
	assert.Equal(t, Warning{Line: 0, Field: "value.text", Kind: WarnFallback,
		Fallback: escpos.Fallback{Rune: '€', Replacement: "EUR", Reason: escpos.FallbackNoCodePage}}, rep.Warnings[3])
	assert.Equal(t, Warning{Line: 1, Field: "value.value", Kind: WarnFallback,
		Fallback: escpos.Fallback{Rune: '漢', Replacement: "?", Reason: escpos.FallbackNoCodePage}}, rep.Warnings[5])
}

func TestRenderNormalisesToNFC(t *testing.T) {
	// "Gru\u0308ße" is ü as u + combining diaeresis; it must print as one ü.
	out, rep := render(t, Options{}, Line{Type: TextLine, Text: "Gru\u0308ße"})
	assert.Empty(t, rep.Warnings)
	assert.Equal(t, []byte{0x1B, '@', 0x1B, 't', 0, 'G', 'r', 0x81, 0xE1, 'e', '\n'}, out)
}

func TestRenderReusesBuffers(t *testing.T) {
	r, err := NewRenderer(Options{Profile: epson})
	require.NoError(t, err)
	lines := Receipt{{Type: Separator, Caption: "Kundenkarte"}, {Type: TextLine, Text: "Grüße €"}}
	first, _, err := r.Render(nil, lines)
	require.NoError(t, err)
	second, _, err := r.Render(nil, lines)
	require.NoError(t, err)
	assert.Equal(t, first, second, "state from the first render must not leak into the second")
}

// assertOnlyEncoderControls fails if out holds a control byte anywhere but at
// the start of a command the encoder emits.
func assertOnlyEncoderControls(t *testing.T, out []byte) {
	t.Helper()
	for i := 0; i < len(out); i++ {
		n, ok := encoderCommandLen(out[i:])
		if !ok {
			t.Fatalf("control byte %#02x at offset %d not from the encoder: % x", out[i], i, out)
		}
		i += n - 1
	}
}

// encoderCommandLen returns the length of the command or text byte at b[0].
func encoderCommandLen(b []byte) (int, bool) {
	c := b[0]
	switch {
	case c == '\n':
		return 1, true
	case c >= 0x20 && c != 0x7F:
		return 1, true
	case c == 0x1B && len(b) >= 2 && b[1] == '@':
		return 2, true
	case c == 0x1B && len(b) >= 3 && (b[1] == 'E' || b[1] == 'a' || b[1] == 't' || b[1] == 'M' || b[1] == 'd'):
		return 3, true
	case c == 0x1D && len(b) >= 3 && b[1] == '!':
		return 3, true
	case c == 0x1D && len(b) >= 4 && b[1] == 'V':
		return 4, true
	}
	return 0, false
}

func TestAppendCopyMark(t *testing.T) {
	got, err := AppendCopyMark([]byte("prefix|"))
	require.NoError(t, err)
	want := "prefix|" + "\x1b@" + "\x1ba\x01" + "\x1bE\x01" + "\x1d!\x01" + "*** KOPIE / COPY ***" + "\n"
	assert.Equal(t, want, string(got))
}
