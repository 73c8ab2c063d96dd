package escpos

import (
	"fmt"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// FallbackReason says why a rune did not print as itself.
type FallbackReason uint8

const (
	// FallbackControl: the rune is a control character (C0, DEL, C1) that
	// would be read as a printer command, so it never reaches the printer.
	FallbackControl FallbackReason = iota + 1
	// FallbackNoCodePage: no code page slot of the profile holds the rune.
	FallbackNoCodePage
)

func (r FallbackReason) String() string {
	switch r {
	case FallbackControl:
		return "control character"
	case FallbackNoCodePage:
		return "no code page holds it"
	}
	return fmt.Sprintf("FallbackReason(%d)", uint8(r))
}

// Fallback reports one rune that was printed as something else.
type Fallback struct {
	Rune        rune
	Replacement string
	Reason      FallbackReason
}

func (f Fallback) String() string {
	return fmt.Sprintf("%U %q printed as %q: %v", f.Rune, f.Rune, f.Replacement, f.Reason)
}

// transliterations are what a reader of a receipt expects in place of a
// character the printer cannot print. Only ASCII, so every page holds them.
var transliterations = map[rune]string{
	'\u00A0': " ", '\u2002': " ", '\u2003': " ", '\u2009': " ", '\u202F': " ",
	'\u2010': "-", '\u2011': "-", '\u2012': "-", '\u2013': "-", '\u2014': "-", '\u2015': "-", '\u2212': "-",
	'\u201E': "\"", '\u201C': "\"", '\u201D': "\"", '\u201F': "\"", '\u00AB': "\"", '\u00BB': "\"", '\u2033': "\"",
	'\u201A': "'", '\u2018': "'", '\u2019': "'", '\u201B': "'", '\u2039': "'", '\u203A': "'", '\u2032': "'", '\u00B4': "'",
	'\u2026': "...",
	'\u20AC': "EUR",
	'\u00A3': "GBP",
	'\u00A5': "JPY",
	'\u2022': "*", '\u00B7': ".",
	'\u00D7': "x", '\u00F7': "/",
	'\u2122': "TM", '\u00A9': "(C)", '\u00AE': "(R)",
	'\u00BC': "1/4", '\u00BD': "1/2", '\u00BE': "3/4",
	'\u00B0': "o",
	'\u00DF': "ss", '\u1E9E': "SS",
	'\u00C4': "Ae", '\u00D6': "Oe", '\u00DC': "Ue", '\u00E4': "ae", '\u00F6': "oe", '\u00FC': "ue",
	'\u00C6': "AE", '\u00E6': "ae", '\u0152': "OE", '\u0153': "oe", '\u00D8': "O", '\u00F8': "o",
	'\u0141': "L", '\u0142': "l", '\u0110': "D", '\u0111': "d",
	'\uFB01': "fi", '\uFB02': "fl",
}

// Substitute returns what to print for r when it cannot print as itself:
// a control character becomes a space (so layout keeps its width), other
// runes their transliteration, their base letter when the encoder can print
// that (é→e), and "?" as the last resort. Every use must be reported.
func (e *Encoder) Substitute(r rune) Fallback {
	if isControl(r) {
		return Fallback{Rune: r, Replacement: " ", Reason: FallbackControl}
	}
	f := Fallback{Rune: r, Reason: FallbackNoCodePage}
	if t, ok := transliterations[r]; ok {
		f.Replacement = t
		return f
	}
	var buf [utf8Max * 4]byte
	d := norm.NFD.AppendString(buf[:0], string(r))
	for _, x := range string(d) {
		if unicode.Is(unicode.Mn, x) {
			continue
		}
		if e.CanEncode(x) {
			f.Replacement = string(x)
			return f
		}
		break
	}
	f.Replacement = "?"
	return f
}

const utf8Max = 4

// isControl reports runes that must never reach the printer as text.
func isControl(r rune) bool {
	return r < 0x20 || (r >= 0x7F && r < 0xA0) || r == '\u2028' || r == '\u2029'
}
