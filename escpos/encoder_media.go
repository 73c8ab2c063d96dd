package escpos

import (
	"fmt"
	"image"
)

// ImageOptions control Encoder.AppendImage.
type ImageOptions struct {
	Justify Justification
	Dither  Dither
	// MaxWidth in dots; 0 means the profile's WidthDots. The head width
	// bounds it either way.
	MaxWidth int
}

// CodeFallback says how a QR Code or barcode was printed when the printer
// could not print it natively.
type CodeFallback struct {
	Raster bool   // drawn as a raster image instead of the native command
	Why    string // why; empty when Raster is false
	// QuietZone, when not empty, says that a 1D barcode fits the head but
	// not with its horizontal quiet zone (BarcodeQuietZone modules each
	// side): it printed centred, and may not scan everywhere.
	QuietZone string
}

// BarcodeQuietZone is the white margin, in narrow-bar modules, a 1D
// barcode needs on each side: 10 × the narrow bar for CODE39, ITF and
// CODE128 (GS1 asks 9 for UPC-A, 7 for EAN-8, 11 left / 7 right for
// EAN-13: one module short on EAN-13's left) and in Epson's own barcode
// notes ("The width of a quiet zone is 10 times the width of the narrow
// bar", Epson 4100 Operator's Guide, "Quiet zone",
// https://manualsdump.com/en/manuals/epson-4100model/155912/439). Neither
// GS k nor Star's ESC b adds it: the sender does.
const BarcodeQuietZone = 10

// BarcodeQuietZoneFit returns the justification to print a barcode of
// width dots (narrow bar m dots) with on a head of head dots, and a
// non-empty reason when its horizontal quiet zone does not fit: such a
// code is not refused (it fits the head) but centred, which leaves it the
// widest margin on both sides.
func BarcodeQuietZoneFit(width, m, head int, j Justification) (Justification, string) {
	need := width + 2*BarcodeQuietZone*m
	if need <= head {
		return j, ""
	}
	return JustifyCenter, fmt.Sprintf("%d dots wide with its quiet zone (%d modules of %d dots each side) exceeds the %d-dot head: centred with %d dots each side",
		need, BarcodeQuietZone, m, head, (head-width)/2)
}

// AppendBarcodeQuietZone feeds BarcodeQuietZone modules of m dots (ESC J)
// before or after a 1D barcode, so that a code, text or logo above or
// below it stays clear of the bars whatever precedes or follows.
func AppendBarcodeQuietZone(b []byte, m int) []byte {
	return append(b, ESC, 'J', byte(min(255, BarcodeQuietZone*m)))
}

// unknownWidthDots is the head width assumed when a profile does not know
// its own: 58 mm paper's, which every receipt printer can print.
const unknownWidthDots = 384

func (e *Encoder) headDots() int {
	if e.profile.WidthDots > 0 {
		return e.profile.WidthDots
	}
	return unknownWidthDots
}

// AppendImage converts img (see NewRaster), scaled down to fit the head,
// and appends it aligned by opt.Justify.
func (e *Encoder) AppendImage(dst []byte, img image.Image, opt ImageOptions) ([]byte, error) {
	if err := e.canRaster(); err != nil {
		return dst, err
	}
	if opt.MaxWidth < 0 {
		return dst, fmt.Errorf("escpos: image: max width %d is negative", opt.MaxWidth)
	}
	w := e.headDots()
	if opt.MaxWidth > 0 {
		w = min(w, opt.MaxWidth)
	}
	r, err := NewRaster(img, RasterOptions{MaxWidth: w, Dither: opt.Dither})
	if err != nil {
		return dst, err
	}
	return e.AppendRaster(dst, r, opt.Justify)
}

func (e *Encoder) canRaster() error {
	f := e.profile.Features
	if !f.BitImageRaster && !f.Graphics {
		return fmt.Errorf("escpos: profile %s prints no raster images (neither GS v 0 nor GS ( L)", e.profile.ID)
	}
	return nil
}

