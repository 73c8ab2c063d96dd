// Package star speaks Star Micronics' own command languages, StarPRNT and
// Star Line Mode, which share the commands a receipt needs, and Star
// Graphic mode (raster only: AppendGraphic sends the paper engine's drawing
// of a receipt). The bytes are those of Star's "StarPRNT Command
// Specifications" and "STAR Line Mode Command Specifications"; Append
// functions are pure, Encoder tracks the printer's state as escpos.Encoder
// does. It also holds the Star automatic status (ASB) codec, used by the
// driver and the virtual printer alike, Decode and the translation to
// ESC/POS (ToESCPOS) that previews draw Star bytes with, and ESCPOSTwin.
package star

import (
	"fmt"
	"math/bits"
	"slices"

	"github.com/secuprint/receipt/escpos"
)

// Control bytes Star uses beyond ESC/POS's.
const (
	ESC = 0x1B
	GS  = 0x1D
	RS  = 0x1E
	LF  = 0x0A
	BEL = 0x07
	SUB = 0x1A
)

// AppendInit appends ESC @: initialise the printer (styles, alignment and
// code page back to their memory-switch defaults).
func AppendInit(b []byte) []byte { return append(b, ESC, '@') }

// AppendCodePage appends ESC GS t n: use the code page in Star's slot n.
func AppendCodePage(b []byte, slot uint8) []byte { return escpos.AppendStarCodePage(b, slot) }

// AppendEmphasis appends ESC E (on) or ESC F (off).
func AppendEmphasis(b []byte, on bool) []byte {
	if on {
		return append(b, ESC, 'E')
	}
	return append(b, ESC, 'F')
}

// MaxMagnification is the largest factor ESC i takes (n = 0..5 for 1..6).
const MaxMagnification = 6

// AppendSize appends ESC i n1 n2: height and width expansion, each 1..6
// (sent as 0..5).
func AppendSize(b []byte, s escpos.Size) ([]byte, error) {
	if !s.Valid() || s.Width > MaxMagnification || s.Height > MaxMagnification {
		return b, fmt.Errorf("star: size %dx%d out of range 1..%d", s.Width, s.Height, MaxMagnification)
	}
	return append(b, ESC, 'i', byte(s.Height-1), byte(s.Width-1)), nil
}

// AppendJustification appends ESC GS a n: 0 left, 1 centre, 2 right.
func AppendJustification(b []byte, j escpos.Justification) ([]byte, error) {
	if !j.Valid() {
		return b, fmt.Errorf("star: %v out of range", j)
	}
	return append(b, ESC, GS, 'a', byte(j)), nil
}

// AppendFont appends ESC RS F n: font A (12x24) or B (9x24).
func AppendFont(b []byte, f escpos.Font) ([]byte, error) {
	if f > escpos.FontB {
		return b, fmt.Errorf("star: font %v out of range A..B", f)
	}
	return append(b, ESC, RS, 'F', byte(f)), nil
}

// AppendLF appends LF: print the line and feed one line.
func AppendLF(b []byte) []byte { return append(b, LF) }

// maxFeedLines is the largest n ESC a n takes.
const maxFeedLines = 127

// AppendFeedLines appends ESC a n: print and feed n lines; more than 127
// go as two commands.
func AppendFeedLines(b []byte, n uint8) []byte {
	for n > 0 {
		k := min(n, maxFeedLines)
		b = append(b, ESC, 'a', k)
		n -= k
	}
	return b
}

// AppendCut appends ESC d n with n = 2 (full) or 3 (partial): feed to the
// cutting position, then cut, so the last line is not cut through.
func AppendCut(b []byte, m escpos.CutMode) ([]byte, error) {
	switch m {
	case escpos.CutFull:
		return append(b, ESC, 'd', 2), nil
	case escpos.CutPartial:
		return append(b, ESC, 'd', 3), nil
	case escpos.CutNone:
		return b, nil
	}
	return b, fmt.Errorf("star: %v out of range", m)
}

// Drawer pulse: ESC BEL n1 n2 in 10 ms units, Star's defaults of 200 ms on
// and 200 ms delay.
const (
	drawerOn    = 20
	drawerDelay = 20
)

// AppendDrawer appends ESC BEL n1 n2 (pulse width) and BEL (drawer 1, pin
// 2) or SUB (drawer 2, pin 5).
func AppendDrawer(b []byte, pin escpos.Drawer) ([]byte, error) {
	switch pin {
	case escpos.DrawerPin2:
		return append(b, ESC, BEL, drawerOn, drawerDelay, BEL), nil
	case escpos.DrawerPin5:
		return append(b, ESC, BEL, drawerOn, drawerDelay, SUB), nil
	}
	return b, fmt.Errorf("star: drawer pin %d out of range", pin)
}

