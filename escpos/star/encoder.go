package star

import (
	"fmt"

	"github.com/secuprint/receipt/escpos"
)

// state is what the encoder knows the printer is set to; known is false
// until AppendInit, so the first request of each style is sent.
type state struct {
	known   bool
	bold    bool
	size    escpos.Size
	justify escpos.Justification
	font    escpos.Font
}

// Encoder appends StarPRNT / Star Line Mode commands for one profile, never
// repeating a style already in force. Text and code pages go through an
// escpos.Encoder for the same profile, whose page choice and fallbacks are
// the same in every language (it selects pages with ESC GS t n because the
// profile's language is Star's). Not safe for concurrent use.
type Encoder struct {
	profile *escpos.Profile
	text    *escpos.Encoder
	st      state

	// OnFallback, when set, hears of every rune printed as something else.
	OnFallback func(escpos.Fallback)
}

// NewEncoder returns an encoder for p, which must speak StarPRNT or Star
// Line Mode.
func NewEncoder(p *escpos.Profile) (*Encoder, error) {
	if p == nil {
		return nil, fmt.Errorf("star: nil profile")
	}
	if p.Language != escpos.LanguageStarPRNT && p.Language != escpos.LanguageStarLine {
		return nil, fmt.Errorf("star: profile %s speaks %v, not StarPRNT or Star Line Mode", p.ID, p.Language)
	}
	text, err := escpos.NewEncoder(p)
	if err != nil {
		return nil, err
	}
	e := &Encoder{profile: p, text: text}
	text.OnFallback = func(f escpos.Fallback) {
		if e.OnFallback != nil {
			e.OnFallback(f)
		}
	}
	return e, nil
}

// Profile returns the profile the encoder was made for.
func (e *Encoder) Profile() *escpos.Profile { return e.profile }

func (e *Encoder) headDots() int {
	if e.profile.WidthDots > 0 {
		return e.profile.WidthDots
	}
	return 384 // 58 mm, as escpos assumes for an unknown head
}

// AppendInit appends ESC @ and records the reset state.
func (e *Encoder) AppendInit(dst []byte) []byte {
	e.st = state{known: true, size: escpos.Normal}
	return e.text.AppendInit(dst) // ESC @ in Star's languages too; resets the page choice
}

// AppendFont selects the font unless it is in force.
func (e *Encoder) AppendFont(dst []byte, f escpos.Font) ([]byte, error) {
	if e.st.known && e.st.font == f {
		return dst, nil
	}
	if _, err := e.profile.Columns(f); err != nil {
		return dst, err
	}
	dst, err := AppendFont(dst, f)
	if err == nil {
		e.st.font = f
	}
	return dst, err
}

// AppendBold sets emphasis unless it is in force.
func (e *Encoder) AppendBold(dst []byte, on bool) []byte {
	if e.st.known && e.st.bold == on {
		return dst
	}
	e.st.bold = on
	return AppendEmphasis(dst, on)
}

// AppendSize sets the character expansion unless it is in force.
func (e *Encoder) AppendSize(dst []byte, s escpos.Size) ([]byte, error) {
	if e.st.known && e.st.size == s {
		return dst, nil
	}
	dst, err := AppendSize(dst, s)
	if err == nil {
		e.st.size = s
	}
	return dst, err
}

// AppendJustification sets alignment unless it is in force.
func (e *Encoder) AppendJustification(dst []byte, j escpos.Justification) ([]byte, error) {
	if e.st.known && e.st.justify == j {
		return dst, nil
	}
	dst, err := AppendJustification(dst, j)
	if err == nil {
		e.st.justify = j
	}
	return dst, err
}

// AppendText encodes s through the profile's code pages (see
// escpos.Encoder.AppendText), selecting them with ESC GS t n.
func (e *Encoder) AppendText(dst []byte, s string) []byte { return e.text.AppendText(dst, s) }

// CanEncode reports whether some code page of the profile holds r.
func (e *Encoder) CanEncode(r rune) bool { return e.text.CanEncode(r) }

// Substitute says what prints in place of r.
func (e *Encoder) Substitute(r rune) escpos.Fallback { return e.text.Substitute(r) }

// AppendLF appends a line feed.
func (e *Encoder) AppendLF(dst []byte) []byte { return AppendLF(dst) }

