// Package virtual is a receipt printer made of software: it listens on TCP
// (raw port 9100) and on a pseudo-terminal (a serial port), answers status
// requests as an Epson printer does, prints into tickets through package
// paper, and lets tests inject the faults real printers have.
//
// Like a real printer it has a receive buffer that drains at print speed:
// when the buffer is full it stops reading, so the sender sees back-pressure.
// Real-time requests (DLE EOT, DLE ENQ, DLE DC4) are answered as soon as they
// are read, even while printing is stopped by a fault; GS r, GS I and GS a
// are answered when the print engine reaches them, after everything before
// them was processed — which is what makes GS r a print confirmation.
package virtual

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/printers/virtual/paper"
)

// Fault is a printer condition tests and operators inject.
type Fault uint8

const (
	PaperEnd Fault = iota + 1
	PaperNearEnd
	CoverOpen
	Offline
	AutocutterError
)

var faultNames = [...]string{"", "paper-end", "paper-near-end", "cover-open", "offline", "autocutter-error"}

func (f Fault) String() string {
	if int(f) < len(faultNames) && f > 0 {
		return faultNames[f]
	}
	return "Fault(" + strconv.Itoa(int(f)) + ")"
}

// ParseFault reads a fault name as String writes it.
func ParseFault(s string) (Fault, error) {
	for i, n := range faultNames {
		if n == s && i > 0 {
			return Fault(i), nil
		}
	}
	return 0, fmt.Errorf("virtual: unknown fault %q (want paper-end, paper-near-end, cover-open, offline or autocutter-error)", s)
}

// Options configure a Device.
type Options struct {
	Profile    *escpos.Profile // nil: a generic 80 mm printer
	BufferSize int             // receive buffer, bytes; default 4096
	Speed      int             // bytes per second the buffer drains; 0: at once
	OutDir     string          // when set, each ticket is written there as NNNN.bin/.txt/.png
	XonXoff    bool            // send XOFF/XON at 3/4 and 1/4 of the buffer (serial flow control)
	Logger     *slog.Logger    // status traffic and faults; nil: discarded
}

// Ticket is the paper between two cuts and the bytes that printed it.
// Raw holds the job's bytes as received, without the status requests that
// came in between (DLE EOT/ENQ/DC4, GS r, GS I, GS a), so that a job's ticket
// compares byte for byte with the job.
type Ticket struct {
	Seq   int
	Raw   []byte
	Paper *paper.Ticket
}

// Device is one virtual printer.
type Device struct {
	opt  Options
	log  *slog.Logger
	done chan struct{}

	mu        sync.Mutex
	cond      *sync.Cond // queue space, faults, stall and close changes
	queue     []job      // received, not yet printed
	queued    int        // bytes in queue
	faults    map[Fault]bool
	asb       bool
	links     map[*link]bool
	tickets   []Ticket
	current   []byte // raw bytes of the ticket being printed
	wrong     *byte  // answer every DLE EOT with this byte
	stalled   bool
	dropAfter int // close the next link after this many more bytes; <0 off
	closed    bool
	onTicket  func(Ticket)
	faultAt   map[int]Fault // inject a fault when the ticket with this number is done
	fileBase  int           // tickets already in OutDir from earlier runs
	wg        sync.WaitGroup
	closers   []io.Closer
}

// job is a decoded command waiting for the print engine.
type job struct {
	cmd  decode.Command
	raw  []byte
	from *link
	tear bool // the host hung up: paper without a cut is torn off
}

