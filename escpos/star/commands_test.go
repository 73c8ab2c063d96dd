package star

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
)

// The bytes are those of Star's StarPRNT and Line Mode specifications (and
// what @point-of-sale/receipt-printer-encoder sends for the same request).
func TestAppendCommands(t *testing.T) {
	must := func(b []byte, err error) []byte {
		t.Helper()
		require.NoError(t, err)
		return b
	}
	for _, tc := range []struct {
		name string
		got  []byte
		want []byte
	}{
		{"init", AppendInit(nil), []byte{0x1B, 0x40}},
		{"code page 32", AppendCodePage(nil, 32), []byte{0x1B, 0x1D, 0x74, 32}},
		{"bold on", AppendEmphasis(nil, true), []byte{0x1B, 0x45}},
		{"bold off", AppendEmphasis(nil, false), []byte{0x1B, 0x46}},
		{"size 2w 3h", must(AppendSize(nil, escpos.Size{Width: 2, Height: 3})), []byte{0x1B, 0x69, 2, 1}},
		{"size 1x1", must(AppendSize(nil, escpos.Normal)), []byte{0x1B, 0x69, 0, 0}},
		{"centre", must(AppendJustification(nil, escpos.JustifyCenter)), []byte{0x1B, 0x1D, 0x61, 1}},
		{"right", must(AppendJustification(nil, escpos.JustifyRight)), []byte{0x1B, 0x1D, 0x61, 2}},
		{"font B", must(AppendFont(nil, escpos.FontB)), []byte{0x1B, 0x1E, 0x46, 1}},
		{"feed 3", AppendFeedLines(nil, 3), []byte{0x1B, 0x61, 3}},
		{"feed 0", AppendFeedLines(nil, 0), nil},
		{"feed 200", AppendFeedLines(nil, 200), []byte{0x1B, 0x61, 127, 0x1B, 0x61, 73}},
		{"full cut", must(AppendCut(nil, escpos.CutFull)), []byte{0x1B, 0x64, 2}},
		{"partial cut", must(AppendCut(nil, escpos.CutPartial)), []byte{0x1B, 0x64, 3}},
		{"no cut", must(AppendCut(nil, escpos.CutNone)), nil},
		{"drawer 1", must(AppendDrawer(nil, escpos.DrawerPin2)), []byte{0x1B, 0x07, 20, 20, 0x07}},
		{"drawer 2", must(AppendDrawer(nil, escpos.DrawerPin5)), []byte{0x1B, 0x07, 20, 20, 0x1A}},
		{"page flush", AppendPageFlush(nil), []byte{0x1B, 0x1D, 0x50, 0x30, 0x1B, 0x1D, 0x50, 0x31}},
		{"qr", must(AppendQR(nil, escpos.QR{Data: "AB", Module: 4, Level: escpos.QRLevelM})), []byte{
			0x1B, 0x1D, 0x79, 0x53, 0x30, 2,
			0x1B, 0x1D, 0x79, 0x53, 0x31, 1,
			0x1B, 0x1D, 0x79, 0x53, 0x32, 4,
			0x1B, 0x1D, 0x79, 0x44, 0x31, 0, 2, 0, 'A', 'B',
			0x1B, 0x1D, 0x79, 0x50}},
		{"ean13 without check digit", must(AppendBarcode(nil, escpos.Barcode{Symbology: escpos.EAN13, Data: "4006381333931", Height: 50, HRI: escpos.HRIBelow})),
			append(append([]byte{0x1B, 0x62, 3, 2, 1, 50}, "400638133393"...), 0x1E)},
		{"code128 3-dot", must(AppendBarcode(nil, escpos.Barcode{Symbology: escpos.Code128, Data: "AB-12", Module: 3})),
			append(append([]byte{0x1B, 0x62, 6, 1, 2, escpos.BarcodeDefaultHeight}, "AB-12"...), 0x1E)},
	} {
		assert.Equal(t, tc.want, tc.got, tc.name)
	}
}

func TestAppendErrors(t *testing.T) {
	_, err := AppendSize(nil, escpos.Size{Width: 7, Height: 1})
	assert.Error(t, err, "Star expands to 6 at most")
	_, err = AppendSize(nil, escpos.Size{Width: 0, Height: 1})
	assert.Error(t, err)
	_, err = AppendJustification(nil, escpos.Justification(3))
	assert.Error(t, err)
	_, err = AppendFont(nil, escpos.FontC)
	assert.Error(t, err)
	_, err = AppendCut(nil, escpos.CutMode(7))
	assert.Error(t, err)
	_, err = AppendDrawer(nil, escpos.Drawer(2))
	assert.Error(t, err)
	_, err = AppendQR(nil, escpos.QR{Data: "x", Module: 9})
	assert.Error(t, err, "cell 9 exceeds ESC GS y S 2")
	_, err = AppendQR(nil, escpos.QR{})
	assert.Error(t, err)
	_, err = AppendBarcode(nil, escpos.Barcode{Symbology: escpos.EAN13, Data: "4006381333932"})
	assert.Error(t, err, "wrong check digit")
	_, err = AppendBarcode(nil, escpos.Barcode{Symbology: escpos.Code128, Data: "x", Module: 5})
	assert.Error(t, err)
	_, err = AppendRaster(nil, &escpos.Raster{Width: 8, Height: 1, Stride: 1}, 0)
	assert.Error(t, err, "bits missing")
	_, err = AppendRaster(nil, &escpos.Raster{Width: 8, Height: 1, Stride: 1, Bits: []byte{0}}, -1)
	assert.Error(t, err)
}

// A 2x25 raster: two 24-row bands, column bytes top dot first, shifted by
// the left margin.
func TestAppendRaster(t *testing.T) {
	r := &escpos.Raster{Width: 2, Height: 25, Stride: 1, Bits: make([]byte, 25)}
	r.Bits[0] = 0x80  // (0,0)
	r.Bits[9] = 0x40  // (1,9)
	r.Bits[24] = 0xC0 // (0,24) (1,24)
	got, err := AppendRaster(nil, r, 1)
	require.NoError(t, err)
	want := []byte{0x1B, '0',
		0x1B, 'X', 3, 0, 0, 0, 0, 0x80, 0, 0, 0, 0x40, 0, 0x0A,
		0x1B, 'X', 3, 0, 0, 0, 0, 0x80, 0, 0, 0x80, 0, 0, 0x0A,
		0x1B, 'z', 1}
	assert.Equal(t, want, got)
}

// ESC GS S m=1 xL xH yL yH n=0, rows of whole bytes with the left margin.
func TestAppendRasterPRNT(t *testing.T) {
	r := &escpos.Raster{Width: 3, Height: 2, Stride: 1, Bits: []byte{0xA0, 0x40}}
	got, err := AppendRasterPRNT(nil, r, 6)
	require.NoError(t, err)
	assert.Equal(t, []byte{0x1B, 0x1D, 'S', 1, 2, 0, 2, 0, 0, 0x02, 0x80, 0x01, 0x00}, got)
	_, err = AppendRasterPRNT(nil, r, -1)
	assert.Error(t, err)
}
