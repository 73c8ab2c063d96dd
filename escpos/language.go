package escpos

import "fmt"

// Language is the command language a printer model speaks. The zero value is
// ESC/POS, so a profile that says nothing is an ESC/POS profile.
type Language uint8

const (
	// LanguageESCPOS is Epson's ESC/POS, also what Star printers speak in
	// their ESC/POS emulation (they then select code pages with ESC GS t n).
	LanguageESCPOS Language = iota
	// LanguageStarLine is Star Line Mode (TSP650II, TSP700II, ...).
	LanguageStarLine
	// LanguageStarPRNT is StarPRNT (mC-Print3, TSP100IV, mPOP, ...).
	LanguageStarPRNT
	// LanguageStarGraphic is Star Graphic mode: raster images, feeds and
	// cuts only, no fonts (TSP100 to TSP100III).
	LanguageStarGraphic
)

var languageNames = [...]string{"escpos", "star-line", "star-prnt", "star-graphic"}

// Valid reports whether l is one of the languages above.
func (l Language) Valid() bool { return int(l) < len(languageNames) }

// String is the name ParseLanguage reads: "escpos", "star-line",
// "star-prnt" or "star-graphic" (the names ReceiptPrinterEncoder uses).
func (l Language) String() string {
	if l.Valid() {
		return languageNames[l]
	}
	return fmt.Sprintf("Language(%d)", uint8(l))
}

// ParseLanguage reads a name String returns.
func ParseLanguage(s string) (Language, error) {
	for i, n := range languageNames {
		if n == s {
			return Language(i), nil
		}
	}
	return 0, fmt.Errorf("escpos: unknown command language %q (want escpos, star-line, star-prnt or star-graphic)", s)
}

// MarshalText writes the language's name; an invalid one is an error.
func (l Language) MarshalText() ([]byte, error) {
	if !l.Valid() {
		return nil, fmt.Errorf("escpos: %v out of range", l)
	}
	return []byte(languageNames[l]), nil
}

// UnmarshalText reads a name String returns.
func (l *Language) UnmarshalText(b []byte) error {
	v, err := ParseLanguage(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// StarCodePages reports whether the profile selects code pages with Star's
// ESC GS t n rather than ESC t n: every Star language, and Star printers in
// ESC/POS emulation (escpos-printer-db's starCommands).
func (p *Profile) StarCodePages() bool {
	return p.Language != LanguageESCPOS || p.Features.StarCommands
}

// SpeaksStar reports whether p's printer reads one of Star's languages (Star
// Line Mode, StarPRNT, Star Graphic) rather than ESC/POS: it answers with
// Star's automatic status and is drawn through its ESC/POS twin
// (star.ESCPOSTwin). A nil profile is the generic ESC/POS printer.
func (p *Profile) SpeaksStar() bool { return p != nil && p.Language != LanguageESCPOS }
