package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/receipt"
)

// renderFlags are the layout choices shared by every command that renders.
type renderFlags struct {
	model      string
	font       string
	columns    int
	sectionCut string
	endCut     string
	codePages  string
	template   string
	locale     string
	logo       string
	output     string
	fs         *flag.FlagSet
	stdout     io.Writer // where -h writes the help

	// profile is the printer's own: the renderer emits its language.
	profile *escpos.Profile
}

func newRenderFlags(name string, stdout, stderr io.Writer) *renderFlags {
	rf := &renderFlags{fs: flag.NewFlagSet(name, flag.ContinueOnError), stdout: stdout}
	fs := rf.fs
	fs.SetOutput(stderr)
	fs.StringVar(&rf.model, "printer-model", "default", "printer model `ID` (see 'receipt models')")
	fs.StringVar(&rf.font, "font", "A", "font A or B")
	fs.IntVar(&rf.columns, "columns", 0, "characters per line (0: the model's for the font)")
	fs.StringVar(&rf.sectionCut, "cut-sections", "off", "cut between receipt sections: off, partial or full")
	fs.StringVar(&rf.endCut, "cut", "partial", "cut after the receipt: off, partial or full")
	fs.StringVar(&rf.codePages, "code-pages", "", "use only these code pages, comma-separated (e.g. CP858), for a printer whose tables differ from its model's")
	fs.StringVar(&rf.template, "template", "", "add the header and footer of the template `FILE` (logo, merchant, basket, QR code; see docs/receipts.md)")
	fs.StringVar(&rf.locale, "locale", "", "amounts and basket labels: de (7,96 EUR) or en (7.96 EUR); default the template's, else de")
	fs.StringVar(&rf.logo, "logo", "raster", "the template's logos: raster (print the picture every time), stored (print by key: the printer holds it), define (store it, then print by key); a document's own picture prints as a raster")
	return rf
}

// parse reads the flags; it returns a non-negative exit code when the
// command should stop (help or a usage error).
func (rf *renderFlags) parse(args []string) int { return parseFlags(rf.fs, args, rf.stdout) }

// writeJSON writes v indented, for -json output.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (rf *renderFlags) options() (receipt.Options, error) {
	var opt receipt.Options
	p, err := printers.Lookup(rf.model)
	if err != nil {
		return opt, err
	}
	if rf.codePages != "" {
		if p, err = p.PinCodePages(strings.Split(rf.codePages, ",")...); err != nil {
			return opt, err
		}
	}
	font, err := escpos.ParseFont(rf.font)
	if err != nil {
		return opt, err
	}
	section, err := escpos.ParseCutMode(rf.sectionCut)
	if err != nil {
		return opt, err
	}
	end, err := escpos.ParseCutMode(rf.endCut)
	if err != nil {
		return opt, err
	}
	rf.profile = p
	opt = receipt.Options{Profile: p, Font: font, Columns: rf.columns, SectionCut: section, EndCut: end}
	if rf.template != "" {
		if opt.Template, err = receipt.LoadTemplate(rf.template); err != nil {
			return opt, err
		}
		opt.Locale = opt.Template.Locale
	}
	if rf.locale != "" {
		if opt.Locale, err = receipt.ParseLocale(rf.locale); err != nil {
			return opt, err
		}
		if opt.Template != nil {
			opt.Template.Locale = opt.Locale
		}
	}
	switch rf.logo {
	case "raster":
	case "stored", "define":
		opt.Logos = receipt.LogoStored
	default:
		return opt, fmt.Errorf("unknown -logo %q (want raster, stored or define)", rf.logo)
	}
	return opt, nil
}

// render lays out the whole receipt of tx; with -logo define the commands
// that store its logos in the printer go first.
func (rf *renderFlags) render(r *receipt.Renderer, tx *receipt.Transaction) ([]byte, receipt.Report, error) {
	job, rep, err := r.RenderTransaction(nil, tx)
	if err != nil {
		return job, rep, err
	}
	if rf.logo == "define" && len(rep.Logos) > 0 {
		define, err := receipt.AppendDefineLogos(nil, rep.Logos)
		if err != nil {
			return nil, rep, err
		}
		job = append(define, job...)
	}
	return job, rep, nil
}

