package receipt

import (
	"bytes"
	"errors"
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

// ErrNotDrawn: a Star Graphic printer's receipt did not draw cleanly on the
// paper engine, so it is refused rather than printed wrong.
var ErrNotDrawn = errors.New("the receipt does not draw cleanly as raster")

// encodedFor is the profile a printer's receipt is laid out and encoded
// for: the printer's own, or for a Star Graphic printer (no fonts, raster
// only) its ESC/POS twin, whose commands finish draws as raster.
func encodedFor(printer *escpos.Profile) *escpos.Profile {
	if printer.Language == escpos.LanguageStarGraphic {
		return star.ESCPOSTwin(printer)
	}
	return printer
}

// finish turns the commands encoded since start into what the printer
// takes. A StarPRNT printer set to print by page prints only at a cut or the
// page flush (ESC GS P 0, ESC GS P 1), so commands that do not end with a
// cut get the flush; a Star Graphic printer gets the paper engine's drawing
// of them as raster. Every other language prints them as they are.
func (r *Renderer) finish(dst []byte, start int, endsWithCut bool) ([]byte, error) {
	switch r.printer.Language {
	case escpos.LanguageStarPRNT:
		if !endsWithCut {
			dst = star.AppendPageFlush(dst)
		}
	case escpos.LanguageStarGraphic:
		job := bytes.Clone(dst[start:])
		out, err := star.AppendGraphic(dst[:start], job, r.printer)
		if err != nil {
			return dst[:start], fmt.Errorf("receipt: %w: %w", ErrNotDrawn, err)
		}
		return out, nil
	}
	return dst, nil
}