// AppendFeedLines feeds n lines.
func (e *Encoder) AppendFeedLines(dst []byte, n uint8) []byte { return AppendFeedLines(dst, n) }

// AppendCut feeds to the cutter and cuts as the profile can (see
// escpos.Encoder.AppendCut); a profile without a cutter feeds past the
// tear bar.
func (e *Encoder) AppendCut(dst []byte, m escpos.CutMode) ([]byte, error) {
	if !m.Valid() {
		return dst, fmt.Errorf("star: %v out of range", m)
	}
	f := e.profile.Features
	switch {
	case m == escpos.CutNone:
		return dst, nil
	case m == escpos.CutPartial && !f.PaperPartCut && f.PaperFullCut:
		m = escpos.CutFull
	case m == escpos.CutFull && !f.PaperFullCut && f.PaperPartCut:
		m = escpos.CutPartial
	case !f.PaperFullCut && !f.PaperPartCut:
		return AppendFeedLines(dst, 4), nil
	}
	return AppendCut(dst, m)
}

// AppendRaster prints r aligned by j: StarPRNT as ESC GS S, Line Mode as
// ESC X bands. Both print from the left margin, so the alignment is made by
// white columns, with ESC GS a 0 in force.
func (e *Encoder) AppendRaster(dst []byte, r *escpos.Raster, j escpos.Justification) ([]byte, error) {
	if err := r.Validate(); err != nil {
		return dst, err
	}
	if !j.Valid() {
		return dst, fmt.Errorf("star: %v out of range", j)
	}
	head := e.headDots()
	if r.Width > head {
		return dst, fmt.Errorf("star: raster %d dots wide exceeds the %d-dot head of %s", r.Width, head, e.profile.ID)
	}
	left := 0
	switch j {
	case escpos.JustifyCenter:
		left = (head - r.Width) / 2
	case escpos.JustifyRight:
		left = head - r.Width
	}
	out, err := e.AppendJustification(dst, escpos.JustifyLeft)
	if err != nil {
		return dst, err
	}
	if e.profile.Language == escpos.LanguageStarPRNT {
		return AppendRasterPRNT(out, r, left)
	}
	return AppendRaster(out, r, left)
}

// AppendLogo fails: Star's stored logos (NV bit images) are numbered, not
// keyed, and this package does not define them; print the logo as a raster.
func (e *Encoder) AppendLogo(dst []byte, key escpos.LogoKey, _ escpos.Justification) ([]byte, error) {
	return dst, fmt.Errorf("star: profile %s: stored logo %q: Star printers here print logos as raster", e.profile.ID, key[:])
}

// AppendQR prints q natively when the profile has QR codes and the cell
// size fits ESC GS y S 2, else as a raster, which the CodeFallback reports.
func (e *Encoder) AppendQR(dst []byte, q escpos.QR, j escpos.Justification) ([]byte, escpos.CodeFallback, error) {
	if !j.Valid() {
		return dst, escpos.CodeFallback{}, fmt.Errorf("star: %v out of range", j)
	}
	m, v, err := q.Validate()
	if err != nil {
		return dst, escpos.CodeFallback{}, err
	}
	if side := escpos.QRSideModules(v) * m; side > e.headDots() {
		return dst, escpos.CodeFallback{}, fmt.Errorf("star: qr: %d dots wide exceeds the %d-dot head of %s", side, e.headDots(), e.profile.ID)
	}
	why := ""
	switch {
	case !e.profile.Features.QRCode:
		why = "profile " + e.profile.ID + " has no native QR Code"
	case m > MaxQRCell:
		why = fmt.Sprintf("cell size %d exceeds Star's %d", m, MaxQRCell)
	}
	if why == "" {
		out, err := e.AppendJustification(dst, j)
		if err != nil {
			return dst, escpos.CodeFallback{}, err
		}
		out = appendQuietZone(out, m)
		out, err = AppendQR(out, q)
		if err != nil {
			return dst, escpos.CodeFallback{}, err
		}
		return appendQuietZone(out, m), escpos.CodeFallback{}, nil
	}
	r, err := escpos.NewQRRaster(q)
	if err != nil {
		return dst, escpos.CodeFallback{}, err
	}
	out, err := e.AppendRaster(dst, r, j) // the picture has its quiet zone
	if err != nil {
		return dst, escpos.CodeFallback{}, err
	}
	return out, escpos.CodeFallback{Raster: true, Why: why}, nil
}

