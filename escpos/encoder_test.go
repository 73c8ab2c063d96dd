package escpos

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func profileWith(pages ...CodePageSlot) *Profile {
	return &Profile{
		ID:        "test",
		Fonts:     []FontInfo{{Font: FontA, Columns: 42}},
		CodePages: pages,
		Features:  Features{PaperFullCut: true, PaperPartCut: true},
	}
}

var (
	cp858Only  = profileWith(CodePageSlot{19, "CP858"})
	wpc1252    = profileWith(CodePageSlot{16, "CP1252"})
	cp437Only  = profileWith(CodePageSlot{0, "CP437"})
	epsonStyle = profileWith(CodePageSlot{0, "CP437"}, CodePageSlot{2, "CP850"}, CodePageSlot{16, "CP1252"},
		CodePageSlot{19, "CP858"}, CodePageSlot{255, "Unknown"})
)

func encodeText(t *testing.T, p *Profile, s string) ([]byte, []Fallback) {
	t.Helper()
	e, err := NewEncoder(p)
	require.NoError(t, err)
	var got []Fallback
	e.OnFallback = func(f Fallback) { got = append(got, f) }
	e.AppendInit(nil)
	return e.AppendText(nil, s), got
}

func TestEncodeGermanOnEachPage(t *testing.T) {
	const text = "€äöüßÄÖÜ"
	tests := []struct {
		name      string
		profile   *Profile
		want      []byte
		fallbacks []Fallback
	}{
		{"CP858", cp858Only, []byte{ESC, 't', 19, 0xD5, 0x84, 0x94, 0x81, 0xE1, 0x8E, 0x99, 0x9A}, nil},
		{"WPC1252", wpc1252, []byte{ESC, 't', 16, 0x80, 0xE4, 0xF6, 0xFC, 0xDF, 0xC4, 0xD6, 0xDC}, nil},
		{"CP437 only: € falls back, umlauts print", cp437Only,
			// The page is chosen at the start of the word, before the fallback.
			append([]byte{ESC, 't', 0, 'E', 'U', 'R'}, 0x84, 0x94, 0x81, 0xE1, 0x8E, 0x99, 0x9A),
			[]Fallback{{Rune: '€', Replacement: "EUR", Reason: FallbackNoCodePage}}},
		// CP437 holds the umlauts but not €; the lookahead picks the best
		// ranked page holding the whole run, PC858, instead of switching twice.
		{"Epson: one page for the whole run", epsonStyle, []byte{ESC, 't', 19, 0xD5, 0x84, 0x94, 0x81, 0xE1, 0x8E, 0x99, 0x9A}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, fb := encodeText(t, tt.profile, text)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.fallbacks, fb)
		})
	}
}

func TestEncodeEachCharacterAlone(t *testing.T) {
	// Every one of these must print as itself on every Epson-style profile.
	for _, p := range []*Profile{cp858Only, wpc1252, epsonStyle} {
		for _, r := range "€äöüßÄÖÜ" {
			_, fb := encodeText(t, p, "x"+string(r)+"y")
			assert.Empty(t, fb, "%s on %v", string(r), p.CodePages)
		}
	}
}

