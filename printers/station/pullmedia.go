package station

import (
	"bytes"
	"errors"
	"image/png"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/paper"
	"github.com/secuprint/receipt/printers/pull/cloudprnt"
	"github.com/secuprint/receipt/receipt"
)

// CloudPRNTMedia is what a CloudPRNT printer of profile p is served, best
// first: its own language when it speaks StarPRNT or Star Line Mode, and
// always the paper engine's picture. Like languageOf, it is a decision
// about the printer's language, so it lives here and not in an entrance.
func CloudPRNTMedia(p *escpos.Profile) []cloudprnt.MediaType {
	switch {
	case p != nil && p.Language == escpos.LanguageStarPRNT:
		return []cloudprnt.MediaType{cloudprnt.MediaStarPRNT, cloudprnt.MediaPNG}
	case p != nil && p.Language == escpos.LanguageStarLine:
		return []cloudprnt.MediaType{cloudprnt.MediaStarLine, cloudprnt.MediaPNG}
	}
	return []cloudprnt.MediaType{cloudprnt.MediaPNG}
}

// JobPNG returns what a printer of profile p that prints pictures is
// sent for a job: the job's bytes drawn by the one preview path
// (receipt.Preview, which reads a Star job too). A job of several tickets
// (copies) is one picture, the tickets one below the other without cut
// marks: a CloudPRNT client prints a picture as one job.
func JobPNG(p *escpos.Profile) func([]byte) ([]byte, error) {
	return func(b []byte) ([]byte, error) {
		res := receipt.Preview(b, p, paper.Options{})
		if len(res.Tickets) == 0 {
			return nil, errors.New("the job prints nothing")
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, paper.Stack(res.Tickets)); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
}