// New starts a device's print engine.
func New(opt Options) (*Device, error) {
	if opt.BufferSize <= 0 {
		opt.BufferSize = 4096
	}
	if opt.Speed < 0 {
		return nil, fmt.Errorf("virtual: speed %d bytes/s is negative", opt.Speed)
	}
	if opt.OutDir != "" {
		if err := os.MkdirAll(opt.OutDir, 0o755); err != nil {
			return nil, fmt.Errorf("virtual: %w", err)
		}
	}
	d := &Device{opt: opt, log: opt.Logger, done: make(chan struct{}), faults: map[Fault]bool{},
		links: map[*link]bool{}, dropAfter: -1}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if opt.OutDir != "" {
		// Number on from earlier runs instead of overwriting their tickets.
		old, _ := filepath.Glob(filepath.Join(opt.OutDir, "[0-9][0-9][0-9][0-9].bin")) // the pattern is valid
		for _, f := range old {
			if n, err := strconv.Atoi(strings.TrimSuffix(filepath.Base(f), ".bin")); err == nil && n > d.fileBase {
				d.fileBase = n
			}
		}
	}
	d.cond = sync.NewCond(&d.mu)
	d.wg.Add(1)
	go d.engine()
	return d, nil
}

// OnTicket sets a function called (from the print engine) for each ticket.
func (d *Device) OnTicket(f func(Ticket)) {
	d.mu.Lock()
	d.onTicket = f
	d.mu.Unlock()
}

// Tickets returns the tickets printed so far.
func (d *Device) Tickets() []Ticket {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Ticket(nil), d.tickets...)
}

// WaitTickets blocks until n tickets have printed or ctx ends.
func (d *Device) WaitTickets(ctx context.Context, n int) error {
	stop := context.AfterFunc(ctx, func() {
		d.mu.Lock()
		d.cond.Broadcast()
		d.mu.Unlock()
	})
	defer stop()
	d.mu.Lock()
	defer d.mu.Unlock()
	for len(d.tickets) < n {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("virtual: %d of %d tickets: %w", len(d.tickets), n, err)
		}
		if d.closed {
			return fmt.Errorf("virtual: device closed after %d of %d tickets", len(d.tickets), n)
		}
		d.cond.Wait()
	}
	return nil
}

// SetFault turns a fault on or off. Paper end, cover open and offline stop
// printing (data waits in the buffer) until cleared.
func (d *Device) SetFault(f Fault, on bool) {
	d.mu.Lock()
	if d.faults[f] == on {
		d.mu.Unlock()
		return
	}
	d.faults[f] = on
	d.log.Info("fault", "fault", f.String(), "on", on)
	d.sendASBLocked()
	d.cond.Broadcast()
	d.mu.Unlock()
}

// Faults returns the faults in force.
func (d *Device) Faults() []Fault {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []Fault
	for f := PaperEnd; f <= AutocutterError; f++ {
		if d.faults[f] {
			out = append(out, f)
		}
	}
	return out
}

// FaultAfterTicket injects fault f the moment ticket n (counting from 1)
// is cut: paper running out mid-job, at an exact place.
func (d *Device) FaultAfterTicket(n int, f Fault) {
	d.mu.Lock()
	if d.faultAt == nil {
		d.faultAt = map[int]Fault{}
	}
	d.faultAt[n] = f
	d.mu.Unlock()
}

// DropAfter closes the next connection after n more bytes arrive (n < 0
// turns it off): a cable pulled mid-job.
func (d *Device) DropAfter(n int) {
	d.mu.Lock()
	d.dropAfter = n
	d.mu.Unlock()
}

// Stall makes the printer stop reading and answering altogether.
func (d *Device) Stall(on bool) {
	d.mu.Lock()
	d.stalled = on
	d.cond.Broadcast()
	d.mu.Unlock()
}

// WrongStatus makes every DLE EOT answer b (a broken or foreign printer);
// on=false restores true answers.
func (d *Device) WrongStatus(b byte, on bool) {
	d.mu.Lock()
	if on {
		d.wrong = &b
	} else {
		d.wrong = nil
	}
	d.mu.Unlock()
}

// Close stops listeners, links and the print engine.
func (d *Device) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	close(d.done)
	closers := d.closers
	for l := range d.links {
		closers = append(closers, l.rw)
	}
	d.cond.Broadcast()
	d.mu.Unlock()
	var errs []error
	for _, c := range closers {
		if err := c.Close(); err != nil && !errors.Is(err, os.ErrClosed) && !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.ErrClosedPipe) {
			errs = append(errs, err)
		}
	}
	d.wg.Wait()
	return errors.Join(errs...)
}

