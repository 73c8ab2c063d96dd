package printers

import (
	"fmt"
	"image"
	"strconv"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/escpos/paper"
	"github.com/secuprint/receipt/escpos/star"
)

// A Star Graphic printer (TSP100 to TSP100III) has no fonts: it prints
// raster rows, feeds and cuts. Its receipt is rendered as ESC/POS for a twin
// profile with the same dots (RenderProfile), drawn by the project's paper
// engine (escpos/paper), and sent as Star Graphic raster (Finish),
// so text, umlauts and € print as the paper engine draws them.

// RenderProfile is the profile to render a receipt for before Finish: p
// itself, or for a Star Graphic profile its ESC/POS twin (ESCPOSTwin).
func RenderProfile(p *escpos.Profile) *escpos.Profile {
	if p == nil || p.Language != escpos.LanguageStarGraphic {
		return p
	}
	return ESCPOSTwin(p)
}

// ESCPOSTwin is star.ESCPOSTwin.
//
// Deprecated: use star.ESCPOSTwin.
func ESCPOSTwin(p *escpos.Profile) *escpos.Profile { return star.ESCPOSTwin(p) }

// Finish turns a job rendered for RenderProfile(p) into what p's printer
// takes: the job itself for ESC/POS and Star Line Mode; for StarPRNT the job
// with the page flush (ESC GS P 0, ESC GS P 1) when it does not end with a
// cut, since a StarPRNT printer set to print by page prints only at a cut or
// the flush; for Star Graphic the paper engine's drawing of it as raster. A
// job the engine reports problems with is refused rather than printed wrong.
func Finish(p *escpos.Profile, job []byte) ([]byte, error) {
	if p == nil {
		return nil, fmt.Errorf("printers: finish: no profile")
	}
	switch p.Language {
	case escpos.LanguageStarGraphic:
	case escpos.LanguageStarPRNT:
		cmds := star.Decode(job, p)
		if n := len(cmds); n > 0 && cmds[n-1].Name == "ESC d" {
			return job, nil
		}
		return star.AppendPageFlush(job), nil
	default:
		return job, nil
	}
	twin := RenderProfile(p)
	cmds := decode.Decode(job, twin)
	res := paper.Interpret(cmds, twin, paper.Options{})
	if len(res.Problems) > 0 {
		return nil, fmt.Errorf("printers: %s: the job does not draw cleanly: %s", p.ID, res.Problems[0])
	}
	out := AppendStarGraphicStart(nil)
	for _, t := range res.Tickets {
		out = AppendStarGraphicTicket(out, t.Image(), t.Cut)
	}
	out = AppendStarGraphicEnd(out)
	// The drawer is kicked after the paper, as the ESC/POS job orders it.
	for _, c := range cmds {
		if c.Op == decode.OpPulse && len(c.Args) > 0 {
			if decode.DrawerPin(int(c.Args[0])) == 5 {
				out = append(out, 0x1A) // SUB: drawer 2
			} else {
				out = append(out, 0x07) // BEL: drawer 1
			}
		}
	}
	return out, nil
}

// AppendStarGraphicStart appends ESC * r A (enter raster mode) and
// ESC * r P 0 NUL (continuous paper, no page length).
func AppendStarGraphicStart(b []byte) []byte {
	b = append(b, 0x1B, '*', 'r', 'A')
	return append(b, 0x1B, '*', 'r', 'P', '0', 0)
}

// AppendStarGraphicEnd appends ESC * r B: quit raster mode.
func AppendStarGraphicEnd(b []byte) []byte { return append(b, 0x1B, '*', 'r', 'B') }

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

// AppendStarGraphicTicket appends one ticket: its EOT mode (ESC * r E n
// NUL), one "b nL nH d…" per dot row with ink (trailing white bytes left
// off), runs of white rows as ESC * r Y n NUL, and ESC FF EOT, which feeds
// and cuts as the EOT mode says. Trailing white rows are the cut feed's.
func AppendStarGraphicTicket(b []byte, img *image.Gray, cut escpos.CutMode) []byte {
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
