package receipt

import "github.com/secuprint/receipt/escpos"

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

var _ commandSet = (*escpos.Encoder)(nil)

// newCommandSet returns the encoder for the profile's command language,
// reporting its own fallbacks to onFallback.
func newCommandSet(p *escpos.Profile, onFallback func(escpos.Fallback)) (commandSet, error) {
	enc, err := escpos.NewEncoder(p)
	if err != nil {
		return nil, err
	}
	enc.OnFallback = onFallback
	return enc, nil
}
