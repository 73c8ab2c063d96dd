package escpos

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// testPicture draws a synthetic shop logo: a diagonal grey gradient, a
// dark band with white letters, a ring and fine stripes, everything a
// dithering and scaling routine can get wrong. Deterministic.
func testPicture(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(255 * (x + y) / (w + h))
			c := color.NRGBA{v, uint8(255 - int(v)/2), 128, 255}
			dx, dy := x-w*3/4, y-h/2
			if r2 := dx*dx + dy*dy; r2 > (h/4)*(h/4) && r2 < (h/3)*(h/3) {
				c = color.NRGBA{20, 20, 120, 255} // ring
			}
			if y > h*2/3 && x%4 < 2 {
				c = color.NRGBA{0, 0, 0, 255} // stripes
			}
			if y < h/10 && x < w/5 {
				c.A = uint8(255 * x / max(w/5, 1)) // fading into transparency
			}
			img.SetNRGBA(x, y, c)
		}
	}
	band := image.Rect(w/20, h/5, w*3/5, h/5+h/4)
	for y := band.Min.Y; y < band.Max.Y; y++ {
		for x := band.Min.X; x < band.Max.X; x++ {
			img.SetNRGBA(x, y, color.NRGBA{30, 30, 30, 255})
		}
	}
	d := font.Drawer{Dst: img, Src: image.NewUniform(color.White), Face: basicfont.Face7x13,
		Dot: fixed.P(band.Min.X+8, band.Min.Y+band.Dy()/2+5)}
	d.DrawString("SECUPRINT RECEIPT - GRUSSE 0123456789")
	return img
}

// logoPNG is the committed 576×200 benchmark picture (go test -update
// rewrites it from testPicture).
const logoPNG = "testdata/logo576x200.png"

func TestLogoPNGIsCurrent(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, testPicture(576, 200)))
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		require.NoError(t, os.MkdirAll(filepath.Dir(logoPNG), 0o755))
		require.NoError(t, os.WriteFile(logoPNG, buf.Bytes(), 0o644))
	}
	got, err := os.ReadFile(logoPNG)
	require.NoError(t, err, "missing; run go test -update")
	require.True(t, bytes.Equal(buf.Bytes(), got), "%s is stale; run go test -update", logoPNG)
}

func loadLogo(tb testing.TB) image.Image {
	tb.Helper()
	f, err := os.Open(logoPNG)
	require.NoError(tb, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(tb, err)
	return img
}
