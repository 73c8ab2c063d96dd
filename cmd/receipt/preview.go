package main

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"io"
	"os"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/escpos/star"
	"github.com/secuprint/receipt/printers/virtual/paper"
	"github.com/secuprint/receipt/receipt"
)

// runPreview renders a transaction to ESC/POS and feeds those very bytes to
// the virtual printer, so a preview shows what printing would put on paper.
// Given captured ESC/POS bytes instead (-raw, or input that is not JSON), it
// shows what those print on the chosen model.
func runPreview(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	rf := newRenderFlags("preview", stdout, stderr)
	rf.fs.StringVar(&rf.output, "o", "", "write the preview to `FILE` (default stdout)")
	format := rf.fs.String("format", "text", "preview format: text, png or html")
	raw := rf.fs.Bool("raw", false, "the input is ESC/POS bytes (captured from a program or printer), not a transaction; input that does not start with { or [ is taken as such anyway")
	if code := rf.parse(args); code >= 0 {
		return code
	}
	rf.preview = true
	switch *format {
	case "text", "png", "html":
	default:
		return fail(stderr, usageError{fmt.Errorf("unknown format %q: want text, png or html", *format)})
	}
	if *format == "png" && (rf.output == "" || rf.output == "-") && isTerminal(stdout) {
		return fail(stderr, usageError{errors.New("-format png writes a picture: give -o FILE.png, or redirect standard output to a file")})
	}
	opt, err := rf.options()
	if err != nil {
		return fail(stderr, usageError{err})
	}
	data, err := previewInput(rf, stdin)
	if err != nil {
		return fail(stderr, err)
	}
	if *raw || !looksLikeJSON(data) {
		if rf.profile.Language != escpos.LanguageESCPOS {
			// Star bytes: the paper engine draws their ESC/POS equivalent.
			data = star.ToESCPOS(star.Decode(data, rf.profile))
		}
		res := paper.Print(data, opt.Profile)
		for _, p := range res.Problems {
			fmt.Fprintf(stderr, "warning: virtual printer: %v\n", p)
		}
		out, err := showTickets(res.Tickets, *format, true)
		if err != nil {
			return fail(stderr, err)
		}
		if err := writeOutput(rf.output, stdout, out); err != nil {
			return fail(stderr, err)
		}
		return exitOK
	}
	return renderWith(rf, bytes.NewReader(data), stdout, stderr, func(r *receipt.Renderer, tx *receipt.Transaction) ([]byte, receipt.Report, error) {
		job, rep, err := rf.render(r, tx)
		if err != nil {
			return nil, rep, err
		}
		// With -logo stored the printer holds the logos already: the
		// preview's printer is given them first, as its NV memory.
		store := paper.NewStore()
		if rf.logo == "stored" && len(rep.Logos) > 0 {
			define, err := receipt.AppendDefineLogos(nil, rep.Logos)
			if err != nil {
				return nil, rep, err
			}
			paper.Interpret(decode.Decode(define, opt.Profile), opt.Profile, paper.Options{Store: store})
		}
		res := paper.Interpret(decode.Decode(job, opt.Profile), opt.Profile, paper.Options{Store: store})
		for _, p := range res.Problems {
			fmt.Fprintf(stderr, "warning: virtual printer: %v\n", p)
		}
		out, err := showTickets(res.Tickets, *format, false)
		return out, rep, err
	})
}

// previewInput reads the one FILE argument or stdin. A transaction read
// from a file is read again by renderWith; stdin is handed on as bytes.
func previewInput(rf *renderFlags, stdin io.Reader) ([]byte, error) {
	switch {
	case rf.fs.NArg() > 1:
		return nil, usageError{fmt.Errorf("want one FILE, got %d arguments", rf.fs.NArg())}
	case rf.fs.NArg() == 0 || rf.fs.Arg(0) == "-":
		return io.ReadAll(stdin)
	}
	return os.ReadFile(rf.fs.Arg(0))
}

// looksLikeJSON: a transaction is a JSON object (or the bare receipt array).
func looksLikeJSON(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n\ufeff")
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// showTickets formats tickets as text, PNG or HTML. A PNG of a transaction
// holds one ticket; captured bytes show all their tickets, one below the
// other with the cuts marked.
func showTickets(tickets []*paper.Ticket, format string, strip bool) ([]byte, error) {
	var out bytes.Buffer
	switch format {
	case "png":
		if strip {
			if err := png.Encode(&out, paper.Strip(tickets)); err != nil {
				return nil, err
			}
			break
		}
		// A PNG holds one ticket; cutting between sections makes several.
		if len(tickets) != 1 {
			return nil, fmt.Errorf("the job printed %d tickets; a PNG holds one (use -format html, or -cut-sections off)", len(tickets))
		}
		if err := tickets[0].PNG(&out); err != nil {
			return nil, err
		}
	case "html":
		if err := paper.HTML(&out, "receipt preview", tickets); err != nil {
			return nil, err
		}
	default:
		for _, t := range tickets {
			out.WriteString(t.Text())
		}
	}
	return out.Bytes(), nil
}
