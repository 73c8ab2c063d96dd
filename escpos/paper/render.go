package paper

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"sort"
	"strings"
)

var grayBlack = color.Gray{Y: black}

// Lines returns each printed text line as plain text, placed in font-A
// columns as on paper: leading spaces where the line is centred or right
// aligned, and a magnified character followed by spaces for the columns it
// covers. Images show as their label in brackets; pure paper feeds are left
// out. Trailing spaces are trimmed.
func (t *Ticket) Lines() []string {
	var out []string
	for _, l := range t.Printed {
		switch {
		case l.Image != nil:
			out = append(out, "["+l.Label+"]")
		case l.Cells == nil && l.feed:
			continue
		default:
			out = append(out, strings.TrimRight(t.plain(l), " "))
		}
	}
	return out
}

// visible returns the cells of a line in column order as the text views
// show them: where ESC $ or ESC \ moved back and a cell prints over
// another, the later one is shown.
func (t *Ticket) visible(cells []Cell) []Cell {
	sorted := true
	for i := 1; i < len(cells); i++ {
		if cells[i].X < cells[i-1].X+t.span(cells[i-1])*t.cellW[0] {
			sorted = false
			break
		}
	}
	if sorted {
		return cells
	}
	base := t.cellW[0]
	last := map[int]int{} // column -> index of the last cell starting there
	for i, c := range cells {
		last[c.X/base] = i
	}
	out := make([]Cell, 0, len(cells))
	for i, c := range cells {
		if last[c.X/base] == i {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].X < out[j].X })
	// Drop cells a wider cell before them covers.
	kept, end := out[:0], 0
	for _, c := range out {
		if c.X/base >= end {
			kept = append(kept, c)
			end = c.X/base + t.span(c)
		}
	}
	return kept
}

// span is how many font-A columns a cell covers.
func (t *Ticket) span(c Cell) int {
	return max(t.cellW[c.Style.Font%3]*int(c.Style.Width)/t.cellW[0], 1)
}

func (t *Ticket) plain(l Line) string {
	var sb strings.Builder
	col := 0
	base := t.cellW[0]
	for _, c := range t.visible(l.Cells) {
		for at := c.X / base; col < at; col++ {
			sb.WriteByte(' ')
		}
		sb.WriteRune(c.R)
		span := max(t.cellW[c.Style.Font%3]*int(c.Style.Width)/base, 1)
		for i := 1; i < span; i++ {
			sb.WriteByte(' ')
		}
		col += span
	}
	return sb.String()
}

// Text returns the ticket with style markup (see the package comment).
func (t *Ticket) Text() string {
	var sb strings.Builder
	for _, l := range t.Printed {
		switch {
		case l.Image != nil && len(l.Cells) == 0:
			sb.WriteString("[" + l.Label + "]\n")
			continue
		case l.Image != nil:
			sb.WriteString("[" + l.Label + "] ")
		case l.Cells == nil && l.feed:
			continue
		}
		if l.Upside {
			sb.WriteString("[upside]")
		}
		col := 0
		base := t.cellW[0]
		var cur Style
		open := false
		closeRun := func() {
			if open {
				sb.WriteString(closeTags(cur))
				open = false
			}
		}
		for _, c := range t.visible(l.Cells) {
			at := c.X / base
			if at > col || c.Style != cur {
				closeRun()
			}
			for ; col < at; col++ {
				sb.WriteByte(' ')
			}
			if !open {
				cur = c.Style
				sb.WriteString(openTags(cur))
				open = true
			}
			sb.WriteRune(c.R)
			col += max(t.cellW[c.Style.Font%3]*int(c.Style.Width)/base, 1)
		}
		closeRun()
		if l.Upside {
			sb.WriteString("[/upside]")
		}
		sb.WriteByte('\n')
	}
	if t.Cut != 0 {
		sb.WriteString("--- cut (" + t.Cut.String() + ") ---\n")
	}
	return sb.String()
}

func openTags(s Style) string {
	var b strings.Builder
	if s.Width > 1 || s.Height > 1 {
		fmt.Fprintf(&b, "[%dx%d]", s.Width, s.Height)
	}
	if s.Reverse {
		b.WriteString("[rev]")
	}
	if s.Italic {
		b.WriteString("[i]")
	}
	if s.Bold {
		b.WriteString("**")
	}
	if s.Underline > 0 {
		b.WriteString("__")
	}
	return b.String()
}

func closeTags(s Style) string {
	var b strings.Builder
	if s.Underline > 0 {
		b.WriteString("__")
	}
	if s.Bold {
		b.WriteString("**")
	}
	if s.Italic {
		b.WriteString("[/i]")
	}
	if s.Reverse {
		b.WriteString("[/rev]")
	}
	if s.Width > 1 || s.Height > 1 {
		fmt.Fprintf(&b, "[/%dx%d]", s.Width, s.Height)
	}
	return b.String()
}

// Image draws the ticket at the printer's resolution, one pixel per dot.
func (t *Ticket) Image() *image.Gray {
	h := 0
	for _, l := range t.Printed {
		h += l.Height
	}
	img := blank(t.WidthDots, max(h, 1))
	y := 0
	for _, l := range t.Printed {
		dst, top := img, y
		if l.Upside {
			// Draw the line on its own strip and turn that by 180°.
			dst, top = blank(t.WidthDots, max(l.Height, 1)), 0
		}
		if l.Image != nil {
			draw.Draw(dst, l.Image.Bounds().Add(image.Pt(l.X, top)), l.Image, image.Point{}, draw.Src)
		}
		ink := l.Ink
		if ink == 0 {
			ink = l.Height
		}
		for _, c := range l.Cells {
			t.drawCell(dst, c, top+ink)
		}
		if l.Upside {
			rotate180(dst, img, y)
		}
		y += l.Height
	}
	return img
}

