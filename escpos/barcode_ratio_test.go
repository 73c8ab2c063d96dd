package escpos

import (
	"image"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issue 23 item 3: CODE39 and ITF wide elements are Epson's GS w table
// (2/5, 3/8, 4/10, 5/13, 6/16 dots), not three narrow ones. A 15-character
// CODE39 at GS w 2 is (15+2)×29−2 = 491 dots and fits TM-T88V's 512-dot
// head; at 3× it was counted as 542 and refused.
func TestCode39WidthByEpsonTable(t *testing.T) {
	bc := Barcode{Symbology: Code39, Data: "ABCDEFGHIJ12345", Module: 2}
	dots, err := BarcodeDots(bc)
	require.NoError(t, err)
	assert.Len(t, dots, 491)
	r, err := NewBarcodeRaster(bc)
	require.NoError(t, err)
	assert.Equal(t, 491, r.Width, "the picture fallback draws what the printer would")

	p := &Profile{ID: "t", WidthDots: 512, Features: Features{BarcodeB: true}}
	e, err := NewEncoder(p)
	require.NoError(t, err)
	_, _, err = e.AppendBarcode(nil, bc, JustifyCenter)
	assert.NoError(t, err)

	for n, wide := range map[uint8]int{2: 5, 3: 8, 4: 10, 5: 13, 6: 16} {
		d, err := BarcodeDots(Barcode{Symbology: ITF, Data: "12", Module: n})
		require.NoError(t, err)
		// start 4 narrow, two digits as 5 bars + 5 spaces (2 wide each),
		// stop: wide bar, narrow space, narrow bar.
		assert.Len(t, d, 4*int(n)+6*int(n)+4*wide+wide+2*int(n), "GS w %d", n)
	}
}

// The Epson-ratio pictures scan (zbarimg), at every GS w.
func TestEpsonRatioCodesScan(t *testing.T) {
	var imgs []*image.Gray
	var syms, want []string
	for n := uint8(2); n <= 6; n++ {
		for _, bc := range []Barcode{{Symbology: Code39, Data: "CODE39-2026", Module: n}, {Symbology: ITF, Data: "00012345678905", Module: n}} {
			r, err := NewBarcodeRaster(bc)
			require.NoError(t, err)
			imgs = append(imgs, rasterImage(r, 1, 40))
			syms = append(syms, map[Symbology]string{Code39: "code39", ITF: "i25"}[bc.Symbology])
			want = append(want, bc.Data)
		}
	}
	assert.Equal(t, want, zbarRead(t, syms, imgs))
}
