package paper

import (
	"image"
	"strconv"

	"github.com/secuprint/receipt/escpos/decode"
)

// graphics handles GS ( L and GS 8 L: graphics in the print buffer (fn 112
// raster, 113 column; printed by fn 50), NV graphics (fn 67 raster, 68
// column define; 69 print; 66 delete one; 65 delete all) and download
// graphics in RAM (fn 83, 84 define; 85 print; 82 delete one; 81 all).
// The status and capacity functions print nothing.
func (e *engine) graphics(c *decode.Command) {
	if c.Err != nil {
		return
	}
	d := c.Data
	switch fn := c.Arg(1); fn {
	case 112, 113:
		// a bx by c xL xH yL yH d…
		if len(d) < 8 {
			e.problem("%s fn %d: header too short", c.Name, fn)
			return
		}
		sx, sy := int(d[1]), int(d[2])
		if sx < 1 || sx > 2 || sy < 1 || sy > 2 {
			e.problem("%s fn %d: scale %dx%d (1 or 2 each); ignored", c.Name, fn, sx, sy)
			return
		}
		img := e.graphicsImage(c, d[4:], fn == 113, 1, sx, sy)
		e.stored = img
	case 2, 50:
		if e.stored == nil {
			e.problem("%s: print graphics with nothing stored", c.Name)
			return
		}
		b := e.stored.Bounds()
		e.addImage(e.stored, "graphics "+strconv.Itoa(b.Dx())+"x"+strconv.Itoa(b.Dy()))
		e.stored = nil // printing empties the graphics buffer
	case 67, 68, 83, 84:
		// a kc1 kc2 b xL xH yL yH [c d…]b
		if len(d) < 8 {
			e.problem("%s fn %d: header too short", c.Name, fn)
			return
		}
		key := [2]byte{d[1], d[2]}
		if !validKey(key) {
			e.problem("%s fn %d: key %q outside 32–126; ignored", c.Name, fn, key[:])
			return
		}
		planes := int(d[3])
		if planes < 1 || planes > 4 {
			e.problem("%s fn %d: %d colours (1–4); ignored", c.Name, fn, planes)
			return
		}
		img := e.graphicsImage(c, d[4:], fn == 68 || fn == 84, planes, 1, 1)
		if img == nil {
			return
		}
		if fn == 83 || fn == 84 {
			if e.download == nil {
				e.download = map[[2]byte]*image.Gray{}
			}
			e.download[key] = img
			return
		}
		if !e.store.define(key, img, c.Raw) {
			e.problem("%s: NV graphics memory full; %q not stored", c.Name, key[:])
		}
	case 69, 85:
		// kc1 kc2 x y
		if len(d) < 4 {
			e.problem("%s fn %d: parameters too short", c.Name, fn)
			return
		}
		key := [2]byte{d[0], d[1]}
		sx, sy := int(d[2]), int(d[3])
		if sx < 1 || sx > 2 || sy < 1 || sy > 2 {
			e.problem("%s fn %d: scale %dx%d (1 or 2 each); ignored", c.Name, fn, sx, sy)
			return
		}
		var img *image.Gray
		what := "NV graphics"
		if fn == 69 {
			img = e.store.get(key)
		} else {
			img, what = e.download[key], "download graphics"
		}
		if img == nil {
			e.problem("%s: %s %q not defined; nothing printed", c.Name, what, key[:])
			return
		}
		img = scale(img, sx, sy)
		b := img.Bounds()
		e.addImage(img, "logo "+strconv.Quote(string(key[:]))+" "+strconv.Itoa(b.Dx())+"x"+strconv.Itoa(b.Dy()))
	case 65, 81:
		if fn == 65 {
			e.store.remove([2]byte{}, true)
		} else {
			e.download = nil
		}
	case 66, 82:
		if len(d) < 2 {
			e.problem("%s fn %d: parameters too short", c.Name, fn)
			return
		}
		key := [2]byte{d[0], d[1]}
		if fn == 66 {
			e.store.remove(key, false)
		} else {
			delete(e.download, key)
		}
	}
}

func validKey(k [2]byte) bool { return k[0] >= 32 && k[0] <= 126 && k[1] >= 32 && k[1] <= 126 }