// AppendPageFlush appends ESC GS P 0, ESC GS P 1: a StarPRNT printer whose
// print start control is set to page units prints what it holds only after
// a cut or this.
func AppendPageFlush(b []byte) []byte {
	return append(b, ESC, GS, 'P', '0', ESC, GS, 'P', '1')
}

// BandRows is the height of one ESC X band: 24 dots, what the line spacing
// of 3 mm (ESC 0) feeds at 8 dots/mm, so bands join without a gap.
const BandRows = 24

// AppendRaster appends r as ESC X bit-image bands (24 rows each, 3 bytes per
// column, top dot in the high bit), shifted right by left dots, between
// ESC 0 (3 mm line spacing) and ESC z 1 (back to the 4 mm default). Both
// StarPRNT and Line Mode print ESC X.
func AppendRaster(b []byte, r *escpos.Raster, left int) ([]byte, error) {
	if err := r.Validate(); err != nil {
		return b, err
	}
	w := left + r.Width
	if left < 0 || w > 0xFFFF {
		return b, fmt.Errorf("star: raster %d dots at %d is out of range", r.Width, left)
	}
	b = append(b, ESC, '0')
	for y0 := 0; y0 < r.Height; y0 += BandRows {
		b = append(b, ESC, 'X', byte(w), byte(w>>8))
		band := len(b)
		b = slices.Grow(b, 3*w)[:band+3*w]
		clear(b[band:])
		// Column x of the band is 3 bytes, the top dot in the high bit.
		for dy := 0; dy < BandRows && y0+dy < r.Height; dy++ {
			row := r.Bits[(y0+dy)*r.Stride : (y0+dy+1)*r.Stride]
			mask := byte(0x80) >> (dy % 8)
			for bx, v := range row {
				for v != 0 {
					lz := bits.LeadingZeros8(v)
					v &^= 0x80 >> lz
					b[band+3*(left+bx*8+lz)+dy/8] |= mask
				}
			}
		}
		b = append(b, LF)
	}
	return append(b, ESC, 'z', 1), nil
}

// PRNTBandRows is the most rows one ESC GS S carries (what receiptline
// sends), so no command outgrows a printer's receive buffer by much.
const PRNTBandRows = 2400

// AppendRasterPRNT appends r as StarPRNT ESC GS S m xL xH yL yH n d…
// (m = 1, n = 0: black and white), rows top to bottom, MSB leftmost, each
// shifted right by left dots.
func AppendRasterPRNT(b []byte, r *escpos.Raster, left int) ([]byte, error) {
	if err := r.Validate(); err != nil {
		return b, err
	}
	if left < 0 || left+r.Width > 0xFFFF {
		return b, fmt.Errorf("star: raster %d dots at %d is out of range", r.Width, left)
	}
	stride := (left + r.Width + 7) / 8
	row := make([]byte, stride)
	for y0 := 0; y0 < r.Height; y0 += PRNTBandRows {
		h := min(PRNTBandRows, r.Height-y0)
		b = append(b, ESC, GS, 'S', 1, byte(stride), byte(stride>>8), byte(h), byte(h>>8), 0)
		for y := y0; y < y0+h; y++ {
			clear(row)
			shiftInto(row[left/8:], r.Bits[y*r.Stride:(y+1)*r.Stride], uint(left%8))
			b = append(b, row...)
		}
	}
	return b, nil
}

// shiftInto ORs src into dst shifted right by s bits (0–7); the bits
// shifted past dst's end are white padding.
func shiftInto(dst, src []byte, s uint) {
	if s == 0 {
		copy(dst, src)
		return
	}
	for i, x := range src {
		dst[i] |= x >> s
		if i+1 < len(dst) {
			dst[i+1] |= x << (8 - s)
		}
	}
}

// MaxQRCell is the largest QR cell size ESC GS y S 2 n takes.
const MaxQRCell = 8

// AppendQR appends the QR sequence: ESC GS y S 0 2 (model 2), ESC GS y S 1 n
// (error correction L/M/Q/H = 0..3), ESC GS y S 2 n (cell size 1..8 dots),
// ESC GS y D 1 0 nL nH data (store, automatic analysis) and ESC GS y P
// (print).
func AppendQR(b []byte, q escpos.QR) ([]byte, error) {
	m, _, err := q.Validate()
	if err != nil {
		return b, err
	}
	if m > MaxQRCell {
		return b, fmt.Errorf("star: qr: cell size %d out of range 1..%d", m, MaxQRCell)
	}
	if len(q.Data) > 0xFFFF {
		return b, fmt.Errorf("star: qr: %d bytes of data", len(q.Data))
	}
	b = append(b, ESC, GS, 'y', 'S', '0', 2)
	b = append(b, ESC, GS, 'y', 'S', '1', byte(q.Level))
	b = append(b, ESC, GS, 'y', 'S', '2', byte(m))
	n := len(q.Data)
	b = append(b, ESC, GS, 'y', 'D', '1', 0, byte(n), byte(n>>8))
	b = append(b, q.Data...)
	return append(b, ESC, GS, 'y', 'P'), nil
}

