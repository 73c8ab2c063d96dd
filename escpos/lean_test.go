package escpos_test

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
	"rsc.io/qr"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/paper"
)

// odooPicturePath is an Odoo-style receipt picture: what Odoo's point of
// sale draws on a canvas and sends as one ePOS <image>. Made by
// TestOdooPictureFixture with -update; the ePOS tests read it too.
const odooPicturePath = "../testdata/epos/odoo-receipt-576x1600.png"

// drawOdooReceipt draws a 576 × 1600 receipt the way a browser renders
// Odoo's: white margins, a bold centred header, item lines with prices
// flush right, totals in double size, a QR Code and a centred footer, in
// a 2×-scaled 7×13 font (about Odoo's 14 px text at 203 dpi).
func drawOdooReceipt() *image.Gray {
	const w, h = 576, 1600
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	small := image.NewGray(image.Rect(0, 0, w, 40))
	text := func(y int, s string, align int, scale int) {
		for i := range small.Pix {
			small.Pix[i] = 0xFF
		}
		d := font.Drawer{Dst: small, Src: image.NewUniform(color.Black), Face: basicfont.Face7x13}
		d.Dot = fixed.P(0, 11)
		d.DrawString(s)
		tw := d.MeasureString(s).Ceil() * scale
		x0 := 24
		switch align {
		case 1:
			x0 = (w - tw) / 2
		case 2:
			x0 = w - 24 - tw
		}
		for sy := 0; sy < 13*scale; sy++ {
			for sx := 0; sx < tw && x0+sx < w; sx++ {
				if small.GrayAt(sx/scale, sy/scale).Y < 128 {
					img.SetGray(x0+sx, y+sy, color.Gray{})
				}
			}
		}
	}
	rule := func(y int) {
		for x := 24; x < w-24; x += 2 {
			img.SetGray(x, y, color.Gray{})
		}
	}
	y := 40
	text(y, "Secuprint Coffee & Bakery", 1, 3)
	y += 60
	for _, s := range []string{"Hauptstrasse 12, 10115 Berlin", "Tel. +49 30 1234567", "VAT DE123456789", "Served by Mitchell Admin"} {
		text(y, s, 1, 2)
		y += 34
	}
	y += 20
	rule(y)
	y += 20
	items := [][2]string{{"Espresso doppio", "3.20"}, {"Cappuccino grande", "4.10"}, {"Croissant au beurre", "2.40"},
		{"  2 x 1.95", ""}, {"Pain au chocolat", "3.90"}, {"Orange juice 0.3 l", "3.50"}, {"Bagel cream cheese", "4.80"},
		{"Chocolate muffin", "2.90"}, {"Still water 0.5 l", "2.20"}, {"Tip", "1.00"}}
	for _, it := range items {
		text(y, it[0], 0, 2)
		if it[1] != "" {
			text(y, it[1]+" EUR", 2, 2)
		}
		y += 34
	}
	rule(y)
	y += 20
	text(y, "TOTAL", 0, 3)
	text(y, "28.00 EUR", 2, 3)
	y += 56
	for _, s := range [][2]string{{"Card", "28.00"}, {"Change", "0.00"}, {"VAT 19% on 23.53", "4.47"}} {
		text(y, s[0], 0, 2)
		text(y, s[1], 2, 2)
		y += 34
	}
	y += 30
	code, err := qr.Encode("https://pos.example.com/receipt/00042-003-0007", qr.M)
	if err != nil {
		panic(err)
	}
	const mod = 6
	qx := (w - code.Size*mod) / 2
	for my := 0; my < code.Size; my++ {
		for mx := 0; mx < code.Size; mx++ {
			if code.Black(mx, my) {
				for dy := 0; dy < mod; dy++ {
					for dx := 0; dx < mod; dx++ {
						img.SetGray(qx+mx*mod+dx, y+my*mod+dy, color.Gray{})
					}
				}
			}
		}
	}
	y += code.Size*mod + 30
	for _, s := range []string{"Order 00042-003-0007", "07/12/2026 13:14:27", "Thank you for your visit!"} {
		text(y, s, 1, 2)
		y += 34
	}
	return img
}

