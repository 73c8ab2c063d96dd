package station

import (
	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/star"
	"github.com/secuprint/receipt/printers"
)

// language is how the station speaks to a printer of one profile: what a
// receipt renders for, how the rendered bytes become the ones the printer
// takes, and how the printer's bytes become what the paper engine draws.
type language struct {
	render *escpos.Profile // the renderer's profile for the printer's job
	paper  *escpos.Profile // the renderer's profile for a preview: ESC/POS
	// finish turns rendered bytes into the printer's (a Star Graphic
	// printer gets the drawing as raster; StarPRNT its page flush).
	finish func([]byte) ([]byte, error)
	// toPaper turns bytes in the printer's language into the ESC/POS the
	// paper engine draws.
	toPaper func([]byte) []byte
	// storedLogos: the language keeps logos in NV memory (GS ( L).
	storedLogos bool
}

// languageOf is the one place that decides a printer's command language
// (renderForPrinter in the words): everything else in the station
// asks it. It calls printers.RenderProfile, ESCPOSTwin and Finish until
// the renderer returns the printer's own language.
func languageOf(prof *escpos.Profile) language {
	l := language{
		render:      printers.RenderProfile(prof),
		paper:       printers.ESCPOSTwin(prof),
		finish:      func(b []byte) ([]byte, error) { return printers.Finish(prof, b) },
		toPaper:     func(b []byte) []byte { return b },
		storedLogos: prof.Language == escpos.LanguageESCPOS,
	}
	if prof.Language != escpos.LanguageESCPOS {
		// The paper engine draws ESC/POS: Star bytes are translated.
		l.toPaper = func(b []byte) []byte { return star.ToESCPOS(star.Decode(b, prof)) }
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
