package server

import (
	"bytes"
	"errors"
	"image"
	"image/draw"
	"image/png"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/paper"
	"github.com/secuprint/receipt/receipt"
)

// JobPNG returns a PulledPrinter.PNG for printers of profile p: the job's
// bytes drawn by the paper engine through the job preview's own path
// (receipt.Preview, which reads a Star job too). A job of several
// tickets (copies) is one picture, the tickets one below the other: a
// CloudPRNT client prints a picture as one job.
func JobPNG(p *escpos.Profile) func([]byte) ([]byte, error) {
	return func(b []byte) ([]byte, error) {
		res := receipt.Preview(b, p, paper.Options{})
		if len(res.Tickets) == 0 {
			return nil, errors.New("the job prints nothing")
		}
		imgs := make([]*image.Gray, len(res.Tickets))
		w, h := 0, 0
		for i, t := range res.Tickets {
			imgs[i] = t.Image()
			w, h = max(w, imgs[i].Bounds().Dx()), h+imgs[i].Bounds().Dy()
		}
		all := imgs[0]
		if len(imgs) > 1 {
			all = image.NewGray(image.Rect(0, 0, w, h))
			draw.Draw(all, all.Bounds(), image.White, image.Point{}, draw.Src)
			y := 0
			for _, im := range imgs {
				draw.Draw(all, im.Bounds().Add(image.Pt(0, y)), im, im.Bounds().Min, draw.Src)
				y += im.Bounds().Dy()
			}
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, all); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
}
