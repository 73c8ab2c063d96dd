package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"strings"
	"syscall"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/virtual"
)

// runVirtualPrinter runs the virtual printer until interrupted: a test bench
// for transports and the service, and a printer for machines without one.
func runVirtualPrinter(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("virtual-printer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:9100", "TCP `address` for raw (port 9100) print jobs; empty: no TCP")
	withPTY := fs.Bool("pty", false, "also offer a pseudo-terminal as a serial port (its path is printed)")
	model := fs.String("printer-model", "TM-T88V", "printer model `ID` the virtual printer behaves as")
	out := fs.String("out", "", "write each ticket to `DIR` as NNNN.bin, NNNN.txt and NNNN.png")
	buffer := fs.Int("buffer", 4096, "receive buffer in `bytes`")
	speed := fs.Int("speed", 0, "print speed in `bytes/s` the buffer drains at (0: instant)")
	xon := fs.Bool("xonxoff", false, "send XOFF/XON when the buffer fills and drains")
	faults := fs.String("fault", "", "faults present at start, comma separated: paper-end, paper-near-end, cover-open, offline, autocutter-error")
	dropAfter := fs.Int("drop-after", -1, "hang up the first connection after `N` bytes")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: receipt virtual-printer [-listen ADDR] [-pty] [-printer-model ID] [-out DIR] [-buffer N] [-speed N] [-fault LIST] [-drop-after N]\n\nflags:")
		fs.PrintDefaults()
	}
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		return fail(stderr, usageError{fmt.Errorf("unexpected arguments %q", fs.Args())})
	}
	if *listen == "" && !*withPTY {
		return fail(stderr, usageError{errors.New("nothing to listen on: give -listen or -pty")})
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
	dev, err := virtual.New(virtual.Options{Profile: p, BufferSize: *buffer, Speed: *speed, OutDir: *out, XonXoff: *xon,
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
			dev.Close()
			return fail(stderr, err)
		}
		fmt.Fprintf(stdout, "listening on tcp://%s\n", addr)
	}
	if *withPTY {
		path, err := dev.OpenPTY()
		if err != nil {
			dev.Close()
			return fail(stderr, err)
		}
		fmt.Fprintf(stdout, "serial port serial://%s\n", path)
	}
	<-ctx.Done()
	if err := dev.Close(); err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "%d tickets printed\n", len(dev.Tickets()))
	return exitOK
}