// graphicsImage reads "xL xH yL yH" and the data of planes colours (each
// introduced by its colour byte c when planes > 1 or for NV graphics; the
// print-buffer functions 112/113 carry c before xL). Dots of any colour
// print black. nil when the image is too big or its data too short
// (reported).
func (e *engine) graphicsImage(c *decode.Command, d []byte, column bool, planes, sx, sy int) *image.Gray {
	fn := c.Arg(1)
	w := int(d[0]) | int(d[1])<<8
	h := int(d[2]) | int(d[3])<<8
	if e.tooBig("graphics", w*sx, h*sy) {
		return nil
	}
	d = d[4:]
	var size int
	if column {
		size = w * ((h + 7) / 8)
	} else {
		size = (w + 7) / 8 * h
	}
	multi := fn != 112 && fn != 113 // NV and download graphics: [c d…] per colour
	var img *image.Gray
	for p := 0; p < planes; p++ {
		if multi {
			if len(d) < 1 {
				break
			}
			d = d[1:]
		}
		data := d[:min(size, len(d))]
		if len(data) < size {
			e.problem("%s fn %d: %d of %d data bytes", c.Name, fn, len(data), size)
		}
		var plane *image.Gray
		if column {
			plane = columns(data, w, (h+7)/8, sx, sy)
			plane = clone(plane.SubImage(image.Rect(0, 0, w*sx, h*sy)).(*image.Gray))
		} else {
			plane = rows(data, (w+7)/8, w, h, sx, sy)
		}
		if img == nil {
			img = plane
		} else {
			for i, v := range plane.Pix {
				if v == black {
					img.Pix[i] = black
				}
			}
		}
		d = d[len(data):]
	}
	return img
}

// scale magnifies img sx×sy times (1 returns img itself).
func scale(img *image.Gray, sx, sy int) *image.Gray {
	if sx == 1 && sy == 1 {
		return img
	}
	b := img.Bounds()
	out := blank(b.Dx()*sx, b.Dy()*sy)
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			if img.Pix[img.PixOffset(b.Min.X+x, b.Min.Y+y)] == black {
				fill(out, x*sx, y*sy, sx, sy)
			}
		}
	}
	return out
}

// defineFSq stores FS q n [xL xH yL yH d…]n: n column-format NV bit images
// of x×8 by y×8 dots, replacing all defined before.
func (e *engine) defineFSq(c *decode.Command) {
	if c.Err != nil {
		return
	}
	imgs, ok := e.columnImages(c, int(c.Args[0]), c.Data)
	if !ok {
		return
	}
	if !e.store.defineBitImages(imgs, c.Raw) {
		e.problem("FS q: NV bit images exceed the memory; not stored")
	}
}

func (e *engine) columnImages(c *decode.Command, n int, d []byte) ([]*image.Gray, bool) {
	imgs := make([]*image.Gray, 0, n)
	for i := 0; i < n; i++ {
		if len(d) < 4 {
			e.problem("%s: image %d: header missing", c.Name, i+1)
			return nil, false
		}
		x := int(d[0]) | int(d[1])<<8
		y := int(d[2]) | int(d[3])<<8
		if x < 1 || x > 1023 || y < 1 || y > 288 || e.tooBig("NV bit image", x*8, y*8) {
			e.problem("%s: image %d of %dx%d bytes out of range; not stored", c.Name, i+1, x, y)
			return nil, false
		}
		d = d[4:]
		size := x * y * 8
		if len(d) < size {
			e.problem("%s: image %d: %d of %d data bytes", c.Name, i+1, len(d), size)
			return nil, false
		}
		imgs = append(imgs, columns(d[:size], x*8, y, 1, 1))
		d = d[size:]
	}
	return imgs, true
}

// printFSp prints FS p n m: NV bit image n, scaled by m (0 normal,
// 1 double width, 2 double height, 3 both; or 48–51).
func (e *engine) printFSp(c *decode.Command) {
	n, m := c.Arg(0), c.Arg(1)%48
	if m > 3 {
		e.problem("FS p: mode %d; ignored", c.Arg(1))
		return
	}
	img := e.store.bitImage(n)
	if img == nil {
		e.problem("FS p: NV bit image %d not defined; nothing printed", n)
		return
	}
	img = scale(img, 1+m&1, 1+m>>1)
	b := img.Bounds()
	e.addImage(img, "logo "+strconv.Itoa(n)+" "+strconv.Itoa(b.Dx())+"x"+strconv.Itoa(b.Dy()))
}

// defineDownload stores GS * x y d…: the download bit image, x×8 by y×8
// dots in column format, in RAM.
func (e *engine) defineDownload(c *decode.Command) {
	if c.Err != nil {
		return
	}
	x, y := c.Arg(0), c.Arg(1)
	if x < 1 || y < 1 || x*y > 1536 {
		e.problem("GS *: %dx%d bytes out of range; not stored", x, y)
		return
	}
	e.dlImage = columns(c.Data, x*8, y, 1, 1)
}

// printDownload prints GS / m, the download bit image scaled like FS p.
func (e *engine) printDownload(c *decode.Command) {
	m := c.Arg(0) % 48
	if m > 3 {
		e.problem("GS /: mode %d; ignored", c.Arg(0))
		return
	}
	if e.dlImage == nil {
		e.problem("GS /: no download bit image defined; nothing printed")
		return
	}
	img := scale(e.dlImage, 1+m&1, 1+m>>1)
	b := img.Bounds()
	e.addImage(img, "download image "+strconv.Itoa(b.Dx())+"x"+strconv.Itoa(b.Dy()))
}
