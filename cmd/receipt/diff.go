package main

import (
	"bytes"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"

	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/escpos/paper"
	"github.com/secuprint/receipt/printers"
)

// Exit codes of diff, as diff(1) has them.
const (
	diffSame    = 0
	diffDiffer  = 1
	diffTrouble = 2 // bad command line, unreadable input, output not written
)

// runDiff compares two ESC/POS streams command by command: an aligned
// disassembly diff, and with -png both tickets side by side.
func runDiff(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("printer-model", "default", "printer model `ID` the streams are for (code pages, paper width)")
	context := fs.Int("context", 3, "unchanged commands shown around each change")
	pngOut := fs.String("png", "", "write both streams' paper side by side to `FILE`, changed rows marked red")
	quiet := fs.Bool("q", false, "print nothing; only the exit code tells")
	// parseFlags's codes are diff's: 0 after -h, 2 (diffTrouble) for a bad flag.
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	trouble := func(err error) int {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return diffTrouble
	}
	if fs.NArg() != 2 {
		return trouble(fmt.Errorf("want two files A and B, got %d arguments", fs.NArg()))
	}
	if *context < 0 {
		return trouble(fmt.Errorf("-context %d is negative", *context))
	}
	p, err := printers.Lookup(*model)
	if err != nil {
		return trouble(err)
	}
	var data [2][]byte
	for i := range data {
		if data[i], err = os.ReadFile(fs.Arg(i)); err != nil {
			return trouble(err)
		}
	}
	a, b := decode.Decode(data[0], p), decode.Decode(data[1], p)
	edits := decode.DiffCommands(a, b)
	same := decode.Same(edits)
	if !*quiet && !same {
		var out bytes.Buffer
		fmt.Fprintf(&out, "--- %s\t%d bytes, %d commands\n+++ %s\t%d bytes, %d commands\n",
			fs.Arg(0), len(data[0]), len(a), fs.Arg(1), len(data[1]), len(b))
		out.Write(decode.AppendDiff(nil, a, b, *context))
		fmt.Fprintf(&out, "%s\n", decode.DiffSummary(edits))
		if _, err := stdout.Write(out.Bytes()); err != nil {
			return trouble(err)
		}
	}
	if *pngOut != "" {
		img, rows := paper.DiffImage(paper.Interpret(a, p, paper.Options{}).Tickets, paper.Interpret(b, p, paper.Options{}).Tickets)
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			return trouble(err)
		}
		if err := os.WriteFile(*pngOut, buf.Bytes(), 0o644); err != nil {
			return trouble(err)
		}
		if !*quiet {
			fmt.Fprintf(stdout, "paper: %d dot rows differ; %s\n", rows, *pngOut)
		}
	}
	if same {
		return diffSame
	}
	return diffDiffer
}
