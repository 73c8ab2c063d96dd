package epos

import (
	"encoding/base64"
	"encoding/xml"
	"strconv"

	"github.com/secuprint/receipt/escpos"
)

// bayer4 is the 4×4 ordered-dither matrix that turns gray16 tones into
// dots: a tone t (0 white … 15 black) prints where t exceeds the cell.
var bayer4 = [4][4]uint8{{0, 8, 2, 10}, {12, 4, 14, 6}, {3, 11, 1, 9}, {15, 7, 13, 5}}

// imageEl is <image>: a raster, 1 bit per dot (mono) or 4 (gray16), rows
// padded to whole bytes, most significant bits leftmost, base64 encoded.
// It prints as a lean raster (escpos.Encoder.AppendLeanRaster).
func (c *conv) imageEl(attrs []xml.Attr, content string) error {
	const el = "image"
	w, h := -1, -1
	gray := false
	print := true
	for _, a := range attrs {
		if skipAttr(a) {
			continue
		}
		var err error
		switch a.Name.Local {
		case "width":
			w, err = intAttr(el, a, 0, 65535)
		case "height":
			h, err = intAttr(el, a, 0, 65535)
		case "color":
			var col byte
			if col, err = enumAttr(el, a, colors); err == nil {
				if col == 0xFF {
					print = false // "no printing"
				} else {
					err = c.setColor(el, col)
				}
			}
		case "mode":
			gray, err = enumAttr(el, a, map[string]bool{"mono": false, "gray16": true})
		case "align":
			var j escpos.Justification
			if j, err = enumAttr(el, a, aligns); err == nil {
				c.setAlign(j)
			}
		default:
			return unknownAttr(el, a)
		}
		if err != nil {
			return err
		}
	}
	if w < 0 || h < 0 {
		return schemaErr(el, "", "", "width and height are required")
	}
	data, err := decodeBase64(c.text)
	if err != nil {
		return schemaErr(el, "", "", "image data is not base64: %v", err)
	}
	stride := (w + 7) / 8
	if gray {
		stride = (w + 1) / 2
	}
	if want := stride * h; len(data) != want {
		return schemaErr(el, "", strconv.Itoa(len(data)), "%d bytes of image data for %d × %d dots (%s), want %d",
			len(data), w, h, map[bool]string{false: "mono", true: "gray16"}[gray], want)
	}
	if w == 0 || h == 0 || !print {
		return nil
	}
	if h > escpos.MaxImageHeight {
		return schemaErr(el, "height", strconv.Itoa(h), "taller than %d dots, more than one receipt can be", escpos.MaxImageHeight)
	}
	if head := c.p.WidthDots; head > 0 && w > head {
		return schemaErr(el, "width", strconv.Itoa(w), "wider than the %d-dot head of %s", head, c.p.ID)
	}
	r := &escpos.Raster{Width: w, Height: h, Stride: (w + 7) / 8}
	if gray {
		r.Bits = make([]byte, r.Stride*h)
		for y := 0; y < h; y++ {
			row := data[y*stride:]
			for x := 0; x < w; x++ {
				t := row[x/2] >> 4
				if x%2 == 1 {
					t = row[x/2] & 0x0F
				}
				if t > bayer4[y%4][x%4] {
					r.Bits[y*r.Stride+x/8] |= 0x80 >> (x % 8)
				}
			}
		}
	} else {
		r.Bits = data
		if pad := w % 8; pad != 0 {
			// Epson asks for zero padding; clear it so that stray bits
			// print nothing, as on Epson's printers.
			mask := byte(0xFF << (8 - pad))
			for y := 0; y < h; y++ {
				r.Bits[y*r.Stride+r.Stride-1] &= mask
			}
		}
	}
	c.out, err = c.enc.AppendLeanRaster(c.out, r, c.align)
	if err != nil {
		return schemaErr(el, "", "", "%v", err)
	}
	return nil
}

// decodeBase64 decodes standard base64, ignoring white space, into a new
// slice, without copying the text first.
func decodeBase64(src []byte) ([]byte, error) {
	n := 0
	for _, ch := range src {
		if ch != ' ' && ch != '\n' && ch != '\r' && ch != '\t' {
			src[n] = ch
			n++
		}
	}
	src = src[:n]
	dst := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
	m, err := base64.StdEncoding.Decode(dst, src)
	if err != nil {
		return nil, err
	}
	return dst[:m], nil
}

