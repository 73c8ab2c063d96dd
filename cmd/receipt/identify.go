package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/transport"
)

// runIdentify asks a printer what it is and names the profile it gets.
func runIdentify(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("identify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	address := fs.String("printer", "", "printer `ADDRESS` (or as the argument)")
	asJSON := fs.Bool("json", false, "print the identity and the chosen profile as JSON")
	timeout := fs.Duration("timeout", 500*time.Millisecond, "how long to wait for each answer")
	model := fs.String("printer-model", "", "the model the built-in virtual printer plays (`ID`); other printers ignore it")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	addr := *address
	switch {
	case addr == "" && fs.NArg() == 1:
		addr = fs.Arg(0)
	case addr == "" || fs.NArg() > 0:
		return fail(stderr, usageError{errors.New("want one printer ADDRESS (-printer ADDRESS or as the argument)")})
	}
	var prof *escpos.Profile
	if *model != "" {
		p, err := printers.Lookup(*model)
		if err != nil {
			return fail(stderr, err)
		}
		prof = p
	}
	// Every request is bounded by -timeout; the whole exchange by the
	// requests Identify makes (status twice, eight GS I functions).
	ctx, cancel := context.WithTimeout(context.Background(), 12**timeout+5*time.Second)
	defer cancel()
	res, err := printers.IdentifyAddress(ctx, addr, prof, printers.IdentifyOptions{Timeout: *timeout})
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		if errors.Is(err, transport.ErrInvalidAddress) {
			return exitUsage
		}
		return exitNoPrinter
	}
	if *asJSON {
		out := struct {
			printers.Identification
			Profile string `json:"profile"`
			Error   string `json:"error,omitempty"`
		}{res, res.Profile.ID, errString(res.Err)}
		if err := writeJSON(stdout, out); err != nil {
			return fail(stderr, err)
		}
	} else {
		writeIdentification(stdout, res)
	}
	if res.Err != nil {
		fmt.Fprintf(stderr, "warning: %v\n", res.Err)
		return exitTimeout
	}
	return exitOK
}

func writeIdentification(w io.Writer, r printers.Identification) {
	id := r.Identity
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%-9s %s\n", k+":", v)
		}
	}
	line("address", r.Address)
	lang := id.Language
	if r.Err != nil && lang == "" {
		lang = "no answer to Star's or ESC/POS's status request"
	}
	line("language", lang)
	line("maker", id.Maker)
	line("model", id.Model)
	line("serial", id.Serial)
	line("firmware", id.Firmware)
	line("fonts", id.FontLanguage)
	if id.ModelID != nil {
		line("model ID", fmt.Sprintf("0x%02X", *id.ModelID))
	}
	if id.ASBVersion != 0 {
		line("ASB", "version "+strconv.Itoa(id.ASBVersion))
	}
	if id.USB != nil {
		line("usb", fmt.Sprintf("%04x:%04x %s %s", id.USB.VID, id.USB.PID, id.USB.Manufacturer, id.USB.Product))
	}
	if len(id.Unanswered) > 0 && id.Language == "escpos" {
		line("no answer", "GS I "+joinInts(id.Unanswered))
	}
	for _, n := range id.Notes {
		line("note", n)
	}
	line("profile", r.Profile.ID+" ("+string(r.Match.Kind)+": "+r.Match.Reason+")")
}

func joinInts(xs []int) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += ", "
		}
		s += strconv.Itoa(x)
	}
	return s
}
