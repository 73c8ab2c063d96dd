package escpos

import (
	"image"
	"image/color"
	"image/draw"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func uniform(w, h int, c color.Color) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(c), image.Point{}, draw.Src)
	return img
}

func grayRowImage(levels ...uint16) *image.Gray16 {
	img := image.NewGray16(image.Rect(0, 0, len(levels), 1))
	for x, v := range levels {
		img.SetGray16(x, 0, color.Gray16{Y: v})
	}
	return img
}

func TestNewRasterShapes(t *testing.T) {
	black, white := color.Black, color.White
	tests := []struct {
		name     string
		img      image.Image
		opt      RasterOptions
		w, h     int
		wantBits []byte // nil: not checked
	}{
		{"1×1 black", uniform(1, 1, black), RasterOptions{}, 1, 1, []byte{0x80}},
		{"9 wide: rows padded with white to 2 bytes", uniform(9, 2, black), RasterOptions{}, 9, 2, []byte{0xFF, 0x80, 0xFF, 0x80}},
		{"white prints nothing", uniform(16, 1, white), RasterOptions{}, 16, 1, []byte{0, 0}},
		{"transparent black is white paper", uniform(8, 2, color.NRGBA{0, 0, 0, 0}), RasterOptions{}, 8, 2, []byte{0, 0}},
		{"transparent black, thresholded", uniform(8, 1, color.NRGBA{0, 0, 0, 0}), RasterOptions{Dither: DitherThreshold}, 8, 1, []byte{0}},
		{"mostly transparent black is light", uniform(8, 1, color.NRGBA{0, 0, 0, 100}), RasterOptions{Dither: DitherThreshold}, 8, 1, []byte{0}},
		{"mostly opaque black is dark", uniform(8, 1, color.NRGBA{0, 0, 0, 160}), RasterOptions{Dither: DitherThreshold}, 8, 1, []byte{0xFF}},
		{"never scaled up", uniform(100, 10, black), RasterOptions{MaxWidth: 576}, 100, 10, nil},
		{"exactly the head", uniform(576, 3, black), RasterOptions{MaxWidth: 576}, 576, 3, nil},
		{"one dot too wide: scaled to 576", uniform(577, 100, black), RasterOptions{MaxWidth: 576}, 576, 100, nil},
		{"twice the head: half the height", uniform(1152, 101, black), RasterOptions{MaxWidth: 576}, 576, 51, nil},
		{"a thin line stays one dot tall", uniform(5000, 1, black), RasterOptions{MaxWidth: 576}, 576, 1, nil},
		{"at the height limit", uniform(8, MaxImageHeight, black), RasterOptions{}, 8, MaxImageHeight, nil},
		{"too tall until scaled", uniform(100, 20000, black), RasterOptions{MaxWidth: 40}, 40, 8000, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewRaster(tt.img, tt.opt)
			require.NoError(t, err)
			require.NoError(t, r.check())
			assert.Equal(t, [3]int{tt.w, tt.h, (tt.w + 7) / 8}, [3]int{r.Width, r.Height, r.Stride})
			if tt.wantBits != nil {
				assert.Equal(t, tt.wantBits, r.Bits)
			}
		})
	}
}

func TestNewRasterErrors(t *testing.T) {
	tests := []struct {
		img  image.Image
		opt  RasterOptions
		want string
	}{
		{nil, RasterOptions{}, "escpos: image: nil"},
		{image.NewGray(image.Rect(0, 0, 0, 5)), RasterOptions{}, "escpos: image: empty (0x5)"},
		{image.NewGray(image.Rect(3, 3, 3, 3)), RasterOptions{}, "escpos: image: empty (0x0)"},
		{uniform(576, 20000, color.Black), RasterOptions{MaxWidth: 576}, "escpos: image: 20000 dots tall (at 576 wide) exceeds the limit of 8192"},
		{uniform(8, MaxImageHeight+1, color.Black), RasterOptions{}, "escpos: image: 8193 dots tall (at 8 wide) exceeds the limit of 8192"},
		{uniform(1, 1, color.Black), RasterOptions{Dither: 2}, "escpos: image: Dither(2) out of range"},
		{uniform(1, 1, color.Black), RasterOptions{MaxWidth: -1}, "escpos: image: max width -1 is negative"},
	}
	for _, tt := range tests {
		_, err := NewRaster(tt.img, tt.opt)
		assert.EqualError(t, err, tt.want)
	}
}