func TestEncodeSwitching(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []byte
	}{
		{"ASCII sends no code page", "Hello 123", []byte("Hello 123")},
		{"stays on the page that holds the next rune", "ä ö", []byte{ESC, 't', 0, 0x84, ' ', 0x94}},
		{"switches only when the current page lacks a rune", "ä€",
			[]byte{ESC, 't', 0, 0x84, ESC, 't', 19, 0xD5}},
		{"returns to a used page before trying new ones", "ä„ä╬",
			// „ is only in CP1252; ╬ is only in CP437/850/858, and CP437
			// was used already.
			[]byte{ESC, 't', 0, 0x84, ESC, 't', 16, 0x84, 0xE4, ESC, 't', 0, 0xCE}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// "ä€" as one run would choose 1252 at once; split the text so
			// each AppendText sees only its own lookahead.
			e, err := NewEncoder(epsonStyle)
			require.NoError(t, err)
			e.AppendInit(nil)
			var got []byte
			for _, r := range tt.text {
				got = e.AppendText(got, string(r))
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestEncodeControlCharactersNeverReachThePrinter(t *testing.T) {
	got, fb := encodeText(t, epsonStyle, "a\x1b@b\x1dV\x00c\x10\x04\x01d\x7f\u0085e\n")
	assert.Equal(t, []byte("a @b V c   d  e "), got)
	require.Len(t, fb, 9)
	for _, f := range fb {
		assert.Equal(t, FallbackControl, f.Reason)
		assert.Equal(t, " ", f.Replacement)
	}
}

func TestSubstitute(t *testing.T) {
	e, err := NewEncoder(cp437Only)
	require.NoError(t, err)
	tests := []struct {
		r    rune
		want string
	}{
		{'–', "-"}, {'„', "\""}, {'“', "\""}, {'…', "..."}, {'€', "EUR"},
		{'ő', "o"}, // base letter via NFD
		{'ł', "l"}, // table
		{'漢', "?"},
	}
	for _, tt := range tests {
		f := e.Substitute(tt.r)
		assert.Equal(t, tt.want, f.Replacement, "%q", tt.r)
		assert.Equal(t, FallbackNoCodePage, f.Reason)
	}
	// A base letter the profile can print is preferred over ASCII.
	e2, err := NewEncoder(epsonStyle)
	require.NoError(t, err)
	assert.Equal(t, "e", e2.Substitute('ė').Replacement)
}

func TestEncoderStateIsNotResent(t *testing.T) {
	e, err := NewEncoder(epsonStyle)
	require.NoError(t, err)
	b := e.AppendInit(nil)
	b = e.AppendBold(b, false) // already off after ESC @
	b, err = e.AppendSize(b, Normal)
	require.NoError(t, err)
	b, err = e.AppendJustification(b, JustifyLeft)
	require.NoError(t, err)
	b, err = e.AppendFont(b, FontA)
	require.NoError(t, err)
	assert.Equal(t, []byte{ESC, '@'}, b)

	b = e.AppendBold(b[:0], true)
	b = e.AppendBold(b, true)
	b, _ = e.AppendSize(b, Size{2, 2})
	b, _ = e.AppendSize(b, Size{2, 2})
	b, _ = e.AppendJustification(b, JustifyCenter)
	b, _ = e.AppendJustification(b, JustifyCenter)
	assert.Equal(t, []byte{ESC, 'E', 1, GS, '!', 0x11, ESC, 'a', 1}, b)

	_, err = e.AppendFont(nil, FontB) // the profile has no font B
	assert.Error(t, err)
}

func TestEncoderBeforeInitSendsEverything(t *testing.T) {
	e, err := NewEncoder(epsonStyle)
	require.NoError(t, err)
	assert.Equal(t, []byte{ESC, 'E', 0}, e.AppendBold(nil, false))
}

func TestEncoderCut(t *testing.T) {
	tests := []struct {
		name     string
		features Features
		mode     CutMode
		want     []byte
	}{
		{"partial", Features{PaperPartCut: true, PaperFullCut: true}, CutPartial, []byte{GS, 'V', 66, 0}},
		{"full", Features{PaperPartCut: true, PaperFullCut: true}, CutFull, []byte{GS, 'V', 65, 0}},
		{"partial on a full-cut-only printer", Features{PaperFullCut: true}, CutPartial, []byte{GS, 'V', 65, 0}},
		{"full on a partial-only printer", Features{PaperPartCut: true}, CutFull, []byte{GS, 'V', 66, 0}},
		{"no cutter feeds past the tear bar", Features{}, CutFull, []byte{ESC, 'd', noCutterFeed}},
		{"none", Features{PaperFullCut: true}, CutNone, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := profileWith(CodePageSlot{0, "CP437"})
			p.Features = tt.features
			e, err := NewEncoder(p)
			require.NoError(t, err)
			got, err := e.AppendCut(nil, tt.mode)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	e, _ := NewEncoder(cp437Only)
	_, err := e.AppendCut(nil, CutMode(7))
	assert.Error(t, err)
}

func BenchmarkAppendTextASCII(b *testing.B) {
	e, _ := NewEncoder(epsonStyle)
	dst := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		dst = e.AppendText(dst[:0], "Kartennummer:   9276004429942845")
	}
}

func BenchmarkAppendTextUmlauts(b *testing.B) {
	e, _ := NewEncoder(epsonStyle)
	dst := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		e.AppendInit(dst[:0])
		dst = e.AppendText(dst[:0], "Grüße aus Köln: 5,00 € für Äpfel & Öl")
	}
}

func TestEncodeRanksPagesAheadOfSlots(t *testing.T) {
	// A TM-T88V's table order: ISO-8859-7 (slot 15) is the lowest slot
	// holding €, but only its 2003 revision does.
	tmT88V := profileWith(CodePageSlot{0, "CP437"}, CodePageSlot{2, "CP850"}, CodePageSlot{15, "ISO_8859-7"},
		CodePageSlot{16, "CP1252"}, CodePageSlot{19, "CP858"}, CodePageSlot{40, "ISO_8859-15"})
	noPC858 := profileWith(CodePageSlot{0, "CP437"}, CodePageSlot{15, "ISO_8859-7"}, CodePageSlot{16, "CP1252"})
	tests := []struct {
		name    string
		profile *Profile
		text    string
		want    []byte
	}{
		{"€ goes to PC858", tmT88V, "€", []byte{ESC, 't', 19, 0xD5}},
		{"€ goes to WPC1252 without PC858", noPC858, "€", []byte{ESC, 't', 16, 0x80}},
		{"letters go to PC437", tmT88V, "äé", []byte{ESC, 't', 0, 0x84, 0x82}},
		{"„ goes to WPC1252", tmT88V, "„", []byte{ESC, 't', 16, 0x84}},
		{"Greek stays on the Greek table", tmT88V, "αβ", []byte{ESC, 't', 15, 0xE1, 0xE2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, fb := encodeText(t, tt.profile, tt.text)
			assert.Empty(t, fb)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestEncodeSwitchesAtWordStart(t *testing.T) {
	tests := []struct {
		name  string
		first string // printed before, sets the current page
		text  string
		want  []byte
	}{
		{"a word needing another page switches before it", "ä", "Maß: 5€",
			[]byte{'M', 'a', 0xE1, ':', ' ', ESC, 't', 19, '5', 0xD5}},
		{"a page holding the whole line is chosen at its start", "", "Übertrag: 1.234,56 € — gültig",
			append(append([]byte{ESC, 't', 16, 0xDC}, "bertrag: 1.234,56 "...), 0x80, ' ', 0x97, ' ', 'g', 0xFC, 'l', 't', 'i', 'g')},
		{"the current page is kept while it holds the word", "€", "Öl ist teuer",
			append([]byte{0x99}, "l ist teuer"...)},
		{"a word no one page holds switches inside it", "ä", "x╬„y",
			[]byte{'x', 0xCE, ESC, 't', 16, 0x84, 'y'}},
		{"ASCII words send no page", "", "Total 5,00", []byte("Total 5,00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := NewEncoder(epsonStyle)
			require.NoError(t, err)
			e.AppendInit(nil)
			e.AppendText(nil, tt.first)
			assert.Equal(t, tt.want, e.AppendText(nil, tt.text))
		})
	}
}

func TestAppendTextAllocatesNothing(t *testing.T) {
	e, err := NewEncoder(epsonStyle)
	require.NoError(t, err)
	dst := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() {
		e.AppendInit(dst[:0])
		dst = e.AppendText(dst[:0], "Grüße aus Köln: 5,00 € für „Äpfel“ & Öl ╬ x╬„y")
	})
	assert.Zero(t, allocs)
}

// FuzzAppendTextRoundTrip: whatever the text, the bytes decode back to it
// through the code pages the encoder selected (runes no page holds aside),
// no ESC t selects the page already in force, and no control byte but ESC t
// gets out.
func FuzzAppendTextRoundTrip(f *testing.F) {
	for _, s := range []string{"Grüße aus Köln: 5,00 €", "äöüß ÄÖÜ „Straße“ – Maß … Öl", "x╬„y", "αβγ € ä", " ", "€€ ää", "漢字 ok"} {
		f.Add(s)
	}
	profiles := []*Profile{epsonStyle, cp437Only, wpc1252,
		profileWith(CodePageSlot{0, "CP437"}, CodePageSlot{15, "ISO_8859-7"}, CodePageSlot{16, "CP1252"}, CodePageSlot{19, "CP858"})}
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range profiles {
			e, err := NewEncoder(p)
			require.NoError(t, err)
			e.AppendInit(nil)
			var want []rune
			for _, r := range s {
				if r >= 0x20 && r < 0x7F || r >= 0xA0 && r != utf8.RuneError && e.CanEncode(r) {
					want = append(want, r)
				}
			}
			e.OnFallback = func(Fallback) {}
			out := e.AppendText(nil, s)
			var got []rune
			page := -1
			var cp *CodePage
			for i := 0; i < len(out); i++ {
				b := out[i]
				switch {
				case b == ESC:
					require.Less(t, i+2, len(out), "% x", out)
					require.Equal(t, byte('t'), out[i+1])
					slot := int(out[i+2])
					require.NotEqual(t, page, slot, "page %d selected again: % x", slot, out)
					page = slot
					cp = nil
					for _, cs := range p.CodePages {
						if int(cs.Slot) == slot {
							cp, _ = LookupCodePage(cs.Encoding)
						}
					}
					require.NotNil(t, cp, "slot %d", slot)
					i += 2
				case b < 0x20 || b == 0x7F:
					t.Fatalf("control byte %#x in % x", b, out)
				case b < 0x80:
					got = append(got, rune(b))
				default:
					require.NotNil(t, cp, "byte %#x before any ESC t", b)
					r, ok := cp.Decode(b)
					require.True(t, ok)
					got = append(got, r)
				}
			}
			// Substitutes add runes; the encodable ones must all be there, in order.
			j := 0
			for _, r := range got {
				if j < len(want) && r == want[j] {
					j++
				}
			}
			assert.Equal(t, len(want), j, "%q on %v: got %q", s, p.CodePages, string(got))
		}
	})
}
