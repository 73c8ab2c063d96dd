package paper

import (
	"image"
	"image/draw"
	"strconv"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
)

func (e *engine) putRune(r rune) {
	if r != ' ' && !hasGlyph(r) {
		e.problem("no glyph for %U %q; printed as a box", r, r)
	}
	w, _ := e.cellSize(e.style)
	if e.lineX+w > e.width() && !e.lineEmpty() {
		e.flushLine(false) // the printer prints the full line and goes on
	}
	e.line = append(e.line, Cell{R: r, Style: e.style, X: e.lineX})
	e.lineX += w + e.charSp*int(e.style.Width)
	e.hasText = true
}

// lineEmpty: at the beginning of a line, where Epson takes the commands
// that shape a line (ESC a, ESC {, GS L, GS W).
func (e *engine) lineEmpty() bool {
	return len(e.line) == 0 && len(e.inline) == 0 && !e.hasText && e.lineX == 0
}

func (e *engine) tab() {
	w := e.ticket.cellW[escpos.FontA]
	stops := e.tabs
	if stops == nil {
		for i := 8; i*w < e.width(); i += 8 {
			stops = append(stops, i)
		}
	}
	for _, s := range stops {
		if x := s * w; x > e.lineX {
			if x <= e.width() {
				e.lineX = x
				e.hasText = true
			}
			return
		}
	}
}

// flushLine prints the line buffer. An empty buffer prints nothing unless
// feed is set, when it advances the paper by one line (LF on an empty line).
func (e *engine) flushLine(feed bool) {
	if len(e.line) == 0 && len(e.inline) == 0 && !feed && !e.hasText {
		e.lineX = 0
		return
	}
	h := e.spacing
	if h == 0 {
		h = e.defaultSpacing()
	}
	ink := 0
	for _, c := range e.line {
		if _, ch := e.cellSize(c.Style); ch > ink {
			ink = ch
		}
	}
	used := e.lineX
	for _, p := range e.inline {
		ink = max(ink, p.img.Bounds().Dy())
		used = max(used, p.x+p.img.Bounds().Dx())
	}
	// A line taller than the spacing feeds its own height.
	h = max(h, ink)
	cells := make([]Cell, len(e.line))
	copy(cells, e.line)
	shift := e.margin + e.alignShift(used)
	for i := range cells {
		cells[i].X += shift
	}
	l := Line{Cells: cells, Height: h, Ink: ink, Upside: e.upside}
	if len(e.inline) > 0 {
		l.Image, l.X = e.inlineImage(ink)
		l.X += shift
		l.Label = "bit image " + strconv.Itoa(l.Image.Bounds().Dx()) + "x" + strconv.Itoa(ink)
		l.stripe = len(cells) == 0
	}
	e.addLine(l)
	e.line = e.line[:0]
	e.inline = e.inline[:0]
	e.lineX = 0
	e.hasText = false
}

// inlineImage joins the line's ESC * images into one, returning it and its
// left edge relative to the margin.
func (e *engine) inlineImage(h int) (*image.Gray, int) {
	x0, x1 := e.inline[0].x, 0
	for _, p := range e.inline {
		x0 = min(x0, p.x)
		x1 = max(x1, p.x+p.img.Bounds().Dx())
	}
	img := blank(x1-x0, h)
	for _, p := range e.inline {
		draw.Draw(img, p.img.Bounds().Add(image.Pt(p.x-x0, 0)), p.img, image.Point{}, draw.Src)
	}
	return img, x0
}

func (e *engine) alignShift(used int) int {
	free := e.width() - used
	switch e.align {
	case 1:
		return max(free/2, 0)
	case 2:
		return max(free, 0)
	}
	return 0
}

func (e *engine) addLine(l Line) {
	if e.ticket.height+l.Height > maxTicketDots {
		if len(e.res.Problems) == 0 || e.res.Problems[len(e.res.Problems)-1].Message != "ticket too long" {
			e.problem("ticket too long")
		}
		return
	}
	pr := e.ticket.Printed
	if n := len(pr); n > 0 && l.stripe && pr[n-1].stripe && !l.Upside && !pr[n-1].Upside {
		// ESC * stripes printed edge to edge (ESC 3 24 and 24-dot stripes)
		// are one picture on paper: keep them as one image.
		p := &pr[n-1]
		if a, b := p.Image.Bounds(), l.Image.Bounds(); p.Height == a.Dy() && p.X == l.X && a.Dx() == b.Dx() {
			joined := blank(a.Dx(), a.Dy()+b.Dy())
			copy(joined.Pix, p.Image.Pix)
			copy(joined.Pix[len(p.Image.Pix):], l.Image.Pix)
			p.Image = joined
			p.Height += l.Height
			p.Ink = joined.Bounds().Dy()
			p.Label = "bit image " + strconv.Itoa(a.Dx()) + "x" + strconv.Itoa(p.Ink)
			e.ticket.height += l.Height
			return
		}
	}
	e.ticket.Printed = append(e.ticket.Printed, l)
	e.ticket.height += l.Height
}

func (e *engine) feed(dots int) {
	if dots > 0 {
		e.addLine(Line{Height: dots, feed: true})
	}
}

func (e *engine) cut(c *decode.Command) {
	e.flushLine(false)
	mode := escpos.CutFull
	switch c.Arg(0) {
	case 1, 49, 66, 98, 104:
		mode = escpos.CutPartial
	}
	if c.Op == decode.OpLegacyCut {
		mode = escpos.CutPartial
	}
	if c.Op == decode.OpCut && len(c.Args) == 2 {
		e.feed(e.vdots(c.Arg(1)))
	}
	if !inked(e.ticket) {
		// A cut with nothing printed since the last one (a bare trailing
		// cut) cuts off blank paper, not a ticket.
		e.newTicket()
		return
	}
	e.ticket.Cut = mode
	e.res.Tickets = append(e.res.Tickets, e.ticket)
	e.newTicket()
}
