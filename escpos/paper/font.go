package paper

import (
	"image"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// glyphs rasterises Go Mono into 1-bit cell masks, once per size and rune.
// The rasteriser is pure Go, so images are the same on every run.
type glyphKey struct {
	r    rune
	w, h int
}

var (
	monoOnce sync.Once
	monoFont *sfnt.Font
	monoErr  error
	glyphMu  sync.Mutex
	glyphs   = map[glyphKey]*image.Alpha{}
	faces    = map[[2]int]font.Face{}
)

var glyphKnown sync.Map // rune -> bool

func mono() (*sfnt.Font, error) {
	monoOnce.Do(func() { monoFont, monoErr = opentype.Parse(gomono.TTF) })
	return monoFont, monoErr
}

// hasGlyph reports whether the embedded font can draw r.
func hasGlyph(r rune) bool {
	if r < 0x7F && r >= 0x20 {
		return true
	}
	if ok, seen := glyphKnown.Load(r); seen {
		return ok.(bool)
	}
	f, err := mono()
	if err != nil {
		return false
	}
	var buf sfnt.Buffer
	i, err := f.GlyphIndex(&buf, r)
	ok := err == nil && i != 0 || hasFallback(r)
	glyphKnown.Store(r, ok)
	return ok
}

// glyph returns a w×h coverage mask of r, thresholded to ink or paper.
func glyph(r rune, w, h int) *image.Alpha {
	glyphMu.Lock()
	defer glyphMu.Unlock()
	k := glyphKey{r, w, h}
	if g, ok := glyphs[k]; ok {
		return g
	}
	f, err := mono()
	if err == nil {
		var buf sfnt.Buffer
		if i, gerr := f.GlyphIndex(&buf, r); gerr != nil || i == 0 {
			if fb := fallbackGlyph(r, w, h); fb != nil {
				glyphs[k] = fb
				return fb
			}
		}
	}
	g := image.NewAlpha(image.Rect(0, 0, w, h))
	if err != nil || !hasGlyph(r) {
		hollow(g)
		glyphs[k] = g
		return g
	}
	face, ok := faces[[2]int{w, h}]
	if !ok {
		// Go Mono advances 0.6 em; size the em so a glyph fills the cell.
		face, err = opentype.NewFace(f, &opentype.FaceOptions{Size: float64(w) / 0.6, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			hollow(g)
			glyphs[k] = g
			return g
		}
		faces[[2]int{w, h}] = face
	}
	d := font.Drawer{Dst: g, Src: image.Opaque, Face: face, Dot: fixed.P(0, h*4/5)}
	d.DrawString(string(r))
	for i, a := range g.Pix {
		if a >= 0x80 {
			g.Pix[i] = 0xFF
		} else {
			g.Pix[i] = 0
		}
	}
	glyphs[k] = g
	return g
}

func hollow(g *image.Alpha) {
	b := g.Bounds()
	for x := 1; x < b.Dx()-1; x++ {
		g.Pix[g.PixOffset(x, 2)] = 0xFF
		g.Pix[g.PixOffset(x, b.Dy()-3)] = 0xFF
	}
	for y := 2; y < b.Dy()-2; y++ {
		g.Pix[g.PixOffset(1, y)] = 0xFF
		g.Pix[g.PixOffset(b.Dx()-2, y)] = 0xFF
	}
}
