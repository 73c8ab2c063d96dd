package paper

import (
	"image"
	"strconv"

	"rsc.io/qr"

	"github.com/secuprint/receipt/escpos/decode"
)

const (
	white = 0xFF
	black = 0x00
)

func blank(w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = white
	}
	return img
}

// addImage prints an image on a line of its own, aligned like text.
func (e *engine) addImage(img *image.Gray, label string) {
	e.flushLine(false)
	w := img.Bounds().Dx()
	x := e.margin + e.alignShift(w)
	e.addLine(Line{Image: img, Label: label, X: x, Height: img.Bounds().Dy()})
}

// tooBig reports images beyond the limits; they are skipped, not drawn.
func (e *engine) tooBig(name string, w, h int) bool {
	if w <= 0 || h <= 0 {
		return true
	}
	if w > e.ticket.WidthDots*4 || h > maxImageDots {
		e.problem("%s of %dx%d dots exceeds the paper; skipped", name, w, h)
		return true
	}
	return false
}

// raster draws GS v 0: rows of xBytes bytes, most significant bit leftmost.
func (e *engine) raster(c *decode.Command) {
	if c.Err != nil {
		return
	}
	xb, h := c.Arg16(1), c.Arg16(3)
	sx, sy := 1, 1
	switch c.Arg(0) % 48 {
	case 1:
		sx = 2
	case 2:
		sy = 2
	case 3:
		sx, sy = 2, 2
	}
	e.drawRows(c.Data, xb, h, sx, sy, "raster")
}

func (e *engine) drawRows(data []byte, xb, h, sx, sy int, name string) {
	w := xb * 8
	if e.tooBig(name, w*sx, h*sy) {
		return
	}
	img := blank(w*sx, h*sy)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*xb + x/8
			if i < len(data) && data[i]&(0x80>>(x%8)) != 0 {
				fill(img, x*sx, y*sy, sx, sy)
			}
		}
	}
	e.addImage(img, name+" "+strconv.Itoa(w*sx)+"x"+strconv.Itoa(h*sy))
}

func fill(img *image.Gray, x, y, w, h int) {
	for dy := 0; dy < h; dy++ {
		for dx := 0; dx < w; dx++ {
			img.SetGray(x+dx, y+dy, grayBlack)
		}
	}
}

// bitImage draws ESC *: vertical columns of 8 or 24 dots.
func (e *engine) bitImage(c *decode.Command) {
	if c.Err != nil {
		return
	}
	m, n := c.Arg(0), c.Arg16(1)
	rows, sx, sy := 1, 2, 3 // m=0: 8 dots, half density both ways
	switch m {
	case 1:
		sx = 1
	case 32:
		rows, sy = 3, 1
	case 33:
		rows, sx, sy = 3, 1, 1
	}
	h := rows * 8
	if e.tooBig("bit image", n*sx, h*sy) {
		return
	}
	img := blank(n*sx, h*sy)
	for col := 0; col < n; col++ {
		for r := 0; r < rows; r++ {
			i := col*rows + r
			if i >= len(c.Data) {
				break
			}
			for bit := 0; bit < 8; bit++ {
				if c.Data[i]&(0x80>>bit) != 0 {
					fill(img, col*sx, (r*8+bit)*sy, sx, sy)
				}
			}
		}
	}
	e.addImage(img, "bit image "+strconv.Itoa(n*sx)+"x"+strconv.Itoa(h*sy))
}

// graphics handles GS ( L / GS 8 L: store raster graphics (fn 112) and print
// them (fn 50, or fn 2 in the older numbering).
func (e *engine) graphics(c *decode.Command) {
	switch c.Arg(1) {
	case 112:
		d := c.Data
		if len(d) < 8 {
			e.problem("%s: graphics header too short", c.Name)
			return
		}
		// a bx by c xL xH yL yH d…
		sx, sy := max(int(d[1]), 1), max(int(d[2]), 1)
		w := int(d[4]) | int(d[5])<<8
		h := int(d[6]) | int(d[7])<<8
		xb := (w + 7) / 8
		if e.tooBig("graphics", w*sx, h*sy) {
			e.stored = nil
			return
		}
		img := blank(w*sx, h*sy)
		data := d[8:]
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				i := y*xb + x/8
				if i < len(data) && data[i]&(0x80>>(x%8)) != 0 {
					fill(img, x*sx, y*sy, sx, sy)
				}
			}
		}
		e.stored = img
	case 2, 50:
		if e.stored == nil {
			e.problem("%s: print graphics with nothing stored", c.Name)
			return
		}
		b := e.stored.Bounds()
		e.addImage(e.stored, "graphics "+strconv.Itoa(b.Dx())+"x"+strconv.Itoa(b.Dy()))
	}
}

// symbol handles GS ( k. QR codes are drawn for real; other symbols as a
// labelled box.
func (e *engine) symbol(c *decode.Command) {
	cn, fn := c.Arg(0), c.Arg(1)
	switch {
	case fn == 80 && len(c.Data) >= 1:
		e.qrData = append(e.qrData[:0], c.Data[1:]...)
	case fn == 81 && cn == 49:
		code, err := qr.Encode(string(e.qrData), qr.M)
		if err != nil {
			e.problem("QR Code: %v", err)
			return
		}
		mod := 3
		size := code.Size * mod
		img := blank(size, size)
		for y := 0; y < code.Size; y++ {
			for x := 0; x < code.Size; x++ {
				if code.Black(x, y) {
					fill(img, x*mod, y*mod, mod, mod)
				}
			}
		}
		e.addImage(img, "qr "+strconv.Quote(string(e.qrData)))
	case fn == 81:
		e.addImage(labelBox(e.ticket.WidthDots/2, 60), "symbol "+strconv.Quote(string(e.qrData)))
	}
}

// barcode draws GS k as a box of bars derived from the data: readable as a
// picture of where the code goes, not as a scannable code.
func (e *engine) barcode(c *decode.Command) {
	if c.Err != nil {
		return
	}
	w := min((len(c.Data)*11+35)*e.barWidth, e.width())
	img := labelBox(w, e.barHeight)
	for x := 2; x < w-2; x++ {
		i := (x / e.barWidth) % max(len(c.Data), 1)
		if len(c.Data) > 0 && (int(c.Data[i])>>(x%7))&1 == 1 {
			for y := 2; y < e.barHeight-2; y++ {
				img.SetGray(x, y, grayBlack)
			}
		}
	}
	e.addImage(img, "barcode "+barcodeName(c.Arg(0))+" "+strconv.Quote(string(c.Data)))
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

func barcodeName(m int) string {
	names := map[int]string{0: "UPC-A", 1: "UPC-E", 2: "EAN13", 3: "EAN8", 4: "CODE39", 5: "ITF", 6: "CODABAR",
		65: "UPC-A", 66: "UPC-E", 67: "EAN13", 68: "EAN8", 69: "CODE39", 70: "ITF", 71: "CODABAR", 72: "CODE93", 73: "CODE128"}
	if s, ok := names[m]; ok {
		return s
	}
	return strconv.Itoa(m)
}
