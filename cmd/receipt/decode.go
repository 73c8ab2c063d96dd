package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/printers"
)

// runDecode disassembles an ESC/POS stream: one command per line, or JSON.
// It exits 0 even when the stream holds unknown or truncated commands (they
// are listed with their offsets), unless -strict is given.
func runDecode(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("decode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("printer-model", "default", "printer model `ID` whose code-page slots decode the text")
	format := fs.String("format", "text", "output format: text (disassembly) or json")
	output := fs.String("o", "", "write to `FILE` (default stdout)")
	strict := fs.Bool("strict", false, "exit 1 when any command is unknown, truncated or has a bad argument")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if *format != "text" && *format != "json" {
		return fail(stderr, usageError{fmt.Errorf("unknown format %q: want text or json", *format)})
	}
	p, err := printers.Lookup(*model)
	if err != nil {
		return fail(stderr, err)
	}
	var data []byte
	switch {
	case fs.NArg() > 1:
		return fail(stderr, usageError{fmt.Errorf("want one FILE, got %d arguments", fs.NArg())})
	case fs.NArg() == 0 || fs.Arg(0) == "-":
		data, err = io.ReadAll(stdin)
	default:
		data, err = os.ReadFile(fs.Arg(0))
	}
	if err != nil {
		return fail(stderr, err)
	}
	cmds := decode.Decode(data, p)
	var out []byte
	if *format == "json" {
		out, err = json.MarshalIndent(cmds, "", "  ")
		if err != nil {
			return fail(stderr, err)
		}
		out = append(out, '\n')
	} else {
		out = decode.AppendDisassembly(nil, cmds)
	}
	if err := writeOutput(*output, stdout, out); err != nil {
		return fail(stderr, err)
	}
	problems := 0
	for _, c := range cmds {
		if c.Err != nil {
			problems++
		}
	}
	if problems > 0 {
		fmt.Fprintf(stderr, "warning: %d of %d commands have problems\n", problems, len(cmds))
		if *strict {
			return exitFailure
		}
	}
	return exitOK
}