// AppendRaster appends ESC a j (unless in force) and r as GS v 0 bands, or
// as GS ( L graphics on a profile that has those but not GS v 0. A raster
// wider than the head is an error: the printer would cut it off.
func (e *Encoder) AppendRaster(dst []byte, r *Raster, j Justification) ([]byte, error) {
	if err := e.canRaster(); err != nil {
		return dst, err
	}
	if err := r.check(); err != nil {
		return dst, err
	}
	if r.Width > e.headDots() {
		return dst, fmt.Errorf("escpos: raster %d dots wide exceeds the %d-dot head of %s", r.Width, e.headDots(), e.profile.ID)
	}
	if !j.Valid() {
		return dst, fmt.Errorf("escpos: %v out of range", j)
	}
	out, err := e.AppendJustification(dst, j)
	if err != nil {
		return dst, err
	}
	if e.profile.Features.BitImageRaster {
		return AppendRasterImage(out, r)
	}
	return AppendGraphics(out, r)
}

// AppendQR appends q aligned by j: natively (GS ( k) when the profile has
// QR codes, else drawn as a raster, which the returned CodeFallback reports.
func (e *Encoder) AppendQR(dst []byte, q QR, j Justification) ([]byte, CodeFallback, error) {
	if !j.Valid() {
		return dst, CodeFallback{}, fmt.Errorf("escpos: %v out of range", j)
	}
	if e.profile.Features.QRCode {
		m, v, err := q.check()
		if err != nil {
			return dst, CodeFallback{}, err
		}
		if side := qrSide(v) * m; side > e.headDots() {
			return dst, CodeFallback{}, fmt.Errorf("escpos: qr: %d dots wide exceeds the %d-dot head of %s", side, e.headDots(), e.profile.ID)
		}
		out, err := e.AppendJustification(dst, j)
		if err != nil {
			return dst, CodeFallback{}, err
		}
		out = AppendQuietZone(out, m)
		out, err = AppendQR(out, q)
		if err != nil {
			return dst, CodeFallback{}, err
		}
		return AppendQuietZone(out, m), CodeFallback{}, nil
	}
	r, err := NewQRRaster(q)
	if err != nil {
		return dst, CodeFallback{}, err
	}
	out, err := e.AppendRaster(dst, r, j) // the picture has its quiet zone
	if err != nil {
		return dst, CodeFallback{}, err
	}
	return out, CodeFallback{Raster: true, Why: "profile " + e.profile.ID + " has no native QR Code"}, nil
}

// AppendQuietZone feeds QRQuietZone modules of m dots (ESC J; one motion
// unit is a dot on the supported printers) before or after a native QR
// code: Epson's GS ( k fn 181 note leaves the quiet zone to the sender, and
// a code, text or logo next to the symbol would sit inside it. Across the
// paper the margins give it.
func AppendQuietZone(b []byte, m int) []byte {
	return append(b, ESC, 'J', byte(min(255, QRQuietZone*m)))
}

// AppendBarcode appends bc aligned by j: GS k function B when the profile
// has it, function A for what that can print, else a raster drawing of the
// bars (reported by the CodeFallback). ESC a is the only state it changes.
func (e *Encoder) AppendBarcode(dst []byte, bc Barcode, j Justification) ([]byte, CodeFallback, error) {
	if !j.Valid() {
		return dst, CodeFallback{}, fmt.Errorf("escpos: %v out of range", j)
	}
	dots, err := BarcodeDots(bc)
	if err != nil {
		return dst, CodeFallback{}, err
	}
	if w := len(dots); w > e.headDots() {
		return dst, CodeFallback{}, fmt.Errorf("escpos: %v: %d dots wide exceeds the %d-dot head of %s", bc.Symbology, w, e.headDots(), e.profile.ID)
	}
	mod, _ := bc.module() // validated by BarcodeDots
	j, narrow := BarcodeQuietZoneFit(len(dots), mod, e.headDots(), j)
	f := e.profile.Features
	native := f.BarcodeB || f.BarcodeA && bc.Symbology != Code128
	if native && bc.HRI != HRINone {
		if _, err := e.profile.Columns(bc.HRIFont); err != nil {
			return dst, CodeFallback{}, err
		}
	}
	if !native {
		why := "profile " + e.profile.ID + " has no GS k"
		if f.BarcodeA {
			why = "profile " + e.profile.ID + " has only GS k function A, which has no " + bc.Symbology.String()
		}
		out, err := e.appendBarcodeRaster(dst, bc, j)
		if err != nil {
			return dst, CodeFallback{}, err
		}
		return out, CodeFallback{Raster: true, Why: why, QuietZone: narrow}, nil
	}
	out, err := e.AppendJustification(dst, j)
	if err != nil {
		return dst, CodeFallback{}, err
	}
	out = AppendBarcodeQuietZone(out, mod)
	if f.BarcodeB {
		out, err = AppendBarcode(out, bc)
	} else {
		out, err = appendBarcodeFunctionA(out, bc)
	}
	if err != nil {
		return dst, CodeFallback{}, err
	}
	return AppendBarcodeQuietZone(out, mod), CodeFallback{QuietZone: narrow}, nil
}

