package escpos

import (
	"image"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"rsc.io/qr/coding"
)

// Issue 23 item 6: the picture fallback's QR takes the mask of lowest
// penalty, not always mask 0, and every one scans (zbarimg).
func TestQRMaskByPenalty(t *testing.T) {
	datas := []string{"https://example.com/r/42", "STX_KJXJDUN542NR3WMRHRVU5WWM6ZQEA2", "1234567890", "HELLO WORLD", "Bäckerei Hauptstraße 1"}
	masks := map[int]bool{}
	var imgs []*image.Gray
	var syms []string
	for _, d := range datas {
		for _, l := range []QRLevel{QRLevelL, QRLevelM, QRLevelQ, QRLevelH} {
			_, enc, v, err := QR{Data: d, Level: l}.plan()
			require.NoError(t, err)
			got, err := encodeQR(enc, v, coding.Level(l))
			require.NoError(t, err)
			best, chosen := -1, -1
			for m := coding.Mask(0); m < 8; m++ {
				p, err := coding.NewPlan(v, coding.Level(l), m)
				require.NoError(t, err)
				c, err := p.Encode(enc)
				require.NoError(t, err)
				if s := qrPenalty(c); best < 0 || s < best {
					best = s
				}
				if string(c.Bitmap) == string(got.Bitmap) {
					chosen = int(m)
				}
			}
			require.GreaterOrEqual(t, chosen, 0)
			assert.Equal(t, best, qrPenalty(got), "%q %v", d, l)
			masks[chosen] = true
			r, err := NewQRRaster(QR{Data: d, Level: l, Module: 3})
			require.NoError(t, err)
			imgs = append(imgs, rasterImage(r, 1, 20))
			syms = append(syms, "qrcode")
		}
	}
	assert.Greater(t, len(masks), 1, "masks chosen: %v", masks)
	got := zbarRead(t, syms, imgs)
	for i, d := range datas {
		for j := range 4 {
			assert.Equal(t, d, got[i*4+j])
		}
	}
}

// The penalty rules on small hand-made symbols: a 5-module run costs 3
// (N1), a 2×2 block 3 (N2), an all-light symbol the most for N4.
func TestQRPenaltyRules(t *testing.T) {
	code := func(rows ...string) *coding.Code {
		n := len(rows)
		c := &coding.Code{Size: n, Stride: (n + 7) / 8}
		c.Bitmap = make([]byte, c.Stride*n)
		for y, r := range rows {
			for x, ch := range r {
				if ch == '#' {
					c.Bitmap[y*c.Stride+x/8] |= 0x80 >> (x % 8)
				}
			}
		}
		return c
	}
	// Checkerboard: no runs, no blocks, 13 of 25 dark (52 %, under 5 % off).
	assert.Equal(t, 0, qrPenalty(code("#.#.#", ".#.#.", "#.#.#", ".#.#.", "#.#.#")))
	// All light: N1 3 for each of 5 rows and 5 columns, N2 16 blocks, N4 100 %→ 10×10.
	assert.Equal(t, 10*3+16*3+100, qrPenalty(code(".....", ".....", ".....", ".....", ".....")))
}