// engine is the print head: it takes commands from the buffer in order,
// waits while a fault stops printing, and answers the in-sequence requests.
func (d *Device) engine() {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		for !d.closed && (len(d.queue) == 0 || d.stoppedLocked()) {
			d.cond.Wait()
		}
		if d.closed {
			d.mu.Unlock()
			return
		}
		j := d.queue[0]
		d.mu.Unlock()

		if d.opt.Speed > 0 {
			select {
			case <-time.After(time.Duration(len(j.raw)) * time.Second / time.Duration(d.opt.Speed)):
			case <-d.done:
				return
			}
		}

		d.mu.Lock()
		d.queue = d.queue[1:]
		d.queued -= len(j.raw)
		if j.tear {
			d.tearLocked()
		} else {
			d.process(j)
		}
		if d.opt.XonXoff && j.from != nil && j.from.xoff && d.queued <= d.opt.BufferSize/4 {
			j.from.xoff = false
			j.from.send([]byte{0x11})
		}
		d.cond.Broadcast()
		d.mu.Unlock()
	}
}

// stoppedLocked reports whether a fault holds printing.
func (d *Device) stoppedLocked() bool {
	return d.stalled || d.faults[PaperEnd] || d.faults[CoverOpen] || d.faults[Offline] || d.faults[AutocutterError]
}

// process executes one command at the print head; d.mu is held.
func (d *Device) process(j job) {
	c := &j.cmd
	switch c.Op {
	case decode.OpTransmitStatus:
		var b byte
		switch c.Arg(0) {
		case 1, 49:
			b = d.paperSensorLocked()
		case 2, 50:
			b = 0 // drawer pin 3 low
		}
		d.log.Info("status", "request", "GS r "+strconv.Itoa(c.Arg(0)), "answer", b)
		j.from.send([]byte{b})
		return
	case decode.OpPrinterID:
		ans := d.printerID(c.Arg(0))
		d.log.Info("status", "request", "GS I "+strconv.Itoa(c.Arg(0)), "answer", fmt.Sprintf("% x", ans))
		j.from.send(ans)
		return
	case decode.OpASB:
		d.asb = c.Arg(0) != 0
		d.log.Info("status", "request", "GS a "+strconv.Itoa(c.Arg(0)))
		if d.asb {
			d.sendASBLocked()
		}
		return
	}
	d.current = append(d.current, j.raw...)
	if c.Op == decode.OpCut || c.Op == decode.OpLegacyCut {
		d.finishTicketLocked()
	}
}

// tearLocked ends a ticket that has paper but no cut (printers without a
// cutter, or a job cut short); bytes that printed nothing are dropped.
func (d *Device) tearLocked() {
	if len(d.current) == 0 {
		return
	}
	res := paper.Print(d.current, d.opt.Profile)
	if len(res.Tickets) == 0 {
		d.current = nil
		return
	}
	d.finishTicketLocked()
}

// finishTicketLocked turns the bytes since the last cut into a ticket.
func (d *Device) finishTicketLocked() {
	raw := d.current
	d.current = nil
	res := paper.Print(raw, d.opt.Profile)
	t := Ticket{Seq: len(d.tickets) + 1, Raw: raw}
	if len(res.Tickets) > 0 {
		t.Paper = res.Tickets[0]
	}
	d.tickets = append(d.tickets, t)
	if d.opt.OutDir != "" {
		if err := writeTicket(d.opt.OutDir, d.fileBase+t.Seq, t); err != nil {
			d.log.Error("ticket not written", "seq", t.Seq, "err", err)
		}
	}
	d.log.Info("ticket", "seq", t.Seq, "bytes", len(raw), "problems", len(res.Problems))
	if f, ok := d.faultAt[t.Seq]; ok {
		delete(d.faultAt, t.Seq)
		d.faults[f] = true
		d.log.Info("fault", "fault", f.String(), "on", true, "after ticket", t.Seq)
		d.sendASBLocked()
	}
	if d.onTicket != nil {
		d.onTicket(t)
	}
}