// readTransaction reads the single FILE argument, or stdin for "-" or none.
func readTransaction(fs *flag.FlagSet, stdin io.Reader) (*receipt.Transaction, error) {
	var data []byte
	var err error
	switch fs.NArg() {
	case 0:
		data, err = io.ReadAll(stdin)
	case 1:
		if fs.Arg(0) == "-" {
			data, err = io.ReadAll(stdin)
		} else {
			data, err = os.ReadFile(fs.Arg(0))
		}
	default:
		return nil, usageError{fmt.Errorf("want one FILE, got %d arguments", fs.NArg())}
	}
	if err != nil {
		return nil, err
	}
	tx, err := receipt.ParseTransaction(data)
	if err != nil {
		return nil, inputError{err}
	}
	return tx, nil
}

type usageError struct{ error }
type inputError struct{ error }

// fail prints err and maps it to an exit code.
func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "error: %v\n", err)
	var ue usageError
	var ie inputError
	switch {
	case errors.As(err, &ue), errors.Is(err, printers.ErrUnknownModel):
		return exitUsage
	case errors.As(err, &ie), errors.Is(err, receipt.ErrDocument):
		return exitInput
	}
	return exitFailure
}

func printWarnings(stderr io.Writer, warnings []receipt.Warning) {
	for _, w := range warnings {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
}

// writeOutput writes data to the -o file, or stdout.
func writeOutput(path string, stdout io.Writer, data []byte) error {
	if path == "" || path == "-" {
		_, err := stdout.Write(data)
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

func runRender(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	rf := newRenderFlags("render", stdout, stderr)
	rf.fs.StringVar(&rf.output, "o", "", "write the ESC/POS bytes to `FILE` (default stdout)")
	if code := rf.parse(args); code >= 0 {
		return code
	}
	return renderWith(rf, stdin, stdout, stderr, rf.render)
}

func runText(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	rf := newRenderFlags("text", stdout, stderr)
	rf.fs.StringVar(&rf.output, "o", "", "write the preview to `FILE` (default stdout)")
	if code := rf.parse(args); code >= 0 {
		return code
	}
	return renderWith(rf, stdin, stdout, stderr, func(r *receipt.Renderer, tx *receipt.Transaction) ([]byte, receipt.Report, error) {
		return r.TextTransaction(nil, tx)
	})
}

func renderWith(rf *renderFlags, stdin io.Reader, stdout, stderr io.Writer,
	render func(*receipt.Renderer, *receipt.Transaction) ([]byte, receipt.Report, error)) int {
	out, _, code := rf.renderInput(stdin, stderr, render)
	if code >= 0 {
		return code
	}
	if err := writeOutput(rf.output, stdout, out); err != nil {
		return fail(stderr, err)
	}
	return exitOK
}

// renderInput reads the transaction the command line names and renders it
// with the flags' options, printing the warnings; a non-negative code means
// stop with it (the error has been said).
func (rf *renderFlags) renderInput(stdin io.Reader, stderr io.Writer,
	render func(*receipt.Renderer, *receipt.Transaction) ([]byte, receipt.Report, error)) ([]byte, receipt.Options, int) {
	opt, err := rf.options()
	if err != nil {
		return nil, opt, fail(stderr, usageError{err})
	}
	tx, err := readTransaction(rf.fs, stdin)
	if err != nil {
		return nil, opt, fail(stderr, err)
	}
	printWarnings(stderr, tx.Warnings)
	r, err := receipt.NewRenderer(opt)
	if err != nil {
		return nil, opt, fail(stderr, usageError{err})
	}
	out, rep, err := render(r, tx)
	if err != nil {
		return nil, opt, fail(stderr, err)
	}
	printWarnings(stderr, rep.Warnings)
	return out, opt, -1
}

func runModels(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("models", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the full profiles as JSON")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	models := printers.Models()
	if *asJSON {
		if err := writeJSON(stdout, models); err != nil {
			return fail(stderr, err)
		}
		return exitOK
	}
	fmt.Fprintf(stdout, "%-18s %-22s %-12s %6s %5s %s\n", "ID", "VENDOR", "LANGUAGE", "WIDTH", "DPI", "COLUMNS")
	for _, p := range models {
		width := "?"
		if p.WidthMM > 0 {
			width = fmt.Sprintf("%gmm", p.WidthMM)
		}
		dpi := "?"
		if p.DPI > 0 {
			dpi = fmt.Sprint(p.DPI)
		}
		cols := ""
		for i, f := range p.Fonts {
			if i > 0 {
				cols += " "
			}
			cols += fmt.Sprintf("%v:%d", f.Font, f.Columns)
		}
		fmt.Fprintf(stdout, "%-18s %-22s %-12v %6s %5s %s\n", p.ID, p.Vendor, p.Language, width, dpi, cols)
	}
	return exitOK
}
