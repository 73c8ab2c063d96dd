package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/station"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/transport"
	"github.com/secuprint/receipt/transport/file"
	"github.com/secuprint/receipt/transport/serial"
	"github.com/secuprint/receipt/transport/usb"
)

// Exit codes of the commands that talk to a printer: one per failure class,
// so a cash register's script can tell "load paper" from "call a technician".
const (
	exitNoPrinter    = 4  // the printer could not be opened (address, permissions, busy)
	exitPaperEnd     = 5  // not printed: out of paper
	exitCoverOpen    = 6  // not printed: cover open
	exitOffline      = 7  // not printed: offline
	exitPrinterError = 8  // not printed: mechanical, cutter or other printer error
	exitDisconnected = 9  // not printed: the link broke before any byte was sent
	exitTimeout      = 10 // not printed: timed out before any byte was sent
	exitUnknown      = 11 // may or may not have printed (link lost mid-job, no confirmation)
)

// exitFor maps every outcome and reason to an exit code. 11 ("may have
// printed, check the paper") only where bytes went out unconfirmed: a job
// of which nothing was sent did not print, and says why.
func exitFor(r printers.Result) int {
	switch {
	case r.Outcome == printers.OutcomePrinted:
		return exitOK
	case r.Outcome == printers.OutcomeUnknown && r.Sent > 0, r.Reason == printers.ReasonNoConfirmation:
		return exitUnknown
	}
	switch r.Reason {
	case printers.ReasonPaperEnd:
		return exitPaperEnd
	case printers.ReasonCoverOpen:
		return exitCoverOpen
	case printers.ReasonOffline:
		return exitOffline
	case printers.ReasonPrinterError:
		return exitPrinterError
	case printers.ReasonDisconnected:
		return exitDisconnected
	case printers.ReasonTimeout:
		return exitTimeout
	case printers.ReasonBusy: // in use by another host, or never answered: nothing sent
		return exitNoPrinter
	}
	if r.Outcome == printers.OutcomeFailed {
		return exitFailure
	}
	return exitUnknown
}

const exitCodesHelp = `Exit codes: 0 printed, 1 failure, 2 usage, 3 rejected input, 4 printer not reachable,
5 paper end, 6 cover open, 7 offline, 8 printer error, 9 disconnected, 10 timeout,
11 unknown (may have printed)`

// openPrinter opens address; a virtual printer writes its tickets to out.
func openPrinter(ctx context.Context, address, out string, opt printers.OpenOptions) (printers.Printer, error) {
	if address == "virtual://" && out != "" {
		address = "virtual://?" + url.Values{"out": {out}}.Encode()
	}
	return printers.Open(ctx, address, opt)
}

func runPrint(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	rf := newRenderFlags("print", stdout, stderr)
	address := rf.fs.String("printer", "virtual://", "printer `ADDRESS`: serial:///dev/ttyUSB0?baud=19200, usb://04b8:0202, tcp://HOST:9100, file:///dev/usb/lp0 or virtual://")
	timeout := rf.fs.Duration("timeout", 20*time.Second, "how long the printer may take to confirm the job")
	out := rf.fs.String("out", "receipt-out", "virtual printer: write the ticket (.bin, .txt, .png) to `DIR`")
	asJSON := rf.fs.Bool("json", false, "print the result as JSON")
	if code := rf.parse(args); code >= 0 {
		return code
	}
	job, st, code := rf.renderInput(stdin, stderr, renderJob)
	if code >= 0 {
		return code
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout+10*time.Second)
	defer cancel()
	p, err := openPrinter(ctx, *address, *out, printers.OpenOptions{Profile: st.Profile(), Conn: printers.ConnOptions{Timeout: *timeout}})
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		if errors.Is(err, transport.ErrInvalidAddress) {
			return exitUsage
		}
		return exitNoPrinter
	}
	defer p.Close()
	res := p.Print(ctx, job)
	if *asJSON {
		_ = writeJSON(stdout, struct {
			Printer string `json:"printer"`
			printers.Result
			Error string `json:"error,omitempty"`
		}{p.Name(), res, errString(res.Err)}) // stdout failing leaves only the exit code to tell
	} else {
		fmt.Fprintf(stdout, "%s: %s (%d bytes sent)\n", p.Name(), res, res.Sent)
	}
	if v, ok := p.(*virtual.Printer); ok && res.Outcome == printers.OutcomePrinted && !*asJSON {
		// No printer attached: show the paper.
		for _, t := range v.Device.Tickets() {
			if t.Paper != nil {
				fmt.Fprint(stdout, "\n"+t.Paper.Text())
			}
			fmt.Fprintf(stdout, "\nticket written to %s\n", v.Device.File(t.Seq, ".png"))
		}
	}
	return exitFor(res)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func runStatus(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the decoded status as JSON")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the printer")
	model := fs.String("printer-model", "", "printer model `ID`; a Star model is asked Star's automatic status (ESC ACK SOH) instead of DLE EOT")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if fs.NArg() != 1 {
		return fail(stderr, usageError{errors.New("want one printer ADDRESS")})
	}
	var opt printers.OpenOptions
	if *model != "" {
		prof, err := printers.Lookup(*model)
		if err != nil {
			return fail(stderr, err)
		}
		opt.Profile = prof
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	p, err := printers.Open(ctx, fs.Arg(0), opt)
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		if errors.Is(err, transport.ErrInvalidAddress) {
			return exitUsage
		}
		return exitNoPrinter
	}
	defer p.Close()
	st, err := p.Status(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		switch {
		case errors.Is(err, transport.ErrUnsupported):
			return exitUnknown
		case errors.Is(err, transport.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
			return exitTimeout
		}
		return exitFailure
	}
	if *asJSON {
		if err := writeJSON(stdout, struct {
			Printer string `json:"printer"`
			Ready   bool   `json:"ready"`
			printers.Status
		}{p.Name(), st.Ready(), st}); err != nil {
			return fail(stderr, err)
		}
	} else {
		fmt.Fprintf(stdout, "%s: %s\n", p.Name(), st)
	}
	return exitFor(printers.Result{Outcome: map[bool]printers.Outcome{true: printers.OutcomePrinted, false: printers.OutcomeFailed}[st.Ready()], Reason: st.Reason()})
}

