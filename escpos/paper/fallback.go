package paper

import (
	_ "embed"
	"image"
	"strconv"
	"strings"
	"sync"
)

// unifontHex holds the Unifont glyphs of every code-page character Go Mono
// lacks (Hebrew, Arabic, Thai, Katakana, box drawing, …); see its header.
//
//go:generate go run ./internal/fontgen -hex /usr/share/unifont/unifont.hex -o unifont.hex
//go:embed unifont.hex
var unifontHex string

var (
	unifontOnce sync.Once
	unifont     map[rune][]byte // 16 rows of 1 or 2 bytes, MSB leftmost
)

func loadUnifont() {
	unifont = map[rune][]byte{}
	for _, line := range strings.Split(unifontHex, "\n") {
		code, hex, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		r, err := strconv.ParseUint(code, 16, 32)
		if err != nil || len(hex) != 32 && len(hex) != 64 {
			continue // the generator writes none such
		}
		bits := make([]byte, len(hex)/2)
		for i := range bits {
			v, err := strconv.ParseUint(hex[2*i:2*i+2], 16, 8)
			if err != nil {
				bits = nil
				break
			}
			bits[i] = byte(v)
		}
		if bits != nil {
			unifont[rune(r)] = bits
		}
	}
}

// fallbackGlyph returns Unifont's glyph for r scaled to a w×h cell, or nil.
// Unifont glyphs are 8×16 or 16×16 dots; nearest-neighbour scaling keeps
// them crisp like a printer's bitmap font.
func fallbackGlyph(r rune, w, h int) *image.Alpha {
	unifontOnce.Do(loadUnifont)
	bits, ok := unifont[r]
	if !ok {
		return nil
	}
	bw := len(bits) / 16 // bytes per row
	gw := bw * 8
	g := image.NewAlpha(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		gy := y * 16 / h
		for x := 0; x < w; x++ {
			gx := x * gw / w
			if bits[gy*bw+gx/8]&(0x80>>(gx%8)) != 0 {
				g.Pix[y*g.Stride+x] = 0xFF
			}
		}
	}
	return g
}

func hasFallback(r rune) bool {
	unifontOnce.Do(loadUnifont)
	_, ok := unifont[r]
	return ok
}
