package paper

import (
	"image"
	"strconv"

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
	h := img.Bounds().Dy()
	e.addLine(Line{Image: img, Label: label, X: x, Height: h, Ink: h, Upside: e.upside})
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
	img := rows(data, xb, w, h, sx, sy)
	e.addImage(img, name+" "+strconv.Itoa(w*sx)+"x"+strconv.Itoa(h*sy))
}

// rows draws raster data: h rows of xb bytes, most significant bit
// leftmost, w dots of each row used, each dot sx×sy.
func rows(data []byte, xb, w, h, sx, sy int) *image.Gray {
	img := blank(w*sx, h*sy)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*xb + x/8
			if i < len(data) && data[i]&(0x80>>(x%8)) != 0 {
				fill(img, x*sx, y*sy, sx, sy)
			}
		}
	}
	return img
}

// columns draws column data (ESC *, FS q, GS *, GS ( L fn 68): w columns
// of hb bytes, each byte 8 dots from the top, most significant bit first.
func columns(data []byte, w, hb, sx, sy int) *image.Gray {
	img := blank(w*sx, hb*8*sy)
	for col := 0; col < w; col++ {
		for r := 0; r < hb; r++ {
			i := col*hb + r
			if i >= len(data) {
				return img
			}
			for bit := 0; bit < 8; bit++ {
				if data[i]&(0x80>>bit) != 0 {
					fill(img, col*sx, (r*8+bit)*sy, sx, sy)
				}
			}
		}
	}
	return img
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
		rows, sx, sy = 3, 2, 1
	case 33:
		rows, sx, sy = 3, 1, 1
	}
	h := rows * 8
	if e.tooBig("bit image", n*sx, h*sy) {
		return
	}
	// The stripe goes into the line buffer like text: the LF after it
	// prints it and feeds the line spacing, so ESC 3 24 and 24-dot
	// stripes print as one continuous picture.
	w := n * sx
	if e.lineX+w > e.width() {
		if e.lineEmpty() {
			w = e.width() // the part beyond the print area is not printed
		} else {
			e.flushLine(false)
		}
	}
	img := columns(c.Data, n, rows, sx, sy)
	if w < img.Bounds().Dx() {
		img = img.SubImage(image.Rect(0, 0, w, img.Bounds().Dy())).(*image.Gray)
		img = clone(img)
	}
	e.inline = append(e.inline, placed{x: e.lineX, img: img})
	e.lineX += w
}

func clone(img *image.Gray) *image.Gray {
	b := img.Bounds()
	out := blank(b.Dx(), b.Dy())
	for y := 0; y < b.Dy(); y++ {
		copy(out.Pix[y*out.Stride:(y+1)*out.Stride], img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y):])
	}
	return out
}
