package escpos_test

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
)

var epson = &escpos.Profile{ID: "golden", WidthDots: 576,
	Fonts:     []escpos.FontInfo{{Font: escpos.FontA, Columns: 48}, {Font: escpos.FontB, Columns: 64}},
	CodePages: []escpos.CodePageSlot{{Slot: 0, Encoding: "CP437"}},
	Features: escpos.Features{BitImageRaster: true, Graphics: true, QRCode: true, BarcodeB: true,
		PulseStandard: true, PaperPartCut: true}}

// mediaReceipt uses every command of the media files once, through the
// Writer as a receipt would.
func mediaReceipt(t *testing.T) []byte {
	t.Helper()
	f, err := os.Open("testdata/logo576x200.png")
	require.NoError(t, err)
	defer f.Close()
	logo, err := png.Decode(f)
	require.NoError(t, err)
	small, err := escpos.NewRaster(logo, escpos.RasterOptions{MaxWidth: 96, Dither: escpos.DitherThreshold})
	require.NoError(t, err)

	var out bytes.Buffer
	w, err := escpos.NewWriter(&out, epson)
	require.NoError(t, err)
	key := escpos.LogoKey{'L', 'G'}
	def, err := escpos.AppendDefineLogo(nil, key, small)
	require.NoError(t, err)
	legacy, err := escpos.AppendLegacyDefineLogo(nil, small)
	require.NoError(t, err)
	legacy, err = escpos.AppendLegacyPrintLogo(legacy, 1)
	require.NoError(t, err)
	gfx, err := escpos.AppendGraphics(nil, small)
	require.NoError(t, err)
	del, err := escpos.AppendDeleteLogo(nil, key)
	require.NoError(t, err)
	rt, err := escpos.AppendRealtimePulse(nil, escpos.DrawerPin2, 2)
	require.NoError(t, err)

	w.Init()
	_, _ = w.Write(def)
	w.Logo(key, escpos.JustifyCenter)
	w.Image(logo, escpos.ImageOptions{Justify: escpos.JustifyCenter})
	w.Line("Total 12.34")
	assert.Zero(t, w.QR(escpos.QR{Data: "https://example.com/r/0042", Module: 4, Level: escpos.QRLevelM}, escpos.JustifyCenter))
	for _, bc := range []escpos.Barcode{
		{Symbology: escpos.EAN13, Data: "400638133393", HRI: escpos.HRIBelow},
		{Symbology: escpos.EAN8, Data: "9638507", Height: 40},
		{Symbology: escpos.UPCA, Data: "03600029145", Module: 3},
		{Symbology: escpos.Code39, Data: "CODE 39", HRI: escpos.HRIAbove, HRIFont: escpos.FontB},
		{Symbology: escpos.ITF, Data: "00012345678905"},
		{Symbology: escpos.Code128, Data: "INV-2026-000123456", HRI: escpos.HRIBoth},
	} {
		assert.Zero(t, w.Barcode(bc, escpos.JustifyCenter))
	}
	_, _ = w.Write(legacy)
	_, _ = w.Write(gfx)
	_, _ = w.Write(del)
	w.Drawer(escpos.DrawerPin2)
	_, _ = w.Write(rt)
	w.Cut(escpos.CutPartial)
	require.NoError(t, w.Flush())
	return out.Bytes()
}

// TestMediaDecodes has the project's decoder (which knows Epson's
// grammar, not this encoder) read the stream back: every command must be
// known, complete and well-formed, and come out in order.
func TestMediaDecodes(t *testing.T) {
	b := mediaReceipt(t)
	cmds := decode.Decode(b, epson)
	var names []string
	for _, c := range cmds {
		require.NoError(t, c.Err, "%s at %#x", c.Name, c.Offset)
		if len(names) == 0 || names[len(names)-1] != c.Name {
			names = append(names, c.Name)
		}
	}
	assert.Equal(t, []string{"ESC @", "GS ( L", "ESC a", "GS ( L", "GS v 0", "TEXT", "LF", "ESC J", "GS ( k", "ESC J", // a quiet zone above and below the QR code
		// and 10 modules above and below every barcode
		"GS h", "GS w", "GS H", "GS f", "GS k", "ESC J", "GS h", "GS w", "GS H", "GS f", "GS k", "ESC J", "GS h", "GS w", "GS H", "GS f", "GS k", "ESC J",
		"GS h", "GS w", "GS H", "GS f", "GS k", "ESC J", "GS h", "GS w", "GS H", "GS f", "GS k", "ESC J", "GS h", "GS w", "GS H", "GS f", "GS k", "ESC J",
		"FS q", "FS p", "GS ( L", "ESC p", "DLE DC4 1", "GS V"}, names)
	var raster, qr, kinds int
	for _, c := range cmds {
		switch c.Op {
		case decode.OpRasterImage:
			raster++
		case decode.OpSymbol:
			qr++
		case decode.OpBarcode:
			kinds++
		}
	}
	assert.Equal(t, 2, raster, "200 rows in bands of 128")
	assert.Equal(t, 5, qr, "model, size, level, store, print")
	assert.Equal(t, 6, kinds)
}

// TestLogoRasterGolden pins the dithered benchmark picture as it prints,
// as a PNG to look at.
func TestLogoRasterGolden(t *testing.T) {
	f, err := os.Open("testdata/logo576x200.png")
	require.NoError(t, err)
	defer f.Close()
	logo, err := png.Decode(f)
	require.NoError(t, err)
	for name, opt := range map[string]escpos.RasterOptions{
		"logo576x200.fs.png":        {},
		"logo576x200.threshold.png": {Dither: escpos.DitherThreshold},
		"logo576x200.384.png":       {MaxWidth: 384},
	} {
		r, err := escpos.NewRaster(logo, opt)
		require.NoError(t, err)
		img := image.NewGray(image.Rect(0, 0, r.Width, r.Height))
		for y := 0; y < r.Height; y++ {
			for x := 0; x < r.Width; x++ {
				if !r.Black(x, y) {
					img.Pix[y*img.Stride+x] = 0xFF
				}
			}
		}
		var buf bytes.Buffer
		require.NoError(t, png.Encode(&buf, img))
		path := filepath.Join("testdata", "golden", name)
		if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
			require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
		}
		want, err := os.ReadFile(path)
		require.NoError(t, err, "missing golden; run go test -update")
		assert.True(t, bytes.Equal(want, buf.Bytes()), "%s differs", name)
	}
}

// TestMediaGolden pins the whole stream, raw and disassembled; go test
// -update rewrites both.
func TestMediaGolden(t *testing.T) {
	b := mediaReceipt(t)
	dis := decode.AppendDisassembly(nil, decode.Decode(b, epson))
	bin, txt := filepath.Join("testdata", "golden", "media.bin"), filepath.Join("testdata", "golden", "media.txt")
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		require.NoError(t, os.MkdirAll(filepath.Dir(bin), 0o755))
		require.NoError(t, os.WriteFile(bin, b, 0o644))
		require.NoError(t, os.WriteFile(txt, dis, 0o644))
	}
	wantBin, err := os.ReadFile(bin)
	require.NoError(t, err, "missing golden; run go test -update")
	wantTxt, err := os.ReadFile(txt)
	require.NoError(t, err, "missing golden; run go test -update")
	assert.Equal(t, string(wantTxt), string(dis))
	assert.True(t, bytes.Equal(wantBin, b), "media.bin differs; see media.txt diff")
}
