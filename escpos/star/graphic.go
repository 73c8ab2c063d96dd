package star

import (
	"image"
	"strconv"
)

// GraphicTicket is the paper of one Star Graphic ticket, as the printer
// would print it: the raster rows (1 = black) and how the ticket ended.
type GraphicTicket struct {
	Width int      // dots
	Rows  [][]byte // one per dot row, (Width+7)/8 bytes, MSB leftmost
	EOT   string   // the EOT mode in force at ESC FF EOT ("13": cut feed, partial cut)
}

// Image draws the ticket one pixel per dot, black on white.
func (t *GraphicTicket) Image() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, t.Width, max(len(t.Rows), 1)))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	for y, row := range t.Rows {
		for x := 0; x < t.Width && x/8 < len(row); x++ {
			if row[x/8]&(0x80>>(x%8)) != 0 {
				img.Pix[y*img.Stride+x] = 0
			}
		}
	}
	return img
}

// GraphicTickets replays the raster commands of a decoded Star Graphic
// stream on a head width dots wide: rows (data past the head is dropped, as
// the printer drops it), ESC * r Y feeds, and one ticket per ESC FF EOT (or
// per quit of raster mode with rows pending).
func GraphicTickets(cmds []Command, width int) []*GraphicTicket {
	var out []*GraphicTicket
	stride := (width + 7) / 8
	cur := &GraphicTicket{Width: width}
	eot := "13" // the specification's initial value
	flush := func() {
		cur.EOT = eot
		out = append(out, cur)
		cur = &GraphicTicket{Width: width}
	}
	for i := range cmds {
		c := &cmds[i]
		if c.Err != nil {
			continue
		}
		switch c.Name {
		case "b":
			row := make([]byte, stride)
			copy(row, c.Data)
			cur.Rows = append(cur.Rows, row)
		case "ESC * r Y":
			n, _ := strconv.Atoi(c.Text)
			for range min(n, 1<<16) {
				cur.Rows = append(cur.Rows, make([]byte, stride))
			}
		case "ESC * r E":
			eot = c.Text
		case "ESC FF EOT":
			flush()
		case "ESC * r B":
			if len(cur.Rows) > 0 {
				flush()
			}
		}
	}
	return out
}
