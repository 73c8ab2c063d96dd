package escpos

import "image"

// luminance is the BT.601 grey (0–65535) of a premultiplied colour composited
// over white paper: a transparent pixel prints as nothing. color.GrayModel
// uses the same weights.
func luminance(r, g, b, a uint32) uint32 {
	return (19595*r+38470*g+7471*b+1<<15)>>16 + 0xFFFF - a
}

// grayRow writes the luminance of source row y (relative to the bounds) into
// dst, with fast paths for the types image decoders return. Each fast path
// computes exactly what the generic At().RGBA() path would.
func grayRow(img image.Image, y int, dst []uint32, pal []uint32) {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.RGBA:
		p := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
		for x := range dst {
			q := p[4*x : 4*x+4 : 4*x+4]
			dst[x] = luminance(uint32(q[0])*0x101, uint32(q[1])*0x101, uint32(q[2])*0x101, uint32(q[3])*0x101)
		}
	case *image.NRGBA:
		p := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
		for x := range dst {
			q := p[4*x : 4*x+4 : 4*x+4]
			r, g, b, a := uint32(q[0])*0x101, uint32(q[1])*0x101, uint32(q[2])*0x101, uint32(q[3])
			if a != 0xFF { // premultiply as color.NRGBA.RGBA does
				r, g, b = r*a/0xFF, g*a/0xFF, b*a/0xFF
			}
			dst[x] = luminance(r, g, b, a*0x101)
		}
	case *image.Gray:
		p := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
		for x := range dst {
			dst[x] = uint32(p[x]) * 0x101
		}
	case *image.Paletted:
		p := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
		for x := range dst {
			if i := int(p[x]); i < len(pal) {
				dst[x] = pal[i]
			} else {
				dst[x] = 0 // as image.Paletted.At: an index past the palette is opaque black
			}
		}
	default:
		for x := range dst {
			dst[x] = luminance(img.At(b.Min.X+x, b.Min.Y+y).RGBA())
		}
	}
}

func paletteGray(img image.Image) []uint32 {
	m, ok := img.(*image.Paletted)
	if !ok {
		return nil
	}
	pal := make([]uint32, len(m.Palette))
	for i, c := range m.Palette {
		pal[i] = luminance(c.RGBA())
	}
	return pal
}

// scaleGray returns the image's grey levels at tw×th, area-averaged when
// that is smaller than the source (callers never ask for larger). Weights
// are exact integers: a source pixel spans tw units of the target's sw, so
// every overlap is a whole number and nothing depends on float rounding.
func scaleGray(img image.Image, tw, th int) []uint16 {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	out := make([]uint16, tw*th)
	row := make([]uint32, sw)
	pal := paletteGray(img)
	if tw == sw && th == sh {
		for y := 0; y < sh; y++ {
			grayRow(img, y, row, pal)
			o := out[y*tw : (y+1)*tw]
			for x, v := range row {
				o[x] = uint16(v)
			}
		}
		return out
	}
	// Horizontal split of each source column: its first target column and
	// the weight it gives that column; the rest (tw - w) goes to the next.
	hx := make([]int32, sw)
	hw := make([]uint64, sw)
	for i := 0; i < sw; i++ {
		start := int64(i) * int64(tw)
		x0 := start / int64(sw)
		end := min(start+int64(tw), (x0+1)*int64(sw))
		hx[i], hw[i] = int32(x0), uint64(end-start)
	}
	hrow := make([]uint64, tw+1)
	acc := make([]uint64, tw+1)  // target row ty
	next := make([]uint64, tw+1) // spill into ty+1
	den := uint64(sw) * uint64(sh)
	ty := 0
	for j := 0; j < sh; j++ {
		grayRow(img, j, row, pal)
		clear(hrow)
		for i, v := range row {
			w := hw[i]
			hrow[hx[i]] += w * uint64(v)
			hrow[hx[i]+1] += (uint64(tw) - w) * uint64(v)
		}
		start := int64(j) * int64(th)
		end := start + int64(th)
		bound := int64(ty+1) * int64(sh)
		w0 := uint64(min(end, bound) - start)
		w1 := uint64(th) - w0
		for x := 0; x < tw; x++ {
			acc[x] += w0 * hrow[x]
			next[x] += w1 * hrow[x]
		}
		if end >= bound {
			o := out[ty*tw : (ty+1)*tw]
			for x := range o {
				o[x] = uint16((acc[x] + den/2) / den)
			}
			ty++
			acc, next = next, acc
			clear(next)
			if ty == th {
				break
			}
		}
	}
	return out
}

// threshold sets the dots darker than thr (0–65535).
func threshold(r *Raster, gray []uint16, thr int32) {
	for y := 0; y < r.Height; y++ {
		g := gray[y*r.Width : (y+1)*r.Width]
		for x, v := range g {
			if int32(v) < thr {
				r.set(x, y)
			}
		}
	}
}

// floydSteinberg dithers left to right, top to bottom, with the classic
// 7/16, 3/16, 5/16, 1/16 weights; error pushed past an edge is dropped.
// The errors for the rest of the row and the two cells of the next row
// still receiving them are carried in variables, and dots are gathered a
// byte at a time: the loop touches memory once per pixel.
func floydSteinberg(r *Raster, gray []uint16) {
	w := r.Width
	cur := make([]int32, w) // error owed to each dot of this row
	nxt := make([]int32, w) // and of the next
	for y := 0; y < r.Height; y++ {
		g := gray[y*w : (y+1)*w]
		bits := r.Bits[y*r.Stride : (y+1)*r.Stride]
		var right int32  // to x+1 in this row
		var p1, p2 int32 // to x-1 and x in the next row, so far
		var acc byte
		for x, gv := range g {
			v := int32(gv) + cur[x] + right
			black := (v - 0x8000) >> 31 // all ones when v is darker than mid-grey
			e := v - 0xFFFF&^black      // v - 0 for a black dot, v - white for a white one
			acc = acc<<1 | byte(black&1)
			if x&7 == 7 {
				bits[x>>3] = acc
				acc = 0
			}
			// Arithmetic shifts round down, also for negative errors; the
			// last share takes what rounding left, so no error is lost.
			e7, e3, e5 := e*7>>4, e*3>>4, e*5>>4
			right = e7
			if x > 0 {
				nxt[x-1] = p1 + e3
			}
			p1, p2 = p2+e5, e-e7-e3-e5
		}
		nxt[w-1] = p1
		if w&7 != 0 {
			bits[w>>3] = acc << (8 - w&7)
		}
		cur, nxt = nxt, cur
	}
}
