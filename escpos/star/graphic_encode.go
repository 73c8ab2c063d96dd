package star

import (
	"fmt"
	"image"
	"strconv"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/escpos/paper"
)

// A Star Graphic printer (TSP100 to TSP100III) has no fonts: it prints
// raster rows, feeds and cuts. Its receipt is encoded as ESC/POS for its
// twin (ESCPOSTwin), drawn by the project's paper engine (escpos/paper) and
// sent as Star Graphic raster, so text, umlauts and € print as the paper
// engine draws them.

// AppendGraphic appends what p's Star Graphic printer takes to print job,
// ESC/POS encoded for ESCPOSTwin(p): the paper engine's drawing of it as
// raster, one ticket per cut, then the drawer kicks job orders (BEL for
// drawer 1, SUB for drawer 2), after the paper as the job orders them. A
// job the engine reports problems with is refused rather than printed
// wrong.
func AppendGraphic(dst, job []byte, p *escpos.Profile) ([]byte, error) {
	if p == nil || p.Language != escpos.LanguageStarGraphic {
		return dst, fmt.Errorf("star: graphic: profile %v does not speak Star Graphic", profileID(p))
	}
	twin := ESCPOSTwin(p)
	cmds := decode.Decode(job, twin)
	res := paper.Interpret(cmds, twin, paper.Options{})
	if len(res.Problems) > 0 {
		return dst, fmt.Errorf("star: %s: the job does not draw cleanly: %s", p.ID, res.Problems[0])
	}
	dst = AppendGraphicStart(dst)
	for _, t := range res.Tickets {
		dst = AppendGraphicTicket(dst, t.Image(), t.Cut)
	}
	dst = AppendGraphicEnd(dst)
	for _, c := range cmds {
		if c.Op == decode.OpPulse && len(c.Args) > 0 {
			if decode.DrawerPin(int(c.Args[0])) == 5 {
				dst = append(dst, SUB) // drawer 2
			} else {
				dst = append(dst, BEL) // drawer 1
			}
		}
	}
	return dst, nil
}

func profileID(p *escpos.Profile) string {
	if p == nil {
		return "nil"
	}
	return p.ID
}

// AppendGraphicStart appends ESC * r A (enter raster mode) and
// ESC * r P 0 NUL (continuous paper, no page length).
func AppendGraphicStart(b []byte) []byte {
	b = append(b, 0x1B, '*', 'r', 'A')
	return append(b, 0x1B, '*', 'r', 'P', '0', 0)
}

// AppendGraphicEnd appends ESC * r B: quit raster mode.
func AppendGraphicEnd(b []byte) []byte { return append(b, 0x1B, '*', 'r', 'B') }

// eotMode is ESC * r E's n for a cut: feed to the cutter, then cut (13
// partial, 9 full), or only feed to it (2).
func eotMode(c escpos.CutMode) string {
	switch c {
	case escpos.CutFull:
		return "9"
	case escpos.CutPartial:
		return "13"
	}
	return "2"
}

// AppendGraphicTicket appends one ticket: its EOT mode (ESC * r E n
// NUL), one "b nL nH d…" per dot row with ink (trailing white bytes left
// off), runs of white rows as ESC * r Y n NUL, and ESC FF EOT, which feeds
// and cuts as the EOT mode says. Trailing white rows are the cut feed's.
func AppendGraphicTicket(b []byte, img *image.Gray, cut escpos.CutMode) []byte {
	b = append(b, 0x1B, '*', 'r', 'E')
	b = append(b, eotMode(cut)...)
	b = append(b, 0)
	r := img.Bounds()
	w := r.Dx()
	row := make([]byte, (w+7)/8)
	white := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		clear(row)
		n := 0
		pix := img.Pix[(y-r.Min.Y)*img.Stride:]
		for x := 0; x < w; x++ {
			if pix[x] < 0x80 {
				row[x/8] |= 0x80 >> (x % 8)
				n = x/8 + 1
			}
		}
		if n == 0 {
			white++
			continue
		}
		b = appendFeedDots(b, white)
		white = 0
		b = append(b, 'b', byte(n), byte(n>>8))
		b = append(b, row[:n]...)
	}
	return append(b, 0x1B, 0x0C, 0x04)
}

// appendFeedDots appends ESC * r Y n NUL: feed n dot rows.
func appendFeedDots(b []byte, n int) []byte {
	if n == 0 {
		return b
	}
	b = append(b, 0x1B, '*', 'r', 'Y')
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, 0)
}
