package paper

import (
	"errors"
	"image"
	"strconv"
	"strings"

	"rsc.io/qr"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
)

var qrLevels = [4]qr.Level{qr.L, qr.M, qr.Q, qr.H}

// symbol handles GS ( k. QR Codes (cn 49) are drawn for real at the module
// size (fn 67) and error-correction level (fn 69) in force, without a quiet
// zone: Epson leaves that to the application. Other symbols (PDF417, …)
// are drawn as a labelled box.
func (e *engine) symbol(c *decode.Command) {
	if c.Err != nil || len(c.Args) < 2 {
		return
	}
	cn, fn := c.Arg(0), c.Arg(1)
	switch {
	case cn == 49 && fn == 65:
		if len(c.Data) >= 1 && c.Data[0] != 50 {
			e.problem("QR Code model %d: drawn as model 2", c.Data[0])
		}
	case cn == 49 && fn == 67:
		if len(c.Data) >= 1 && c.Data[0] >= 1 && c.Data[0] <= 16 {
			e.qrModule = int(c.Data[0])
		} else {
			e.problem("QR Code module size %v (1–16); ignored", c.Data)
		}
	case cn == 49 && fn == 69:
		if len(c.Data) >= 1 && c.Data[0] >= 48 && c.Data[0] <= 51 {
			e.qrLevel = qrLevels[c.Data[0]-48]
		} else {
			e.problem("QR Code error correction %v (48–51); ignored", c.Data)
		}
	case fn == 80 && len(c.Data) >= 1:
		e.qrData = append(e.qrData[:0], c.Data[1:]...)
	case cn == 49 && fn == 81:
		e.printQR()
	case fn == 81:
		e.addImage(labelBox(e.ticket.WidthDots/2, 60), "symbol "+strconv.Quote(string(e.qrData)))
	}
}

func (e *engine) printQR() {
	if len(e.qrData) == 0 {
		e.problem("QR Code: print with no data stored; nothing printed")
		return
	}
	code, err := escpos.EncodeQR(string(e.qrData), escpos.QRLevel(e.qrLevel))
	if err != nil {
		e.problem("QR Code: %v; nothing printed", err)
		return
	}
	mod := e.qrModule
	size := code.Size() * mod
	if size > e.width() {
		e.problem("QR Code of %d dots exceeds the print area of %d; nothing printed", size, e.width())
		return
	}
	img := blank(size, size)
	for y := 0; y < code.Size(); y++ {
		for x := 0; x < code.Size(); x++ {
			if code.Black(x, y) {
				fill(img, x*mod, y*mod, mod, mod)
			}
		}
	}
	e.addImage(img, "qr "+strconv.Quote(string(e.qrData)))
}

// barcodeSymbology maps GS k systems to the symbologies package escpos
// draws; 0 for those it does not.
func barcodeSymbology(sys int) escpos.Symbology {
	switch sys {
	case decode.BarUPCA:
		return escpos.UPCA
	case decode.BarEAN13:
		return escpos.EAN13
	case decode.BarEAN8:
		return escpos.EAN8
	case decode.BarCode39:
		return escpos.Code39
	case decode.BarITF:
		return escpos.ITF
	case decode.BarCode128:
		return escpos.Code128
	}
	return 0
}

// barcode prints GS k as the printer does: the bars of the symbology, each
// module GS w dots wide and GS h dots tall, aligned like text, with the
// human-readable text (HRI) above and/or below as GS H asks, in the GS f
// font. Data the symbology cannot hold prints nothing.
func (e *engine) barcode(c *decode.Command) {
	if c.Err != nil {
		// The decoder said why. Data the symbology cannot hold: the printer
		// feeds the paper the code would have taken, and prints no bars.
		if errors.Is(c.Err, decode.ErrBarcodeData) {
			e.feedBarcode()
		}
		return
	}
	sys := decode.BarcodeSystem(c.Args[0])
	name := decode.BarcodeName(sys)
	data := c.Data
	if c.Args[0] == 5 && len(data)%2 != 0 {
		data = data[:len(data)-1] // function A ITF: the printer drops the odd digit
	}
	label := "barcode " + name + " " + strconv.Quote(string(data))
	mods, hri, err := barDots(sys, data, e.barWidth)
	if err != nil {
		e.problem("%s: %v; nothing printed", label, err)
		e.feedBarcode()
		return
	}
	if mods == nil {
		e.problem("%s: the virtual printer has no bars for %s; drawn as a box", label, name)
		e.addImage(labelBox(min((len(c.Data)*11+35)*e.barWidth, e.width()), e.barHeight), label)
		return
	}
	w := len(mods)
	if w > e.width() {
		e.problem("%s: %d dots wide exceeds the print area of %d; nothing printed", label, w, e.width())
		return
	}
	e.flushLine(false)
	img := blank(w, e.barHeight)
	for x := 0; x < w; x++ {
		if mods[x] {
			for y := 0; y < e.barHeight; y++ {
				img.Pix[y*img.Stride+x] = black
			}
		}
	}
	x := e.margin + e.alignShift(w)
	if e.hri == 1 || e.hri == 3 {
		e.hriLine(hri, x, w)
	}
	e.addLine(Line{Image: img, Label: label, X: x, Height: e.barHeight, Ink: e.barHeight, Upside: e.upside})
	if e.hri == 2 || e.hri == 3 {
		e.hriLine(hri, x, w)
	}
}