// appendQuietZone feeds escpos.QRQuietZone modules of m dots before or
// after a QR code ("margins of more than 4 cells are required", Star's QR
// pages) as whole lines, each at least 3 mm (24 dots): Star's line feeds
// are the commands every Star language here shares.
func appendQuietZone(b []byte, m int) []byte {
	return AppendFeedLines(b, uint8((escpos.QRQuietZone*m+23)/24))
}

// AppendBarcode prints bc with ESC b when the profile has bar codes and the
// module fits, else as a raster (reported). Characters above the bars print
// as a line of text.
func (e *Encoder) AppendBarcode(dst []byte, bc escpos.Barcode, j escpos.Justification) ([]byte, escpos.CodeFallback, error) {
	if !j.Valid() {
		return dst, escpos.CodeFallback{}, fmt.Errorf("star: %v out of range", j)
	}
	f := e.profile.Features
	why := ""
	switch {
	case !f.BarcodeA && !f.BarcodeB:
		why = "profile " + e.profile.ID + " has no bar codes"
	case bc.ModuleDots() > MaxBarcodeModule:
		why = fmt.Sprintf("module width %d exceeds Star's %d", bc.ModuleDots(), MaxBarcodeModule)
	}
	// The width as it prints: by Star's ESC b mode table, or as the
	// raster fallback draws it.
	dots, err := BarcodeDots(bc)
	if why != "" {
		dots, err = escpos.BarcodeDots(bc)
	}
	if err != nil {
		return dst, escpos.CodeFallback{}, err
	}
	if w := len(dots); w > e.headDots() {
		return dst, escpos.CodeFallback{}, fmt.Errorf("star: %v: %d dots wide exceeds the %d-dot head of %s", bc.Symbology, w, e.headDots(), e.profile.ID)
	}
	mod := bc.ModuleDots()
	j, narrow := escpos.BarcodeQuietZoneFit(len(dots), mod, e.headDots(), j)
	saved := e.st
	out, err := e.AppendJustification(dst, j)
	if err != nil {
		return dst, escpos.CodeFallback{}, err
	}
	out = appendBarcodeQuietZone(out, mod)
	text := bc.Data
	if bc.HRI == escpos.HRIAbove || bc.HRI == escpos.HRIBoth {
		out = AppendLF(e.AppendText(out, text))
	}
	if why == "" {
		if out, err = AppendBarcode(out, bc); err != nil {
			e.st = saved
			return dst, escpos.CodeFallback{}, err
		}
		return appendBarcodeQuietZone(out, mod), escpos.CodeFallback{QuietZone: narrow}, nil
	}
	r, err := escpos.NewBarcodeRaster(bc)
	if err != nil {
		e.st = saved
		return dst, escpos.CodeFallback{}, err
	}
	if out, err = e.AppendRaster(out, r, j); err != nil {
		e.st = saved
		return dst, escpos.CodeFallback{}, err
	}
	if bc.HRI == escpos.HRIBelow || bc.HRI == escpos.HRIBoth {
		out = AppendLF(e.AppendText(out, text))
	}
	return appendBarcodeQuietZone(out, mod), escpos.CodeFallback{Raster: true, Why: why, QuietZone: narrow}, nil
}

// appendBarcodeQuietZone feeds escpos.BarcodeQuietZone modules of m dots
// before or after a bar code, as whole lines like appendQuietZone: ESC b
// adds no margin of its own, so whatever precedes or follows would touch
// the bars.
func appendBarcodeQuietZone(b []byte, m int) []byte {
	return AppendFeedLines(b, uint8((escpos.BarcodeQuietZone*m+23)/24))
}

// AppendDrawer kicks the drawer on pin, if the profile has a drawer port.
func (e *Encoder) AppendDrawer(dst []byte, pin escpos.Drawer) ([]byte, error) {
	if !e.profile.Features.PulseStandard && !e.profile.Features.PulseBel {
		return dst, fmt.Errorf("star: profile %s has no cash drawer kick", e.profile.ID)
	}
	return AppendDrawer(dst, pin)
}