func TestScaleGrayAreaAverage(t *testing.T) {
	tests := []struct {
		name string
		in   []uint16
		tw   int
		want []uint16
	}{
		{"2→1: the mean", []uint16{0, 65535}, 1, []uint16{32768}},
		{"3→2: a source dot split between two", []uint16{0, 30000, 60000}, 2, []uint16{10000, 50000}},
		{"4→2", []uint16{100, 300, 1000, 3000}, 2, []uint16{200, 2000}},
		{"5→3: thirds of dots", []uint16{0, 0, 65535, 65535, 65535}, 3, []uint16{0, 52428, 65535}}, // (0×⅓ + 1 + ⅓) / (5/3) = 0.8
		{"same size: unchanged", []uint16{1, 2, 3}, 3, []uint16{1, 2, 3}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, scaleGray(grayRowImage(tt.in...), tt.tw, 1), tt.name)
	}
	// Vertically too: a 1×4 column of two black and two white rows → 1×2.
	col := image.NewGray(image.Rect(0, 0, 1, 4))
	col.Pix = []uint8{0, 0, 255, 255}
	assert.Equal(t, []uint16{0, 65535}, scaleGray(col, 1, 2))
}

func TestThresholdLevel(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 8, 1))
	img.Pix = []uint8{0, 127, 128, 129, 199, 200, 254, 255}
	r, err := NewRaster(img, RasterOptions{Dither: DitherThreshold})
	require.NoError(t, err)
	assert.Equal(t, []byte{0b11000000}, r.Bits, "default threshold 128")
	r, err = NewRaster(img, RasterOptions{Dither: DitherThreshold, Threshold: 200})
	require.NoError(t, err)
	assert.Equal(t, []byte{0b11111000}, r.Bits)
}

func TestFloydSteinbergKeepsTone(t *testing.T) {
	for _, level := range []uint8{0, 32, 64, 128, 192, 255} {
		img := image.NewGray(image.Rect(0, 0, 64, 64))
		for i := range img.Pix {
			img.Pix[i] = level
		}
		r, err := NewRaster(img, RasterOptions{})
		require.NoError(t, err)
		black := 0
		for y := 0; y < 64; y++ {
			for x := 0; x < 64; x++ {
				if r.Black(x, y) {
					black++
				}
			}
		}
		want := 4096 * (255 - int(level)) / 255
		assert.InDelta(t, want, black, 4096*0.02, "grey %d", level)
	}
}

// wrapped hides the concrete type, so NewRaster takes the generic At path.
type wrapped struct{ image.Image }

func TestFastPathsMatchGeneric(t *testing.T) {
	src := testPicture(97, 41) // odd sizes: padding and partial bytes
	nrgba := image.NewNRGBA(src.Bounds())
	draw.Draw(nrgba, nrgba.Bounds(), src, image.Point{}, draw.Src)
	// Half-transparent corner, to exercise compositing over white.
	for y := 0; y < 10; y++ {
		for x := 0; x < 30; x++ {
			c := nrgba.NRGBAAt(x, y)
			c.A = uint8(x * 8)
			nrgba.SetNRGBA(x, y, c)
		}
	}
	rgba := image.NewRGBA(src.Bounds())
	draw.Draw(rgba, rgba.Bounds(), nrgba, image.Point{}, draw.Src)
	gray := image.NewGray(src.Bounds())
	draw.Draw(gray, gray.Bounds(), src, image.Point{}, draw.Src)
	pal := image.NewPaletted(src.Bounds(), color.Palette{color.White, color.Black, color.Gray{0x80}, color.NRGBA{200, 30, 30, 255}, color.Transparent})
	draw.Draw(pal, pal.Bounds(), nrgba, image.Point{}, draw.Src)
	for _, opt := range []RasterOptions{{}, {Dither: DitherThreshold}, {MaxWidth: 50}} {
		for name, img := range map[string]image.Image{"nrgba": nrgba, "rgba": rgba, "gray": gray, "paletted": pal} {
			fast, err := NewRaster(img, opt)
			require.NoError(t, err)
			slow, err := NewRaster(wrapped{img}, opt)
			require.NoError(t, err)
			assert.Equal(t, slow.Bits, fast.Bits, "%s %+v", name, opt)
		}
	}
	// A sub-image keeps its own origin.
	sub := nrgba.SubImage(image.Rect(10, 5, 60, 30))
	fast, err := NewRaster(sub, RasterOptions{})
	require.NoError(t, err)
	slow, err := NewRaster(wrapped{sub}, RasterOptions{})
	require.NoError(t, err)
	assert.Equal(t, slow.Bits, fast.Bits)
	assert.Equal(t, 50, fast.Width)
}