// barcodeTypes are ESC b's n1 for each symbology.
var barcodeTypes = [...]byte{escpos.UPCA: 1, escpos.EAN8: 2, escpos.EAN13: 3, escpos.Code39: 4, escpos.ITF: 5, escpos.Code128: 6}

// MaxBarcodeModule is the widest narrow bar ESC b's n3 modes 1..3 give (2,
// 3 or 4 dots).
const MaxBarcodeModule = 4

// AppendBarcode appends ESC b n1 n2 n3 n4 d… RS: n1 the symbology, n2 = 2
// (characters under the bars) or 1 (none), both followed by a line feed,
// n3 the mode (narrow bar 2, 3 or 4 dots), n4 the height in dots. EAN and
// UPC go without their check digit, which the printer adds; CODE128 as the
// text, the printer choosing code sets. Characters above the bars (HRIAbove)
// are the caller's to print as text.
func AppendBarcode(b []byte, bc escpos.Barcode) ([]byte, error) {
	if err := bc.Validate(); err != nil {
		return b, err
	}
	m := bc.ModuleDots()
	if m > MaxBarcodeModule {
		return b, fmt.Errorf("star: %v: module width %d out of range 2..%d", bc.Symbology, m, MaxBarcodeModule)
	}
	data := bc.Data
	switch bc.Symbology {
	case escpos.UPCA:
		data = data[:11]
	case escpos.EAN13:
		data = data[:12]
	case escpos.EAN8:
		data = data[:7]
	case escpos.Code128:
		for i := 0; i < len(data); i++ {
			if data[i] < 0x20 || data[i] > 0x7E {
				return b, fmt.Errorf("star: code128: byte 0x%02X at %d is not printable ASCII", data[i], i)
			}
		}
	}
	h := bc.Height
	if h == 0 {
		h = escpos.BarcodeDefaultHeight
	}
	b = append(b, ESC, 'b', barcodeTypes[bc.Symbology], barcodeHRI(bc), barcodeModeFor(bc.Symbology, m), h)
	for i := 0; i < len(data); i++ {
		b = append(b, data[i])
		// Star Line Mode §5-1-4 and StarPRNT: in CODE128 "%" opens a
		// two-byte escape (control codes, FNC1–4, start codes), so a
		// literal "%" is sent as "%0".
		if data[i] == '%' && bc.Symbology == escpos.Code128 {
			b = append(b, '0')
		}
	}
	return append(b, RS), nil
}

// barcodeModeFor is ESC b's n3 for a narrow element of m dots (2..4): for
// CODE39 and ITF the mode whose wide element is nearest Epson's (GS w's
// table, about 2.5×), so a code is as wide on either printer; for the
// others mode m−1.
func barcodeModeFor(sym escpos.Symbology, m int) byte {
	if sym != escpos.Code39 && sym != escpos.ITF {
		return byte(m - 1)
	}
	n1, best, bestDiff := barcodeTypes[sym], byte(0), 1<<30
	for mode := byte(1); mode <= 9; mode++ {
		narrow, wide, _ := BarcodeMode(n1, mode)
		if d := abs(wide - escpos.WideDots(m)); narrow == m && d < bestDiff {
			best, bestDiff = mode, d
		}
	}
	return best
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// BarcodeDots is bc as a Star printer draws it from AppendBarcode's ESC b,
// one bool per dot, for the width check.
func BarcodeDots(bc escpos.Barcode) ([]bool, error) {
	m := bc.ModuleDots()
	narrow, wide, ok := BarcodeMode(barcodeTypes[bc.Symbology], barcodeModeFor(bc.Symbology, m))
	if !ok || wide == 0 {
		return escpos.BarcodeDots(bc)
	}
	return escpos.BarcodeDotsWide(bc, narrow, wide)
}

// barcodeHRI is ESC b's n2: 2 prints the characters under the bars, 1 not.
func barcodeHRI(bc escpos.Barcode) byte {
	if bc.HRI == escpos.HRIBelow || bc.HRI == escpos.HRIBoth {
		return 2
	}
	return 1
}