// appendBarcodeRaster draws bc, with its human-readable text as a line of
// text (in the current font) above and/or below as bc.HRI says, so the
// receipt reads as it would from GS k.
func (e *Encoder) appendBarcodeRaster(dst []byte, bc Barcode, j Justification) ([]byte, error) {
	r, err := NewBarcodeRaster(bc)
	if err != nil {
		return dst, err
	}
	if err := e.canRaster(); err != nil {
		return dst, err
	}
	text := bc.Data
	if bc.Symbology != Code128 {
		p, _ := bc.payload() // validated by NewBarcodeRaster; EAN/UPC gain their check digit
		text = string(p)
	}
	mod, _ := bc.module() // validated by NewBarcodeRaster
	saved := e.st
	out, err := e.AppendJustification(dst, j)
	if err != nil {
		return dst, err
	}
	out = AppendBarcodeQuietZone(out, mod)
	if bc.HRI == HRIAbove || bc.HRI == HRIBoth {
		out = AppendLF(e.AppendText(out, text))
	}
	if out, err = e.AppendRaster(out, r, j); err != nil {
		e.st = saved // nothing of this was sent
		return dst, err
	}
	if bc.HRI == HRIBelow || bc.HRI == HRIBoth {
		out = AppendLF(e.AppendText(out, text))
	}
	return AppendBarcodeQuietZone(out, mod), nil
}

// AppendLogo appends ESC a j and prints the NV graphics logo key (defined
// earlier with AppendDefineLogo).
func (e *Encoder) AppendLogo(dst []byte, key LogoKey, j Justification) ([]byte, error) {
	if !e.profile.Features.Graphics {
		return dst, fmt.Errorf("escpos: profile %s has no NV graphics (GS ( L)", e.profile.ID)
	}
	if !key.Valid() {
		return dst, fmt.Errorf("escpos: logo key %q: characters must be printable ASCII", key[:])
	}
	out, err := e.AppendJustification(dst, j)
	if err != nil {
		return dst, err
	}
	return AppendPrintLogo(out, key)
}

// Standard drawer pulse: 50 ms on, 500 ms off (ESC p units of 2 ms), what
// python-escpos sends and drawers are specified for.
const (
	drawerOn  = 25
	drawerOff = 250
)

// AppendDrawer kicks the cash drawer on pin: ESC p with the standard pulse
// when the profile has it, BEL on Star-emulation profiles, else an error.
func (e *Encoder) AppendDrawer(dst []byte, pin Drawer) ([]byte, error) {
	if !pin.Valid() {
		return dst, fmt.Errorf("escpos: drawer pin %d out of range", pin)
	}
	f := e.profile.Features
	switch {
	case f.PulseStandard:
		return AppendPulse(dst, pin, drawerOn, drawerOff)
	case f.PulseBel:
		return AppendDrawerBel(dst), nil
	}
	return dst, fmt.Errorf("escpos: profile %s has no cash drawer kick", e.profile.ID)
}
