package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/escpos/star"
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
	language := fs.String("language", "", "command language of the stream: escpos, star-line, star-prnt or star-graphic (default: the model's)")
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
	lang := p.Language
	if *language != "" {
		if lang, err = escpos.ParseLanguage(*language); err != nil {
			return fail(stderr, usageError{err})
		}
	}
	if lang != escpos.LanguageESCPOS {
		return writeDecoded(stdout, stderr, *output, *format == "json", *strict, star.Decode(data, p),
			star.AppendDisassembly, func(c star.Command) error { return c.Err })
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

// writeDecoded writes commands of any language as disassembly or JSON and
// says how many have problems.
func writeDecoded[C any](stdout, stderr io.Writer, path string, asJSON, strict bool, cmds []C,
	disasm func([]byte, []C) []byte, errOf func(C) error) int {
	var out []byte
	if asJSON {
		var err error
		if out, err = json.MarshalIndent(cmds, "", "  "); err != nil {
			return fail(stderr, err)
		}
		out = append(out, '\n')
	} else {
		out = disasm(nil, cmds)
	}
	if err := writeOutput(path, stdout, out); err != nil {
		return fail(stderr, err)
	}
	problems := 0
	for _, c := range cmds {
		if errOf(c) != nil {
			problems++
		}
	}
	if problems > 0 {
		fmt.Fprintf(stderr, "warning: %d of %d commands have problems\n", problems, len(cmds))
		if strict {
			return exitFailure
		}
	}
	return exitOK
}
