package paper

import (
	"hash/fnv"
	"image"
	"image/color"
	"image/draw"

	"github.com/secuprint/receipt/escpos/decode"
)

// cutGap is the height of the dashed cut mark Strip draws between tickets.
const cutGap = 12

// Strip draws tickets one below the other, as they come off the roll, with
// a dashed line where the knife cut between them. No tickets make a 1-dot
// blank strip.
func Strip(tickets []*Ticket) *image.Gray { return stack(tickets, true) }

// Stack draws tickets one below the other with nothing between them: the
// picture a printer that prints pictures (a CloudPRNT client) is sent.
func Stack(tickets []*Ticket) *image.Gray { return stack(tickets, false) }

func stack(tickets []*Ticket, cutMarks bool) *image.Gray {
	if len(tickets) == 1 {
		return tickets[0].Image()
	}
	gap := 0
	if cutMarks {
		gap = cutGap
	}
	imgs := make([]*image.Gray, len(tickets))
	w, h := 1, 0
	for i, t := range tickets {
		imgs[i] = t.Image()
		w = max(w, imgs[i].Bounds().Dx())
		h += imgs[i].Bounds().Dy()
		if i > 0 {
			h += gap
		}
	}
	out := blank(w, max(h, 1))
	y := 0
	for i, img := range imgs {
		if i > 0 && cutMarks {
			for x := 0; x < w; x++ {
				if x%8 < 4 {
					out.Pix[(y+gap/2)*out.Stride+x] = black
				}
			}
			y += gap
		}
		draw.Draw(out, img.Bounds().Add(image.Pt(0, y)), img, image.Point{}, draw.Src)
		y += img.Bounds().Dy()
	}
	return out
}

// Colours of DiffImage.
var (
	diffMark  = color.RGBA{R: 0xE0, A: 0xFF}                   // a changed row, in the gutter
	diffTint  = color.RGBA{R: 0xFF, G: 0xD8, B: 0xD8, A: 0xFF} // paper of a changed row
	diffEmpty = color.RGBA{R: 0xC8, G: 0xC8, B: 0xC8, A: 0xFF} // no row on this side
	diffSep   = color.RGBA{R: 0x80, G: 0x80, B: 0x80, A: 0xFF} // between the two tickets
	diffInk   = color.RGBA{A: 0xFF}                            // black dots
	diffPaper = color.RGBA{R: 0xFF, G: 0xFF, B: 0xFF, A: 0xFF} // white paper
)

const diffGutter = 8

// DiffImage draws the paper of two streams side by side, A left and B
// right, rows aligned so that what both print faces itself: a row only one
// side prints faces grey, and every row that differs is tinted and marked
// red in the gutter beside it. It returns the image and how many dot rows
// differ (0: the paper is the same).
func DiffImage(a, b []*Ticket) (*image.RGBA, int) {
	ia, ib := Strip(a), Strip(b)
	ha, hb := rowHashes(ia), rowHashes(ib)
	edits := decode.Align(len(ha), len(hb), func(i, j int) bool { return ha[i] == hb[j] })
	pairs := pairRows(edits)
	wa, wb := ia.Bounds().Dx(), ib.Bounds().Dx()
	left, right := diffGutter, diffGutter+wa+2*diffGutter
	out := image.NewRGBA(image.Rect(0, 0, right+wb+diffGutter, max(len(pairs), 1)))
	draw.Draw(out, out.Bounds(), &image.Uniform{diffSep}, image.Point{}, draw.Src)
	changed := 0
	row := func(y int, img *image.Gray, sy, x0, w int, diff bool) {
		if sy < 0 {
			draw.Draw(out, image.Rect(x0, y, x0+w, y+1), &image.Uniform{diffEmpty}, image.Point{}, draw.Src)
			return
		}
		paper := diffPaper
		if diff {
			paper = diffTint
		}
		for x := 0; x < w; x++ {
			c := paper
			if x < img.Bounds().Dx() && img.Pix[sy*img.Stride+x] == black {
				c = diffInk
			}
			out.SetRGBA(x0+x, y, c)
		}
	}
	mark := func(y, x0 int) {
		draw.Draw(out, image.Rect(x0+2, y, x0+diffGutter-2, y+1), &image.Uniform{diffMark}, image.Point{}, draw.Src)
	}
	for y, p := range pairs {
		row(y, ia, p.a, left, wa, p.diff)
		row(y, ib, p.b, right, wb, p.diff)
		if p.diff {
			changed++
			mark(y, 0)
			mark(y, left+wa)
			mark(y, right-diffGutter)
			mark(y, right+wb)
		}
	}
	return out, changed
}

// rowPair is one output row of DiffImage: a row of A and one of B (-1:
// none on that side), and whether they differ.
type rowPair struct {
	a, b int
	diff bool
}

// minSameRun is the fewest equal rows that separate two changes: shorter
// runs (a blank row inside a changed text line) join the change around
// them, so a changed line faces its replacement whole.
const minSameRun = 8

// pairRows turns a row alignment into output rows: in each change, the
// k-th row only A has faces the k-th row only B has.
func pairRows(edits []decode.Edit) []rowPair {
	var out []rowPair
	var dels, ins []int
	flush := func() {
		for k := 0; k < max(len(dels), len(ins)); k++ {
			p := rowPair{a: -1, b: -1, diff: true}
			if k < len(dels) {
				p.a = dels[k]
			}
			if k < len(ins) {
				p.b = ins[k]
			}
			out = append(out, p)
		}
		dels, ins = dels[:0], ins[:0]
	}
	for i := 0; i < len(edits); {
		e := edits[i]
		if e.Kind != decode.Equal {
			if e.Kind == decode.Delete {
				dels = append(dels, e.A)
			} else {
				ins = append(ins, e.B)
			}
			i++
			continue
		}
		run := i
		for run < len(edits) && edits[run].Kind == decode.Equal {
			run++
		}
		inChange := len(dels)+len(ins) > 0
		if inChange && run < len(edits) && run-i < minSameRun {
			for _, q := range edits[i:run] {
				dels, ins = append(dels, q.A), append(ins, q.B)
			}
			i = run
			continue
		}
		flush()
		for _, q := range edits[i:run] {
			out = append(out, rowPair{a: q.A, b: q.B})
		}
		i = run
	}
	flush()
	return out
}

// rowHashes fingerprints each dot row.
func rowHashes(img *image.Gray) []uint64 {
	b := img.Bounds()
	out := make([]uint64, b.Dy())
	h := fnv.New64a()
	for y := 0; y < b.Dy(); y++ {
		h.Reset()
		_, _ = h.Write(img.Pix[y*img.Stride : y*img.Stride+b.Dx()]) // a hash.Hash never fails to write
		out[y] = h.Sum64()
	}
	return out
}
