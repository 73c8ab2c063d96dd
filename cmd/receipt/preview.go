package main

import (
	"bytes"
	"fmt"
	"io"

	"github.com/secuprint/receipt/printers/virtual/paper"
	"github.com/secuprint/receipt/receipt"
)

// runPreview renders a transaction to ESC/POS and feeds those very bytes to
// the virtual printer, so a preview shows what printing would put on paper.
func runPreview(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	rf := newRenderFlags("preview", "receipt preview [-printer-model ID] [-format png|html|text] [-font A|B] [-columns N] [-cut-sections MODE] [-cut MODE] [-o FILE] [FILE|-]", stderr)
	rf.fs.StringVar(&rf.output, "o", "", "write the preview to `FILE` (default stdout)")
	format := rf.fs.String("format", "text", "preview format: text, png or html")
	if code := rf.parse(args); code >= 0 {
		return code
	}
	switch *format {
	case "text", "png", "html":
	default:
		return fail(stderr, usageError{fmt.Errorf("unknown format %q: want text, png or html", *format)})
	}
	opt, err := rf.options()
	if err != nil {
		return fail(stderr, usageError{err})
	}
	return renderWith(rf, stdin, stdout, stderr, func(r *receipt.Renderer, tx *receipt.Transaction) ([]byte, receipt.Report, error) {
		job, rep, err := rf.render(r, tx)
		if err != nil {
			return nil, rep, err
		}
		res := paper.Print(job, opt.Profile)
		for _, p := range res.Problems {
			fmt.Fprintf(stderr, "warning: virtual printer: %v\n", p)
		}
		var out bytes.Buffer
		switch *format {
		case "png":
			// A PNG holds one ticket; cutting between sections makes several.
			if len(res.Tickets) != 1 {
				return nil, rep, fmt.Errorf("the job printed %d tickets; a PNG holds one (use -format html, or -cut-sections off)", len(res.Tickets))
			}
			if err := res.Tickets[0].PNG(&out); err != nil {
				return nil, rep, err
			}
		case "html":
			if err := paper.HTML(&out, "receipt preview", res.Tickets); err != nil {
				return nil, rep, err
			}
		default:
			for _, t := range res.Tickets {
				out.WriteString(t.Text())
			}
		}
		return out.Bytes(), rep, nil
	})
}
