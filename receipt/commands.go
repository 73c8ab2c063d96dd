package receipt

import (
	"fmt"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/star"
)

// commandSet is what the renderer needs of a printer's command language.
// *escpos.Encoder speaks ESC/POS; a printer in another language (Star's)
// gets an encoder of its own with the same methods, so the layout rules are
// the same in every language.
type commandSet interface {
	AppendInit(dst []byte) []byte
	AppendFont(dst []byte, f escpos.Font) ([]byte, error)
	AppendBold(dst []byte, on bool) []byte
	AppendSize(dst []byte, s escpos.Size) ([]byte, error)
	AppendJustification(dst []byte, j escpos.Justification) ([]byte, error)
	AppendText(dst []byte, s string) []byte
	AppendLF(dst []byte) []byte
	AppendFeedLines(dst []byte, n uint8) []byte
	AppendCut(dst []byte, m escpos.CutMode) ([]byte, error)
	AppendRaster(dst []byte, r *escpos.Raster, j escpos.Justification) ([]byte, error)
	AppendLogo(dst []byte, key escpos.LogoKey, j escpos.Justification) ([]byte, error)
	AppendQR(dst []byte, q escpos.QR, j escpos.Justification) ([]byte, escpos.CodeFallback, error)
	AppendBarcode(dst []byte, bc escpos.Barcode, j escpos.Justification) ([]byte, escpos.CodeFallback, error)
	AppendDrawer(dst []byte, pin escpos.Drawer) ([]byte, error)
	// CanEncode reports whether some code page of the printer holds r;
	// Substitute says what prints instead of one that none holds.
	CanEncode(r rune) bool
	Substitute(r rune) escpos.Fallback
}

var (
	_ commandSet = (*escpos.Encoder)(nil)
	_ commandSet = (*star.Encoder)(nil)
)

// newCommandSet returns the encoder for the profile's command language,
// reporting its own fallbacks to onFallback.
func newCommandSet(p *escpos.Profile, onFallback func(escpos.Fallback)) (commandSet, error) {
	switch p.Language {
	case escpos.LanguageESCPOS:
		// Star printers in ESC/POS emulation too: the encoder selects their
		// code pages with ESC GS t n (Profile.StarCodePages).
	case escpos.LanguageStarGraphic:
		// No fonts: the receipt is drawn at the printer's dots and sent as
		// raster (printers.Finish), so it is rendered for an ESC/POS twin.
		return nil, fmt.Errorf("profile %s speaks Star Graphic mode (raster only); render for its ESC/POS twin and convert with printers.Finish", p.ID)
	case escpos.LanguageStarPRNT, escpos.LanguageStarLine:
		enc, err := star.NewEncoder(p)
		if err != nil {
			return nil, err
		}
		enc.OnFallback = onFallback
		return enc, nil
	default:
		return nil, fmt.Errorf("profile %s speaks %v, which this renderer does not emit", p.ID, p.Language)
	}
	enc, err := escpos.NewEncoder(p)
	if err != nil {
		return nil, err
	}
	enc.OnFallback = onFallback
	return enc, nil
}