// File reports where ticket seq was written in the out dir.
func (d *Device) File(seq int, ext string) string {
	return filepath.Join(d.opt.OutDir, fmt.Sprintf("%04d%s", d.fileBase+seq, ext))
}

func writeTicket(dir string, n int, t Ticket) error {
	base := filepath.Join(dir, fmt.Sprintf("%04d", n))
	if err := os.WriteFile(base+".bin", t.Raw, 0o644); err != nil {
		return err
	}
	if t.Paper == nil {
		return nil
	}
	if err := os.WriteFile(base+".txt", []byte(t.Paper.Text()), 0o644); err != nil {
		return err
	}
	f, err := os.Create(base + ".png")
	if err != nil {
		return err
	}
	if err := t.Paper.PNG(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Status bytes as Epson documents them (ESC/POS reference, DLE EOT and
// GS a): bits 1 and 4 of a DLE EOT answer are always set, bits 0 and 7 clear.
const statusFixed = 0x12

func (d *Device) realtimeStatusLocked(n int) byte {
	if d.wrong != nil {
		return *d.wrong
	}
	b := byte(statusFixed)
	switch n {
	case 1: // printer status
		if d.stoppedLocked() {
			b |= 0x08 // offline
		}
	case 2: // offline cause
		if d.faults[CoverOpen] {
			b |= 0x04
		}
		if d.faults[PaperEnd] {
			b |= 0x20 // printing stopped by paper end
		}
		if d.faults[AutocutterError] {
			b |= 0x40 // error occurred
		}
	case 3: // error cause
		if d.faults[AutocutterError] {
			b |= 0x08
		}
	case 4: // roll paper sensor
		if d.faults[PaperNearEnd] {
			b |= 0x0C
		}
		if d.faults[PaperEnd] {
			b |= 0x60
		}
	}
	return b
}

// paperSensorLocked is the GS r 1 answer: bits 0–1 near end, 2–3 end.
func (d *Device) paperSensorLocked() byte {
	var b byte
	if d.faults[PaperNearEnd] {
		b |= 0x03
	}
	if d.faults[PaperEnd] {
		b |= 0x0C
	}
	return b
}

// asbLocked is the 4-byte Automatic Status Back packet.
func (d *Device) asbLocked() []byte {
	b1 := byte(0x10)
	if d.stoppedLocked() {
		b1 |= 0x08
	}
	if d.faults[CoverOpen] {
		b1 |= 0x20
	}
	var b2, b3 byte
	if d.faults[AutocutterError] {
		b2 |= 0x08
	}
	if d.faults[PaperNearEnd] {
		b3 |= 0x03
	}
	if d.faults[PaperEnd] {
		b3 |= 0x0C
	}
	return []byte{b1, b2, b3, 0x00}
}

func (d *Device) sendASBLocked() {
	if !d.asb {
		return
	}
	p := d.asbLocked()
	d.log.Info("status", "asb", fmt.Sprintf("% x", p))
	for l := range d.links {
		l.send(p)
	}
}

func (d *Device) printerID(n int) []byte {
	name := "Virtual"
	if d.opt.Profile != nil {
		name = d.opt.Profile.Name
	}
	switch n {
	case 1, 49:
		return []byte{0x20} // model ID
	case 2, 50:
		return []byte{0x02} // type: autocutter fitted
	case 3, 51:
		return []byte{0x40} // ROM version ID
	case 65:
		return append(append([]byte{'_'}, "1.00 virtual"...), 0)
	case 66:
		return append(append([]byte{'_'}, "secuprint"...), 0)
	case 67:
		return append(append([]byte{'_'}, name...), 0)
	case 68:
		return append(append([]byte{'_'}, "0000000000"...), 0)
	case 69:
		return append(append([]byte{'_'}, "PC437"...), 0)
	}
	return nil
}
