package station

import (
	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/star"
)

// language is what the station needs to know of a printer's command
// language beyond what the renderer decides (receipt.Renderer speaks the
// printer's language, and receipt.Preview draws any of them).
type language struct {
	// fromESCPOS turns an ESC/POS document (an ePOS-Print conversion) into
	// what the printer takes: a Star Graphic printer gets it drawn as
	// raster; any other gets it as it is.
	fromESCPOS func([]byte) ([]byte, error)
	// storedLogos: the language keeps logos in NV memory (GS ( L).
	storedLogos bool
}

// languageOf is the one place in the station that decides about a
// printer's command language.
func languageOf(prof *escpos.Profile) language {
	l := language{
		fromESCPOS:  func(b []byte) ([]byte, error) { return b, nil },
		storedLogos: !prof.SpeaksStar(),
	}
	if prof.Language == escpos.LanguageStarGraphic {
		// Raster only: the paper engine's drawing of the ESC/POS.
		l.fromESCPOS = func(b []byte) ([]byte, error) { return star.AppendGraphic(nil, b, prof) }
	}
	return l
}

// testPageSpoken reports whether the printer reads the test page, which
// is written in ESC/POS (a Star Graphic printer gets it as raster).
func testPageSpoken(prof *escpos.Profile) bool {
	switch prof.Language {
	case escpos.LanguageStarLine, escpos.LanguageStarPRNT:
		return false
	}
	return true
}
