package escpos

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// unwire reverses code128Wire: the text a printer would encode.
func unwire(t *testing.T, p []byte) string {
	var out []byte
	set := byte(0)
	for i := 0; i < len(p); i++ {
		if p[i] == '{' {
			require.Less(t, i+1, len(p), "dangling {")
			i++
			switch p[i] {
			case 'B', 'C':
				set = p[i]
				continue
			case '{':
				require.Equal(t, byte('B'), set)
				out = append(out, '{')
				continue
			}
			t.Fatalf("unexpected {%c", p[i])
		}
		switch set {
		case 'B':
			out = append(out, p[i])
		case 'C':
			require.LessOrEqual(t, p[i], byte(99))
			out = append(out, '0'+p[i]/10, '0'+p[i]%10)
		default:
			t.Fatal("data before a code set")
		}
	}
	return string(out)
}

func FuzzBarcode(f *testing.F) {
	for _, s := range []struct {
		sym  uint8
		data string
	}{
		{uint8(EAN13), "400638133393"}, {uint8(EAN13), "4006381333931"}, {uint8(EAN8), "9638507"},
		{uint8(UPCA), "03600029145"}, {uint8(Code39), "CODE 39"}, {uint8(ITF), "1234"},
		{uint8(Code128), "INV-2026-000123456"}, {uint8(Code128), "{{}"}, {uint8(Code128), "12345"},
		{uint8(Code128), "Grüße"}, {0, ""}, {9, "x"},
	} {
		f.Add(s.sym, s.data, uint8(0), uint8(0))
	}
	f.Fuzz(func(t *testing.T, sym uint8, data string, module, height uint8) {
		bc := Barcode{Symbology: Symbology(sym % 8), Data: data, Module: module % 8, Height: height}
		b, err := AppendBarcode(nil, bc)
		m, merr := BarcodeModules(bc)
		if err != nil {
			require.Error(t, merr, "AppendBarcode and BarcodeModules disagree")
			require.Nil(t, b)
			return
		}
		require.NoError(t, merr)
		require.True(t, m[0] && m[len(m)-1], "a symbol starts and ends with a bar")
		n := int(b[15])
		require.Len(t, b, 16+n)
		p := b[16:]
		switch bc.Symbology {
		case Code128:
			require.Equal(t, data, unwire(t, p))
			require.Equal(t, 2, len(m)%11, "11 modules a symbol + the 2-module bar")
		case EAN13, UPCA:
			require.Len(t, m, 95)
		case EAN8:
			require.Len(t, m, 67)
		default:
			require.Equal(t, data, string(p))
		}
		r, err := NewBarcodeRaster(bc)
		require.NoError(t, err)
		require.NoError(t, r.check())
	})
}

// fuzzSeeds are the image files under testdata: the benchmark picture and
// the goldens, plus small ones made here (paletted, transparent, 1 px).
func fuzzSeeds(tb testing.TB) [][]byte {
	paths, err := filepath.Glob("testdata/*.png")
	require.NoError(tb, err)
	more, err := filepath.Glob("testdata/golden/*.png")
	require.NoError(tb, err)
	var seeds [][]byte
	for _, p := range append(paths, more...) {
		b, err := os.ReadFile(p)
		require.NoError(tb, err)
		seeds = append(seeds, b)
	}
	var buf bytes.Buffer
	require.NoError(tb, png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, 3, 2)))) // transparent
	seeds = append(seeds, bytes.Clone(buf.Bytes()))
	buf.Reset()
	pal := image.NewPaletted(image.Rect(0, 0, 9, 9), color.Palette{color.White, color.Black})
	pal.Pix[40] = 1
	require.NoError(tb, gif.Encode(&buf, pal, nil))
	seeds = append(seeds, bytes.Clone(buf.Bytes()))
	return seeds
}

func FuzzImage(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, uint16(576), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, maxWidth uint16, threshold bool) {
		// Keep each run quick: big images only cost time. (The receipts'
		// own PNG decoder, with its limits, is receipt.DecodePNG.)
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err != nil || cfg.Width*cfg.Height > 1<<18 {
			return
		}
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		opt := RasterOptions{MaxWidth: int(maxWidth)}
		if threshold {
			opt.Dither = DitherThreshold
		}
		r, err := NewRaster(img, opt)
		if err != nil {
			return
		}
		require.NoError(t, r.check())
		if maxWidth > 0 {
			require.LessOrEqual(t, r.Width, int(maxWidth))
		}
		_, err = AppendRasterImage(nil, r)
		require.NoError(t, err)
	})
}
