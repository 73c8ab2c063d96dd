package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/printers/virtual/pullprinter"
)

// runVirtualPrinter runs the virtual printer until SIGINT or SIGTERM: a test
// bench for transports and the service, and a printer for machines without
// one. Where it listens goes to stdout, its status traffic to stderr; it
// takes control commands (fault paper-end, clear, status, help) on stdin.
func runVirtualPrinter(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("virtual-printer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:9100", "TCP `address` for raw (port 9100) print jobs; empty: no TCP")
	withPTY := fs.Bool("pty", false, "also offer a pseudo-terminal as a serial port (its path is printed)")
	model := fs.String("printer-model", "TM-T88V", "printer model `ID` the virtual printer behaves as (see 'receipt models')")
	out := fs.String("out", "", "write each ticket to `DIR` as NNNN.bin, NNNN.txt and NNNN.png, status traffic to DIR/status.log")
	buffer := fs.Int("buffer", virtual.DefaultBufferSize, "receive buffer in `bytes`")
	speed := fs.Int("speed", 0, "print speed in `bytes/s` the buffer drains at (0: at once)")
	xon := fs.Bool("xonxoff", false, "on the pty, send XOFF/XON as the buffer fills and drains")
	xoffAt := fs.Int("xoff-at", 0, "send XOFF when the buffer holds `N` bytes (0: 3/4 of it)")
	xonAt := fs.Int("xon-at", 0, "send XON when the buffer drained to `N` bytes (0: 1/4 of it)")
	switchIdle := fs.Duration("switch-idle", virtual.DefaultSwitchIdle, "how long a link that left a ticket uncut keeps the printer from the others")
	faults := fs.String("fault", "", "faults present at start, comma separated: paper-end, paper-near-end, cover-open, offline, autocutter-error")
	dropAfter := fs.Int("drop-after", -1, "hang up the first connection after it sent `N` bytes")
	control := fs.Bool("control", true, "read control commands on stdin (below)")
	cloudURL := fs.String("cloudprnt", "", "pull mode: poll this Star CloudPRNT `URL` (e.g. http://host:8080/cloudprnt/SECRET) as a CloudPRNT printer")
	mac := fs.String("mac", "", "the `MAC` the CloudPRNT printer reports")
	sdpURL := fs.String("sdp", "", "pull mode: poll this Epson Server Direct Print `URL` as an SDP printer")
	sdpID := fs.String("id", "", "the Server Direct Print `ID` the printer reports")
	password := fs.String("password", "", "pull mode: HTTP Basic (CloudPRNT) or Digest (SDP, user = ID) `password`")
	pollEvery := fs.Duration("poll-interval", 5*time.Second, "pull mode: time between polls")
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		return fail(stderr, usageError{fmt.Errorf("unexpected arguments %q", fs.Args())})
	}
	pulling := *cloudURL != "" || *sdpURL != ""
	switch {
	case *cloudURL != "" && *sdpURL != "":
		return fail(stderr, usageError{errors.New("-cloudprnt and -sdp: one protocol at a time")})
	case *cloudURL != "" && *mac == "":
		return fail(stderr, usageError{errors.New("-cloudprnt needs -mac")})
	case *sdpURL != "" && *sdpID == "":
		return fail(stderr, usageError{errors.New("-sdp needs -id")})
	case !pulling && *listen == "" && !*withPTY:
		return fail(stderr, usageError{errors.New("nothing to listen on: give -listen or -pty (or -cloudprnt / -sdp)")})
	}
	p, err := printers.Lookup(*model)
	if err != nil {
		return fail(stderr, err)
	}
	var initial []virtual.Fault
	if *faults != "" {
		for _, name := range strings.Split(*faults, ",") {
			f, err := virtual.ParseFault(strings.TrimSpace(name))
			if err != nil {
				return fail(stderr, usageError{err})
			}
			initial = append(initial, f)
		}
	}
	dev, err := virtual.New(virtual.Options{Profile: p, BufferSize: *buffer, Speed: *speed, OutDir: *out,
		XonXoff: *xon, XoffAt: *xoffAt, XonAt: *xonAt, SwitchIdle: *switchIdle,
		Logger: slog.New(slog.NewTextHandler(stderr, nil))})
	if err != nil {
		return fail(stderr, usageError{err})
	}
	for _, f := range initial {
		dev.SetFault(f, true)
	}
	if *dropAfter >= 0 {
		dev.DropAfter(*dropAfter)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if *listen != "" {
		addr, err := dev.ListenTCP(ctx, *listen)
		if err != nil {
			return fail(stderr, errors.Join(err, dev.Close()))
		}
		fmt.Fprintf(stdout, "listening on tcp://%s\n", addr)
	}
	if *withPTY {
		path, err := dev.OpenPTY()
		if err != nil {
			return fail(stderr, errors.Join(err, dev.Close()))
		}
		fmt.Fprintf(stdout, "serial port serial://%s\n", path)
	}
	if *out != "" {
		fmt.Fprintf(stdout, "tickets go to %s\n", *out)
	}
	if pulling {
		opt := pullprinter.Options{Device: dev, Profile: p, MAC: *mac, ID: *sdpID, Password: *password,
			Interval: *pollEvery, Logger: slog.New(slog.NewTextHandler(stderr, nil))}
		run := pullprinter.RunCloudPRNT
		opt.URL = *cloudURL
		if *sdpURL != "" {
			run, opt.URL = pullprinter.RunSDP, *sdpURL
		}
		if _, err := url.Parse(opt.URL); err != nil {
			return fail(stderr, errors.Join(usageError{err}, dev.Close()))
		}
		fmt.Fprintf(stdout, "polling %s every %s\n", opt.URL, opt.Interval)
		go func() {
			if err := run(ctx, opt); err != nil {
				fmt.Fprintln(stderr, "receipt: pull mode:", err)
			}
		}()
	}
	if stdin != nil && *control {
		// Started in the background of a shell, a read of the terminal
		// would stop the whole process (SIGTTIN); ignored, the read fails
		// and only the control commands are off.
		ignoreTTIN()
		// A read of stdin cannot be interrupted: the goroutine ends with the
		// process, or at the end of stdin.
		go func() {
			if err := dev.ServeControl(ctx, stdin, stdout); err != nil {
				fmt.Fprintln(stderr, "receipt: control commands off:", err)
			}
		}()
	}
	<-ctx.Done()
	if err := dev.Close(); err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "%d tickets printed\n", len(dev.Tickets()))
	return exitOK
}