// feedBarcode feeds the paper a barcode and its HRI would have taken.
func (e *engine) feedBarcode() {
	e.flushLine(false)
	h := e.barHeight
	_, ch := e.cellSize(Style{Width: 1, Height: 1, Font: escpos.Font(e.hriFont)})
	switch e.hri {
	case 1, 2:
		h += ch
	case 3:
		h += 2 * ch
	}
	e.feed(h)
}

// hriLine prints the human-readable text of a barcode centred on the bars
// at x, w dots wide.
func (e *engine) hriLine(s string, x, w int) {
	st := Style{Width: 1, Height: 1, Font: escpos.Font(e.hriFont)}
	cw, ch := e.cellSize(st)
	n := len([]rune(s))
	at := max(x+(w-n*cw)/2, 0)
	cells := make([]Cell, 0, n)
	for _, r := range s {
		if at+cw > e.ticket.WidthDots {
			break
		}
		cells = append(cells, Cell{R: r, Style: st, X: at})
		at += cw
	}
	e.addLine(Line{Cells: cells, Height: ch, Ink: ch, Upside: e.upside})
}

// barDots returns the dots of GS k data at GS w n (a module n dots, a wide
// CODE39 or ITF element as Epson's table has it) and its HRI text; nil
// (and no error) for symbologies drawn as a box.
func barDots(sys int, data []byte, n int) ([]bool, string, error) {
	if sys == decode.BarCode128 {
		c, err := decode.ParseCode128(data)
		if err != nil {
			return nil, "", err
		}
		var dots []bool
		for _, m := range code128Modules(c) {
			for range n {
				dots = append(dots, m)
			}
		}
		return dots, c.HRI, nil
	}
	sym := barcodeSymbology(sys)
	if sym == 0 {
		return nil, "", nil
	}
	d := string(data)
	hri := d
	if sym == escpos.Code39 {
		// The printer adds the start/stop "*" when the data lacks them,
		// and prints them in the HRI.
		d = strings.TrimSuffix(strings.TrimPrefix(d, "*"), "*")
		hri = "*" + d + "*"
	}
	mods, err := escpos.BarcodeDotsWide(escpos.Barcode{Symbology: sym, Data: d}, n, escpos.WideDots(n))
	if err != nil {
		return nil, "", err
	}
	switch sym {
	case escpos.EAN13, escpos.EAN8, escpos.UPCA:
		// The printer prints the check digit it computed.
		hri = eanHRI(d, sym)
	}
	return mods, hri, nil
}

func eanHRI(d string, sym escpos.Symbology) string {
	n := map[escpos.Symbology]int{escpos.EAN13: 12, escpos.EAN8: 7, escpos.UPCA: 11}[sym]
	if len(d) == n {
		if c, err := escpos.EANCheckDigit(d); err == nil {
			return d + string(c)
		}
	}
	return d
}

// code128Modules draws a captured stream's CODE128 from its own values:
// its code sets are the stream's, not the ones package escpos would plan.
func code128Modules(c decode.Code128) []bool {
	vals := append(append([]int(nil), c.Values...), c.Checksum(), decode.C128Stop)
	mods, err := escpos.Code128ValueModules(vals)
	if err != nil {
		return nil // the decoder checked the values
	}
	return mods
}

func labelBox(w, h int) *image.Gray {
	w, h = max(w, 4), max(h, 4)
	img := blank(w, h)
	for x := 0; x < w; x++ {
		img.SetGray(x, 0, grayBlack)
		img.SetGray(x, h-1, grayBlack)
	}
	for y := 0; y < h; y++ {
		img.SetGray(0, y, grayBlack)
		img.SetGray(w-1, y, grayBlack)
	}
	return img
}
