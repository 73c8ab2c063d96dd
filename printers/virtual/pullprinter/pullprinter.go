// Package pullprinter is the virtual printer's pull mode: instead of
// waiting for a host to send jobs, it polls a server as a Star CloudPRNT
// printer (RunCloudPRNT) or an Epson Server Direct Print printer (RunSDP)
// does — at an interval, with its status in every poll — fetches the
// jobs, prints them into its paper engine and confirms each with the
// codes the makers define. Faults set on the device at run time (its
// control commands) show in the next poll and in the confirmations.
package pullprinter

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers/virtual"
)

// Options configure a pulling virtual printer.
type Options struct {
	Device  *virtual.Device
	Profile *escpos.Profile // the device's, for the language and width
	// URL is the server's endpoint as the printer's WebConfig holds it,
	// e.g. https://host/cloudprnt/SECRET or http://host/sdp.
	URL string
	// MAC (CloudPRNT) or ID (SDP) names the printer.
	MAC, ID string
	// Password for HTTP Basic (CloudPRNT) or Digest (SDP, with the ID as
	// user name); "" sends none.
	Password string
	// Interval between polls; 0: 5 s (the printers' default).
	Interval time.Duration
	// PrintTimeout bounds how long a job may take to print before the
	// printer reports it as failed; 0: 60 s.
	PrintTimeout time.Duration
	Client       *http.Client // nil: one with a 30 s timeout
	Logger       *slog.Logger
}

func (o *Options) defaults() {
	if o.Interval <= 0 {
		o.Interval = 5 * time.Second
	}
	if o.PrintTimeout <= 0 {
		o.PrintTimeout = 60 * time.Second
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// maxJob bounds a fetched job: a real printer's download buffer is far
// smaller.
const maxJob = 16 << 20

// printed is what became of a job fed to the device.
type printed struct {
	ok    bool
	fault virtual.Fault // the fault that held it, when !ok
}

// printJob feeds a job to the device as a host would over a link and waits
// until it printed (its tickets written and counted), a fault held it, or
// the timeout passed.
func printJob(ctx context.Context, dev *virtual.Device, job []byte, timeout time.Duration) printed {
	host, printer := net.Pipe()
	served := make(chan error, 1)
	go func() { served <- dev.Serve(printer, "pull") }()
	go func() {
		_, _ = io.Copy(host, bytes.NewReader(job))
		host.Close()
	}()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	select {
	case <-served:
	case <-ctx.Done():
	}
	// Idle, not only an empty buffer: the job is confirmed once its
	// tickets' files are written, so whoever reads them on the
	// confirmation finds them.
	err := dev.Wait(ctx, func(s virtual.State) bool { return (s.Idle && s.Waiting == 0) || !s.Online })
	st := dev.Status()
	if err == nil && st.Online && st.Idle {
		return printed{ok: true}
	}
	for _, f := range []virtual.Fault{virtual.PaperEnd, virtual.CoverOpen, virtual.AutocutterError, virtual.Offline} {
		if st.Has(f) {
			return printed{fault: f}
		}
	}
	return printed{fault: virtual.Offline}
}

// ready reports whether the device can print now.
func ready(st virtual.State) bool { return st.Online && len(stopping(st)) == 0 }

// stopping lists the faults that hold printing.
func stopping(st virtual.State) []virtual.Fault {
	var out []virtual.Fault
	for _, f := range st.Faults {
		if f != virtual.PaperNearEnd {
			out = append(out, f)
		}
	}
	return out
}

// httpError is a server's refusal.
type httpError struct {
	status int
	body   string
}

func (e *httpError) Error() string { return fmt.Sprintf("server answered %d: %s", e.status, e.body) }

// readBody reads a bounded answer.
func readBody(res *http.Response, limit int64) ([]byte, error) {
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("answer over %d bytes", limit)
	}
	if res.StatusCode/100 != 2 {
		return nil, &httpError{res.StatusCode, string(bytes.TrimSpace(b[:min(len(b), 200)]))}
	}
	return b, nil
}

// sleep waits d or until ctx ends (false).
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