func runTestPage(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("test-page", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("printer-model", "default", "printer model `ID` whose code pages, fonts and widths to show")
	out := fs.String("out", "receipt-out", "virtual printer: write the page to `DIR`")
	timeout := fs.Duration("timeout", 20*time.Second, "how long the printer may take to confirm")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if fs.NArg() != 1 {
		return fail(stderr, usageError{errors.New("want one printer ADDRESS (virtual:// for the built-in one)")})
	}
	// The page as receiptd's station makes it for the printer.
	st, err := station.New(station.Config{Model: *model}, station.Options{})
	if err != nil {
		return fail(stderr, err)
	}
	page, err := st.RenderTestPage()
	if err != nil {
		return fail(stderr, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout+10*time.Second)
	defer cancel()
	p, err := openPrinter(ctx, fs.Arg(0), *out, printers.OpenOptions{Profile: st.Profile(), Conn: printers.ConnOptions{Timeout: *timeout}})
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		if errors.Is(err, transport.ErrInvalidAddress) {
			return exitUsage // as print: a mistyped address is a usage error
		}
		return exitNoPrinter
	}
	defer p.Close()
	res := p.Print(ctx, page)
	fmt.Fprintf(stdout, "%s: test page %s\n", p.Name(), res)
	if v, ok := p.(*virtual.Printer); ok {
		// No paper to look at: say where it went.
		for _, t := range v.Device.Tickets() {
			fmt.Fprintf(stdout, "ticket written to %s (.bin, .txt, .png)\n", v.Device.File(t.Seq, ".png"))
		}
	}
	return exitFor(res)
}

func runPrinters(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("printers", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the list as JSON")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	type entry struct {
		Kind    string `json:"kind"`
		Address string `json:"address"`
		Detail  string `json:"detail,omitempty"`
		// Model is the profile the USB strings name (the virtual
		// printer's is its default); Match says how sure (printers.Match).
		Model string          `json:"model,omitempty"`
		Match *printers.Match `json:"match,omitempty"`
	}
	var list []entry
	devs, err := discover.usb()
	switch {
	case errors.Is(err, transport.ErrNoUSB):
		fmt.Fprintf(stderr, "note: %v\n", transport.ErrNoUSB)
	case err != nil:
		fmt.Fprintf(stderr, "warning: %v\n", err)
	}
	for _, d := range devs {
		detail := fmt.Sprintf("%04x:%04x %s %s", d.VID, d.PID, firstNonEmpty(d.Manufacturer, d.Vendor), d.Product)
		if d.Serial != "" {
			detail += " serial " + d.Serial
		}
		e := entry{Kind: "usb", Address: d.Address, Detail: detail}
		if p, m := printers.ProfileForUSB(d); m.Kind != printers.MatchFallback {
			e.Model, e.Match = p.ID, &m
		}
		list = append(list, e)
	}
	ports, err := discover.serial()
	if err != nil {
		fmt.Fprintf(stderr, "warning: %v\n", err)
	}
	for _, p := range ports {
		list = append(list, entry{Kind: "serial", Address: "serial://" + p + "?baud=9600", Detail: portKind(p)})
	}
	lps, err := discover.lp()
	if err != nil {
		fmt.Fprintf(stderr, "warning: %v\n", err)
	}
	for _, p := range lps {
		list = append(list, entry{Kind: "file", Address: "file://" + p, Detail: "kernel usblp device"})
	}
	list = append(list, entry{Kind: "virtual", Address: "virtual://", Detail: "the built-in virtual printer", Model: "default"})
	if *asJSON {
		if err := writeJSON(stdout, list); err != nil {
			return fail(stderr, err)
		}
		return exitOK
	}
	for _, e := range list {
		model := ""
		switch {
		case e.Match != nil:
			model = "  [" + e.Model + ", " + string(e.Match.Kind) + "]"
		case e.Model != "":
			model = "  [" + e.Model + "]"
		}
		fmt.Fprintf(stdout, "%-8s %-44s %s%s\n", e.Kind, e.Address, e.Detail, model)
	}
	return exitOK
}

// discover finds attached printers; tests replace it.
var discover = struct {
	usb    func() ([]usb.DeviceInfo, error)
	serial func() ([]string, error)
	lp     func() ([]string, error)
}{usb.List, serial.Ports, file.Devices}

// portKind says what kind of serial port a device name is.
func portKind(p string) string {
	base := p[strings.LastIndexByte(p, '/')+1:]
	switch {
	case strings.Contains(p, "/serial/by-id/"):
		return "stable name of a USB-serial port"
	case strings.HasPrefix(base, "ttyUSB"), strings.HasPrefix(base, "cu.usbserial"), strings.HasPrefix(base, "cuaU"), strings.HasPrefix(base, "dtyU"):
		return "USB-serial adapter"
	case strings.HasPrefix(base, "ttyACM"), strings.HasPrefix(base, "cu.usbmodem"):
		return "USB serial device (CDC-ACM)"
	case strings.HasPrefix(base, "ttyS"):
		return "on-board serial port (RS-232)"
	}
	return ""
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
