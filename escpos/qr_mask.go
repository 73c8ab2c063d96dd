package escpos

import (
	"fmt"

	"rsc.io/qr/coding"
)

// encodeQR encodes data at version v and level l with the mask the QR
// standard (ISO/IEC 18004, 7.8.3) picks: the one of the eight whose symbol
// scores the lowest penalty. rsc.io/qr.Encode always takes mask 0 ("TODO:
// pick appropriate mask"); a printer's native QR applies the rule, so the
// picture fallback does too.
func encodeQR(enc coding.Encoding, v coding.Version, l coding.Level) (*coding.Code, error) {
	var best *coding.Code
	bestScore := 0
	for m := coding.Mask(0); m < 8; m++ {
		p, err := coding.NewPlan(v, l, m)
		if err != nil {
			return nil, fmt.Errorf("escpos: qr: %w", err)
		}
		c, err := p.Encode(enc)
		if err != nil {
			return nil, fmt.Errorf("escpos: qr: %w", err)
		}
		if s := qrPenalty(c); best == nil || s < bestScore {
			best, bestScore = c, s
		}
	}
	return best, nil
}

// qrPenalty scores a symbol by the standard's four rules: N1 runs of five
// or more modules of one colour in a row or column (3, plus 1 for each
// module past five), N2 2×2 blocks of one colour (3 each), N3 the finder-like
// pattern 1:1:3:1:1 with four light modules on either side (40 each), N4
// the dark share's distance from 50 % (10 for each whole 5 %).
func qrPenalty(c *coding.Code) int {
	n := c.Size
	dark := func(x, y int) bool { return c.Black(x, y) }
	score := 0
	// N1 and N3, along rows (t = false) and columns (t = true).
	for _, t := range []bool{false, true} {
		at := func(i, j int) bool {
			if t {
				return dark(i, j)
			}
			return dark(j, i)
		}
		for i := 0; i < n; i++ {
			run := 1
			for j := 1; j <= n; j++ {
				if j < n && at(i, j) == at(i, j-1) {
					run++
					continue
				}
				if run >= 5 {
					score += 3 + run - 5
				}
				run = 1
			}
			for j := 0; j+7 <= n; j++ {
				if !(at(i, j) && !at(i, j+1) && at(i, j+2) && at(i, j+3) && at(i, j+4) && !at(i, j+5) && at(i, j+6)) {
					continue
				}
				light := func(from, to int) bool {
					if from < 0 || to > n {
						return false
					}
					for k := from; k < to; k++ {
						if at(i, k) {
							return false
						}
					}
					return true
				}
				if light(j-4, j) || light(j+7, j+11) {
					score += 40
				}
			}
		}
	}
	// N2 and the dark count for N4.
	blacks := 0
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if dark(x, y) {
				blacks++
			}
			if x+1 < n && y+1 < n {
				d := dark(x, y)
				if dark(x+1, y) == d && dark(x, y+1) == d && dark(x+1, y+1) == d {
					score += 3
				}
			}
		}
	}
	pct := blacks * 100 / (n * n)
	dev := pct - 50
	if dev < 0 {
		dev = -dev
	}
	return score + dev/5*10
}

// QRCode is a QR symbol's modules, without its quiet zone.
type QRCode struct{ c *coding.Code }

// Size is the symbol's side in modules.
func (c QRCode) Size() int { return c.c.Size }

// Black reports whether the module at x, y is dark.
func (c QRCode) Black(x, y int) bool { return c.c.Black(x, y) }

// EncodeQR encodes data as a printer's native QR does and NewQRRaster
// draws it: one encoding mode, the smallest version, the mask by the
// standard's penalty rules. The virtual printer draws GS ( k with it.
func EncodeQR(data string, level QRLevel) (QRCode, error) {
	_, enc, v, err := QR{Data: data, Level: level, Module: 1}.plan()
	if err != nil {
		return QRCode{}, err
	}
	c, err := encodeQR(enc, v, coding.Level(level))
	return QRCode{c}, err
}