func TestNewRasterIsDeterministic(t *testing.T) {
	img := testPicture(576, 200)
	a, err := NewRaster(img, RasterOptions{MaxWidth: 384})
	require.NoError(t, err)
	b, err := NewRaster(img, RasterOptions{MaxWidth: 384})
	require.NoError(t, err)
	assert.Equal(t, a, b)
}

func TestAppendRasterImageBytes(t *testing.T) {
	r := newRaster(9, 2)
	r.Bits = []byte{0xFF, 0x80, 0x01, 0x00}
	got, err := AppendRasterImage([]byte{0xAA}, r)
	require.NoError(t, err)
	assert.Equal(t, []byte{0xAA, GS, 'v', '0', 0, 2, 0, 2, 0, 0xFF, 0x80, 0x01, 0x00}, got)

	got, err = AppendGraphics(nil, r)
	require.NoError(t, err)
	assert.Equal(t, []byte{
		GS, '(', 'L', 14, 0, 48, 112, 48, 1, 1, 49, 9, 0, 2, 0, 0xFF, 0x80, 0x01, 0x00,
		GS, '(', 'L', 2, 0, 48, 50,
	}, got)
}

func TestRasterBands(t *testing.T) {
	r := newRaster(8, 300)
	for y := 0; y < 300; y++ {
		r.Bits[y] = byte(y)
	}
	got, err := AppendRasterImage(nil, r)
	require.NoError(t, err)
	var rows []int
	var data []byte
	for len(got) > 0 {
		require.Equal(t, []byte{GS, 'v', '0', 0, 1, 0}, got[:6])
		n := int(got[6]) | int(got[7])<<8
		rows = append(rows, n)
		data = append(data, got[8:8+n]...)
		got = got[8+n:]
	}
	assert.Equal(t, []int{128, 128, 44}, rows)
	assert.Equal(t, r.Bits, data)

	got, err = AppendGraphics(nil, r)
	require.NoError(t, err)
	assert.Equal(t, 3*(5+10+7)+300, len(got), "three store+print pairs")
}

func TestAppendGraphicsLongBandUsesGS8L(t *testing.T) {
	r := newRaster(4200, RasterBandRows) // 525 bytes × 128 rows = 67200 > 65535
	got, err := AppendGraphics(nil, r)
	require.NoError(t, err)
	n := 10 + 525*RasterBandRows
	assert.Equal(t, []byte{GS, '8', 'L', byte(n), byte(n >> 8), byte(n >> 16), 0, 48, 112, 48, 1, 1, 49, 0x68, 0x10, 128, 0}, got[:17])
	assert.Len(t, got, 17+525*RasterBandRows+7)
}

func TestRasterCheck(t *testing.T) {
	tests := []struct {
		r    *Raster
		want string
	}{
		{nil, "escpos: raster: nil"},
		{&Raster{}, "escpos: raster: empty (0x0)"},
		{&Raster{Width: 9, Height: 1, Stride: 1, Bits: []byte{0}}, "escpos: raster: stride 1 for width 9, want 2"},
		{&Raster{Width: 8, Height: 2, Stride: 1, Bits: []byte{0}}, "escpos: raster: 1 bytes of bits, want 2"},
		{&Raster{Width: 8, Height: MaxImageHeight + 1, Stride: 1}, "escpos: raster: 8193 dots tall exceeds the limit of 8192"},
		{&Raster{Width: 70000, Height: 1, Stride: 8750}, "escpos: raster: 70000 dots wide exceeds the limit of 65535"},
	}
	for _, tt := range tests {
		for name, f := range map[string]func([]byte, *Raster) ([]byte, error){
			"GS v 0": AppendRasterImage, "GS ( L": AppendGraphics, "FS q": AppendLegacyDefineLogo,
			"NV": func(b []byte, r *Raster) ([]byte, error) { return AppendDefineLogo(b, LogoKey{'A', 'B'}, r) },
		} {
			got, err := f([]byte{1}, tt.r)
			assert.EqualError(t, err, tt.want, name)
			assert.Equal(t, []byte{1}, got)
		}
	}
}

func TestParseDither(t *testing.T) {
	for _, d := range []Dither{DitherFloydSteinberg, DitherThreshold} {
		got, err := ParseDither(d.String())
		require.NoError(t, err)
		assert.Equal(t, d, got)
	}
	_, err := ParseDither("ordered")
	assert.EqualError(t, err, `escpos: unknown dither "ordered" (want floyd-steinberg or threshold)`)
}