// logoEl is <logo>: the printer's stored (NV) graphics with key code
// key1 key2.
func (c *conv) logoEl(attrs []xml.Attr, content string) error {
	const el = "logo"
	var key escpos.LogoKey
	have := 0
	for _, a := range attrs {
		if skipAttr(a) {
			continue
		}
		switch a.Name.Local {
		case "key1", "key2":
			n, err := intAttr(el, a, 0, 255)
			if err != nil {
				return err
			}
			if n < 32 || n > 126 {
				return schemaErr(el, a.Name.Local, a.Value, "key codes of stored graphics are 32 to 126")
			}
			key[map[string]int{"key1": 0, "key2": 1}[a.Name.Local]] = byte(n)
			have++
		case "align":
			j, err := enumAttr(el, a, aligns)
			if err != nil {
				return err
			}
			c.setAlign(j)
		default:
			return unknownAttr(el, a)
		}
	}
	if have != 2 {
		return schemaErr(el, "", "", "key1 and key2 are required")
	}
	if !blank([]byte(content)) {
		return schemaErr(el, "", content, "text inside <logo>")
	}
	out, err := c.enc.AppendLogo(c.out, key, c.align)
	if err != nil {
		c.note("logo %q: %v; not printed", key.String(), err)
		return nil
	}
	c.out = escpos.AppendLF(out)
	return nil
}

// hlineEl is <hline>: a horizontal rule from x1 to x2 dots, drawn as a
// raster (Epson's line commands exist only in page mode on most models).
func (c *conv) hlineEl(attrs []xml.Attr, content string) error {
	const el = "hline"
	x1, x2 := -1, -1
	style := "thin"
	for _, a := range attrs {
		if skipAttr(a) {
			continue
		}
		var err error
		switch a.Name.Local {
		case "x1":
			x1, err = intAttr(el, a, 0, 65535)
		case "x2":
			x2, err = intAttr(el, a, 0, 65535)
		case "style":
			_, err = enumAttr(el, a, lineStyles)
			style = a.Value
		default:
			return unknownAttr(el, a)
		}
		if err != nil {
			return err
		}
	}
	if x1 < 0 || x2 < 0 {
		return schemaErr(el, "", "", "x1 and x2 are required")
	}
	if x2 < x1 {
		x1, x2 = x2, x1
	}
	head := c.p.WidthDots
	if head <= 0 {
		head = 384
	}
	if x2 >= head {
		return schemaErr(el, "x2", strconv.Itoa(x2), "beyond the %d-dot head of %s", head, c.p.ID)
	}
	rows := lineStyles[style]
	r := &escpos.Raster{Width: x2 + 1, Height: len(rows), Stride: (x2 + 8) / 8}
	r.Bits = make([]byte, r.Stride*r.Height)
	for y, ink := range rows {
		if !ink {
			continue
		}
		for x := x1; x <= x2; x++ {
			r.Bits[y*r.Stride+x/8] |= 0x80 >> (x % 8)
		}
	}
	var err error
	c.out, err = c.enc.AppendLeanRaster(c.out, r, escpos.JustifyLeft)
	if err != nil {
		return schemaErr(el, "", "", "%v", err)
	}
	return nil
}

// lineStyles are the dot rows of each ePOS line style (true: black).
var lineStyles = map[string][]bool{
	"thin":          {true},
	"medium":        {true, true},
	"thick":         {true, true, true},
	"thin_double":   {true, false, true},
	"medium_double": {true, true, false, false, true, true},
	"thick_double":  {true, true, true, false, false, false, true, true, true},
}

// vlineEl is <vline-begin>/<vline-end>: vertical rules alongside the
// following lines, which standard mode cannot draw without holding the
// whole text; reported and skipped.
func (c *conv) vlineEl(el string, attrs []xml.Attr, content string) error {
	for _, a := range attrs {
		if skipAttr(a) {
			continue
		}
		switch a.Name.Local {
		case "x":
			if _, err := intAttr(el, a, 0, 65535); err != nil {
				return err
			}
		case "style":
			if _, err := enumAttr(el, a, lineStyles); err != nil {
				return err
			}
		default:
			return unknownAttr(el, a)
		}
	}
	c.note("%s: vertical lines are not printed in standard mode", el)
	return nil
}