func TestOdooPictureFixture(t *testing.T) {
	img := drawOdooReceipt()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		require.NoError(t, os.MkdirAll(filepath.Dir(odooPicturePath), 0o755))
		require.NoError(t, os.WriteFile(odooPicturePath, buf.Bytes(), 0o644))
	}
	got, err := os.ReadFile(odooPicturePath)
	require.NoError(t, err, "run go test ./escpos -run OdooPictureFixture -update")
	require.Equal(t, buf.Bytes(), got, "fixture differs from the drawing; refresh with -update")
}

func odooRaster(t testing.TB) *escpos.Raster {
	f, err := os.ReadFile(odooPicturePath)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(f))
	require.NoError(t, err)
	r, err := escpos.NewRaster(img, escpos.RasterOptions{Dither: escpos.DitherThreshold})
	require.NoError(t, err)
	return r
}

var (
	leanEpson180 = &escpos.Profile{ID: "epson180", Vendor: "Epson", DPI: 180, WidthDots: 576,
		Fonts:    []escpos.FontInfo{{Font: escpos.FontA, Columns: 48}, {Font: escpos.FontB, Columns: 64}},
		Features: escpos.Features{BitImageRaster: true, Graphics: true, PaperPartCut: true}}
	leanGeneric203 = &escpos.Profile{ID: "generic203", DPI: 203, WidthDots: 640,
		Fonts:    []escpos.FontInfo{{Font: escpos.FontA, Columns: 53}},
		Features: escpos.Features{BitImageRaster: true}}
	leanGraphicsOnly = &escpos.Profile{ID: "graphics", DPI: 203, WidthDots: 576,
		Fonts:    []escpos.FontInfo{{Font: escpos.FontA, Columns: 48}},
		Features: escpos.Features{Graphics: true}}
)

func paperImage(t *testing.T, b []byte, p *escpos.Profile) *image.Gray {
	t.Helper()
	res := paper.Print(b, p)
	require.Empty(t, res.Problems)
	require.Len(t, res.Tickets, 1)
	return res.Tickets[0].Image()
}

// TestLeanRasterSamePaper prints the Odoo-style picture as a plain raster
// and as a lean one on the virtual printer: the paper must be identical,
// pixel for pixel, and the lean stream at most half the bytes.
func TestLeanRasterSamePaper(t *testing.T) {
	odoo := odooRaster(t)
	// A picture with ink at the very edges and a lone dot in the last
	// column, to catch off-by-one trims.
	edges, err := escpos.NewRaster(edgeImage(), escpos.RasterOptions{Dither: escpos.DitherThreshold})
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		p       *escpos.Profile
		r       *escpos.Raster
		j       escpos.Justification
		maxPart float64
	}{
		{"odoo-epson180-left", leanEpson180, odoo, escpos.JustifyLeft, 0.5},
		{"odoo-generic203-center", leanGeneric203, odoo, escpos.JustifyCenter, 0.5},
		{"odoo-generic203-right", leanGeneric203, odoo, escpos.JustifyRight, 0.5},
		{"edges-epson180-center", leanEpson180, edges, escpos.JustifyCenter, 1},
		{"edges-generic203-right", leanGeneric203, edges, escpos.JustifyRight, 1},
		{"odoo-graphics-only", leanGraphicsOnly, odoo, escpos.JustifyLeft, 1.01},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rawEnc, err := escpos.NewEncoder(tc.p)
			require.NoError(t, err)
			raw, err := rawEnc.AppendRaster(rawEnc.AppendInit(nil), tc.r, tc.j)
			require.NoError(t, err)
			leanEnc, err := escpos.NewEncoder(tc.p)
			require.NoError(t, err)
			lean, err := leanEnc.AppendLeanRaster(leanEnc.AppendInit(nil), tc.r, tc.j)
			require.NoError(t, err)
			ratio := float64(len(lean)) / float64(len(raw))
			t.Logf("%s: raw %d bytes, lean %d bytes (%.2f×)", tc.name, len(raw), len(lean), ratio)
			require.LessOrEqual(t, ratio, tc.maxPart)
			a, b := paperImage(t, raw, tc.p), paperImage(t, lean, tc.p)
			require.Equal(t, a.Bounds(), b.Bounds())
			require.True(t, bytes.Equal(a.Pix, b.Pix), "the lean stream prints different paper")
		})
	}
}