// rotate180 copies src turned by 180° into dst at row y; the ink stays
// at the top of the line, as the printer prints it before feeding.
func rotate180(src, dst *image.Gray, y int) {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	for sy := 0; sy < h; sy++ {
		for sx := 0; sx < w; sx++ {
			if src.Pix[sy*src.Stride+sx] == black {
				dst.SetGray(w-1-sx, y+h-1-sy, grayBlack)
			}
		}
	}
}

// drawCell draws c with its bottom at baseline (cells of one line share it).
func (t *Ticket) drawCell(img *image.Gray, c Cell, bottom int) {
	f := c.Style.Font % 3
	w, h := t.cellW[f], t.cellH[f]
	mw, mh := int(c.Style.Width), int(c.Style.Height)
	g := glyph(c.R, w, h)
	top := bottom - h*mh
	ink := func(x, y int) {
		img.SetGray(c.X+x, top+y, grayBlack)
	}
	if c.Style.Reverse {
		fill(img, c.X, top, w*mw, h*mh)
		ink = func(x, y int) { img.SetGray(c.X+x, top+y, color.Gray{Y: white}) }
	}
	for gy := 0; gy < h; gy++ {
		for gx := 0; gx < w; gx++ {
			on := g.Pix[g.PixOffset(gx, gy)] != 0
			if c.Style.Bold && gx > 0 && g.Pix[g.PixOffset(gx-1, gy)] != 0 {
				on = true
			}
			if !on {
				continue
			}
			sx := gx * mw
			if c.Style.Italic {
				sx += (h - gy) * mw / 5 // a slant of about 11°
			}
			for dy := 0; dy < mh; dy++ {
				for dx := 0; dx < mw; dx++ {
					ink(sx+dx, gy*mh+dy)
				}
			}
		}
	}
	for u := 0; u < int(c.Style.Underline); u++ {
		for x := 0; x < w*mw; x++ {
			ink(x, h*mh-1-u)
		}
	}
}

// PNG writes the ticket image. The bytes depend only on the ticket, so PNGs
// can serve as golden files.
func (t *Ticket) PNG(w io.Writer) error {
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	if err := enc.Encode(w, t.Image()); err != nil {
		return fmt.Errorf("paper: %w", err)
	}
	return nil
}

// HTML writes one self-contained page: each ticket as its image and as
// styled text, with no external resources.
func HTML(w io.Writer, title string, tickets []*Ticket) error {
	var b bytes.Buffer
	b.WriteString("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>")
	b.WriteString(html.EscapeString(title))
	b.WriteString(`</title><style>
body{font-family:sans-serif;background:#eee}
.ticket{display:inline-block;vertical-align:top;margin:1em;background:#fff;padding:8px;box-shadow:0 1px 4px #999}
.ticket img{display:block;image-rendering:pixelated}
pre{font:14px/1.3 monospace;margin:8px 0 0}
.b{font-weight:bold}.u{text-decoration:underline}.r{background:#000;color:#fff}.i{font-style:italic}
.w2{letter-spacing:.6em}.h2{font-size:1.6em}.cut{color:#888}
</style></head><body>
`)
	for i, t := range tickets {
		var img bytes.Buffer
		if err := t.PNG(&img); err != nil {
			return err
		}
		fmt.Fprintf(&b, "<div class=\"ticket\" id=\"ticket-%d\"><img alt=\"ticket %d\" src=\"data:image/png;base64,", i+1, i+1)
		b.WriteString(base64.StdEncoding.EncodeToString(img.Bytes()))
		b.WriteString("\"><pre>")
		t.appendHTML(&b)
		b.WriteString("</pre></div>\n")
	}
	b.WriteString("</body></html>\n")
	_, err := w.Write(b.Bytes())
	if err != nil {
		return fmt.Errorf("paper: %w", err)
	}
	return nil
}

func (t *Ticket) appendHTML(b *bytes.Buffer) {
	base := t.cellW[0]
	for _, l := range t.Printed {
		switch {
		case l.Image != nil:
			b.WriteString("[" + html.EscapeString(l.Label) + "]\n")
			continue
		case l.Cells == nil && l.feed:
			continue
		}
		col := 0
		for _, c := range t.visible(l.Cells) {
			for at := c.X / base; col < at; col++ {
				b.WriteByte(' ')
			}
			var cls []string
			if c.Style.Bold {
				cls = append(cls, "b")
			}
			if c.Style.Underline > 0 {
				cls = append(cls, "u")
			}
			if c.Style.Reverse {
				cls = append(cls, "r")
			}
			if c.Style.Italic {
				cls = append(cls, "i")
			}
			if c.Style.Width > 1 {
				cls = append(cls, "w2")
			}
			if c.Style.Height > 1 {
				cls = append(cls, "h2")
			}
			ch := html.EscapeString(string(c.R))
			if len(cls) > 0 {
				ch = "<span class=\"" + strings.Join(cls, " ") + "\">" + ch + "</span>"
			}
			b.WriteString(ch)
			col += max(t.cellW[c.Style.Font%3]*int(c.Style.Width)/base, 1)
		}
		b.WriteByte('\n')
	}
	if t.Cut != 0 {
		b.WriteString("<span class=\"cut\">--- cut (" + t.Cut.String() + ") ---</span>\n")
	}
}
