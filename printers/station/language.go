package station

import (
	"fmt"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/star"
)

// language is what the station needs to know of a printer's command
// language beyond what the renderer decides (receipt.Renderer speaks the
// printer's language, and receipt.Preview draws any of them).
type language struct {
	// fromESCPOS makes an ESC/POS document (an ePOS-Print conversion)
	// what the printer takes, printed as sent. Its errors wrap
	// ErrUnsupported or ErrRender.
	fromESCPOS func([]byte) ([]byte, error)
	// storedLogos: the language keeps logos in NV memory (GS ( L).
	storedLogos bool
}

// languageOf is the one place in the station that decides about a
// printer's command language. An ESC/POS document is printed as sent on
// an ESC/POS printer; a Star Graphic printer (raster only) gets the paper
// engine's drawing of it, which is what the document prints; a printer
// in Star Line Mode or StarPRNT refuses it (ErrUnsupported): its
// commands differ from ESC/POS beyond plain text (cuts, sizes, codes,
// images), so the bytes as sent would print wrong, and the project has no
// ESC/POS-to-Star translation (only Star to ESC/POS, for drawing).
func languageOf(prof *escpos.Profile) language {
	l := language{
		fromESCPOS:  func(b []byte) ([]byte, error) { return b, nil },
		storedLogos: !prof.SpeaksStar(),
	}
	switch prof.Language {
	case escpos.LanguageStarGraphic:
		l.fromESCPOS = func(b []byte) ([]byte, error) {
			out, err := star.AppendGraphic(nil, b, prof)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrRender, err)
			}
			return out, nil
		}
	case escpos.LanguageStarLine, escpos.LanguageStarPRNT:
		l.fromESCPOS = func([]byte) ([]byte, error) {
			return nil, fmt.Errorf("%w: the document is ESC/POS and model %s speaks %s; configure the printer's ESC/POS emulation (an ESC/POS model) to print it", ErrUnsupported, prof.ID, prof.Language)
		}
	}
	return l
}