func edgeImage() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, 301, 90))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	for y := 0; y < 90; y++ {
		switch {
		case y < 3:
			img.SetGray(0, y, color.Gray{})
		case y >= 40 && y < 42:
			img.SetGray(300, y, color.Gray{})
		case y == 89:
			img.SetGray(150, y, color.Gray{})
		}
	}
	return img
}

func TestAppendLeanRasterErrors(t *testing.T) {
	r, err := escpos.NewRaster(edgeImage(), escpos.RasterOptions{})
	require.NoError(t, err)
	for _, o := range []escpos.LeanRaster{{X: -1, UnitsPerDot: 1}, {UnitsPerDot: 0}, {UnitsPerDot: 256}, {MaxMargin: -1, UnitsPerDot: 1}} {
		_, err := escpos.AppendLeanRaster(nil, r, o)
		require.Error(t, err, "%+v", o)
	}
	_, err = escpos.AppendLeanRaster(nil, &escpos.Raster{Width: 8, Height: 1, Stride: 2, Bits: []byte{0}}, escpos.LeanRaster{UnitsPerDot: 1})
	require.Error(t, err)
	enc, err := escpos.NewEncoder(leanGeneric203)
	require.NoError(t, err)
	wide, err := escpos.NewRaster(image.NewGray(image.Rect(0, 0, 700, 2)), escpos.RasterOptions{})
	require.NoError(t, err)
	_, err = enc.AppendLeanRaster(nil, wide, escpos.JustifyLeft)
	require.ErrorContains(t, err, "exceeds the 640-dot head")
	_, err = enc.AppendLeanRaster(nil, r, escpos.Justification(9))
	require.Error(t, err)
}

func TestAppendFeedDots(t *testing.T) {
	for _, tc := range []struct {
		dots, upd int
		want      []byte
	}{
		{0, 1, nil},
		{10, 1, []byte{0x1B, 'J', 10}},
		{300, 1, []byte{0x1B, 'J', 255, 0x1B, 'J', 45}},
		{130, 2, []byte{0x1B, 'J', 254, 0x1B, 'J', 6}},
	} {
		got, err := escpos.AppendFeedDots(nil, tc.dots, tc.upd)
		require.NoError(t, err)
		require.Equal(t, tc.want, got, "%d dots at %d", tc.dots, tc.upd)
	}
	_, err := escpos.AppendFeedDots(nil, -1, 1)
	require.Error(t, err)
	require.Equal(t, 2, escpos.VerticalUnitsPerDot(leanEpson180))
	require.Equal(t, 1, escpos.VerticalUnitsPerDot(leanGeneric203))
	require.Equal(t, 1, escpos.VerticalUnitsPerDot(nil))
}

func BenchmarkLeanRasterOdoo(b *testing.B) {
	r := odooRaster(b)
	enc, err := escpos.NewEncoder(leanEpson180)
	require.NoError(b, err)
	buf := make([]byte, 0, 128<<10)
	b.ReportAllocs()
	b.SetBytes(int64(len(r.Bits)))
	for b.Loop() {
		enc.AppendInit(nil)
		out, err := enc.AppendLeanRaster(buf[:0], r, escpos.JustifyLeft)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(out))/float64(len(r.Bits)), "wire/raw")
	}
}
