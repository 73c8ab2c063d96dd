package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/secuprint/receipt/escpos/paper"
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
	switch *format {
	case "text", "png", "html":
	default:
		return fail(stderr, usageError{fmt.Errorf("unknown format %q: want text, png or html", *format)})
	}
	if *format == "png" && (rf.output == "" || rf.output == "-") && isTerminal(stdout) {
		return fail(stderr, usageError{errors.New("-format png writes a picture: give -o FILE.png, or redirect standard output to a file")})
	}
	if _, err := rf.options(); err != nil {
		return fail(stderr, usageError{err})
	}
	data, err := previewInput(rf, stdin)
	if err != nil {
		return fail(stderr, err)
	}
	f, _ := paper.ParseFormat(*format) // checked above
	if *raw || !looksLikeJSON(data) {
		res := receipt.Preview(data, rf.profile, paper.Options{})
		out, err := showTickets(stderr, res, f)
		if err != nil {
			return fail(stderr, err)
		}
		if err := writeOutput(rf.output, stdout, out); err != nil {
			return fail(stderr, err)
		}
		return exitOK
	}
	return renderWith(rf, bytes.NewReader(data), stdout, stderr, func(r *receipt.Renderer, tx *receipt.Transaction) ([]byte, receipt.Report, error) {
		// With -logo stored or define the preview's printer holds the
		// logos, as the real one does (or will).
		res, rep, err := r.PreviewTransaction(tx, paper.Options{})
		if err != nil {
			return nil, rep, err
		}
		out, err := showTickets(stderr, res, f)
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

// showTickets says the virtual printer's problems and shows its tickets:
// a PNG holds every ticket, the cuts marked (paper.Write).
func showTickets(stderr io.Writer, res *paper.Result, f paper.Format) ([]byte, error) {
	for _, p := range res.Problems {
		fmt.Fprintf(stderr, "warning: virtual printer: %v\n", p)
	}
	var out bytes.Buffer
	err := paper.Write(&out, f, "receipt preview", res.Tickets)
	return out.Bytes(), err
}
