// Package virtual is a receipt printer made of software: it listens on TCP
// (raw port 9100) and on a pseudo-terminal (a serial port), answers status
// requests as an Epson printer does (or a Star one, for a Star profile),
// prints into tickets through package paper (escpos/paper), and lets tests
// inject the faults real printers have. Its status answers come from the
// same codecs the driver reads them with (escpos, escpos/star).
//
// printers.Open reaches it as virtual:// once a binary calls Register
// (Open, Printer): the printers package does not import this one, so the
// virtual printer can be built on the real drivers.
//
// # Receiving
//
// Like a real printer it has a receive buffer (4 KiB by default) that drains
// at print speed. When the buffer is full the device stops taking data from
// the connection, so the sender sees TCP or serial back-pressure; on a pty it
// can also send XOFF/XON at high and low water marks. A command is buffered
// whole: one larger than the buffer is taken when the buffer is empty.
//
// Real-time requests (DLE EOT, DLE ENQ, DLE DC4) are answered the moment the
// device reads them, even while a fault holds printing or the buffer is full:
// with a full buffer the device still reads, one byte at a time, until it
// holds the next data command. A request that follows that command on the
// wire waits behind it, as it would behind a serial printer's BUSY line.
// GS r, GS I and GS a are answered when the print engine reaches them, after
// everything before them was printed — which is what makes GS r a print
// confirmation. While paper end, cover open, offline or an autocutter error
// is in force, data stays in the buffer until recovery.
//
// # Connections
//
// Any number of links (TCP, pty, in-memory) may be open, but the printer
// takes data from one at a time, as a multi-interface printer does: a link
// owns the buffer from its first data byte until its data has printed and
// no ticket is left open (or it hangs up, or it has sent nothing for
// Options.SwitchIdle); the others wait as if the buffer were full. TCP
// accepts one connection at a time like a JetDirect card: a second client's
// connect succeeds (the kernel's listen backlog) but nothing of it is read
// until the first hangs up.
//
// # Tickets
//
// Each cut (GS V, ESC i, ESC m) ends a ticket. When the link that owns an
// uncut ticket hangs up, the paper is torn off as a ticket with Cut false
// (a job cut short, or a printer without a cutter). A ticket's Raw holds the
// bytes that printed it as received, except the status traffic: real-time
// requests (DLE EOT, DLE ENQ, DLE DC4) and GS r, GS I and GS a — so a job's
// ticket compares byte for byte with the job its host sent.
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
	"github.com/secuprint/receipt/escpos/paper"
	"github.com/secuprint/receipt/escpos/star"
	"github.com/secuprint/receipt/transport"
)

// Fault is a printer condition tests and operators inject.
type Fault uint8

const (
	PaperEnd        Fault = iota + 1 // roll empty: printing stops
	PaperNearEnd                     // roll nearly empty: a warning only
	CoverOpen                        // printing stops
	Offline                          // printing stops, no cause reported
	AutocutterError                  // a recoverable error: DLE ENQ 1/2 or SetFault clears it
	faultEnd
)

var faultNames = [...]string{"", "paper-end", "paper-near-end", "cover-open", "offline", "autocutter-error"}

func (f Fault) String() string {
	if f.Valid() {
		return faultNames[f]
	}
	return "Fault(" + strconv.Itoa(int(f)) + ")"
}

// Valid reports whether f is one of the faults.
func (f Fault) Valid() bool { return f > 0 && f < faultEnd }

// ParseFault reads a fault name as String writes it.
func ParseFault(s string) (Fault, error) {
	for f := PaperEnd; f < faultEnd; f++ {
		if faultNames[f] == s {
			return f, nil
		}
	}
	return 0, fmt.Errorf("virtual: unknown fault %q (want %s)", s, strings.Join(faultNames[1:], ", "))
}

// ErrClosed is returned for work asked of a closed device.
var ErrClosed = errors.New("virtual: device closed")

// Defaults.
const (
	DefaultBufferSize = 4096
	DefaultSwitchIdle = 2 * time.Second
)

// Options configure a Device.
type Options struct {
	Profile    *escpos.Profile // nil: a generic 80 mm printer with a cutter
	BufferSize int             // receive buffer, bytes; 0: DefaultBufferSize
	Speed      int             // bytes per second the buffer drains at; 0: at once
	OutDir     string          // when set, tickets go there as NNNN.bin/.txt/.png, status traffic to status.log
	// XonXoff sends XOFF (0x13) on a pty when the buffer fills to XoffAt
	// bytes (or data must wait) and XON (0x11) once it drained to XonAt.
	// Zero marks mean 3/4 and 1/4 of the buffer.
	XonXoff       bool
	XoffAt, XonAt int
	// SwitchIdle is how long a link that left a ticket uncut keeps the
	// printer from the other links; 0: DefaultSwitchIdle, negative: forever.
	SwitchIdle time.Duration
	Logger     *slog.Logger // status traffic, faults, tickets; nil: discarded
}

func (o *Options) check() error {
	if o.BufferSize < 0 {
		return fmt.Errorf("virtual: buffer size %d is negative", o.BufferSize)
	}
	if o.BufferSize == 0 {
		o.BufferSize = DefaultBufferSize
	}
	if o.Speed < 0 {
		return fmt.Errorf("virtual: speed %d bytes/s is negative", o.Speed)
	}
	if o.XoffAt == 0 {
		o.XoffAt = max(o.BufferSize*3/4, 1)
	}
	if o.XonAt == 0 {
		o.XonAt = o.BufferSize / 4
	}
	if o.XoffAt < 1 || o.XoffAt > o.BufferSize || o.XonAt < 0 || o.XonAt >= o.XoffAt {
		return fmt.Errorf("virtual: XON at %d and XOFF at %d bytes: want 0 <= XON < XOFF <= buffer size %d",
			o.XonAt, o.XoffAt, o.BufferSize)
	}
	if o.SwitchIdle == 0 {
		o.SwitchIdle = DefaultSwitchIdle
	}
	return nil
}

// Ticket is the paper between two cuts and the bytes that printed it.
type Ticket struct {
	Seq int  // 1, 2, … in the order printed
	Cut bool // false: torn off when its host hung up
	// Raw is every byte that printed the ticket, as received, without the
	// status traffic (DLE EOT/ENQ/DC4, GS r, GS I, GS a).
	Raw   []byte
	Paper *paper.Ticket // nil when the bytes print nothing paper can show
}

// State is a snapshot of the device.
type State struct {
	Faults    []Fault // in force, in Fault order
	Online    bool    // printing is not held by a fault or a stall
	Stalled   bool
	ASB       uint8   // the GS a mask in force; 0: Automatic Status Back off
	Realtime  [4]byte // what DLE EOT 1–4 answer now (WrongStatus aside)
	Buffered  int     // bytes in the receive buffer
	Received  int64   // bytes read from all links, status requests included
	Processed int64   // bytes the print engine took from the buffer
	Links     int     // open links
	Waiting   int     // links whose data waits for room in the buffer
	Tickets   int
	// Idle: nothing is buffered or at the print head, so every ticket cut
	// so far has its files written and is counted in Tickets. Buffered
	// reaches 0 as the last command is taken, before its ticket is done.
	Idle bool
}

// Has reports whether fault f is in force.
func (s State) Has(f Fault) bool {
	for _, g := range s.Faults {
		if g == f {
			return true
		}
	}
	return false
}

// Device is one virtual printer. Its methods are safe for concurrent use.
type Device struct {
	opt  Options
	log  *slog.Logger
	done chan struct{}
	wg   sync.WaitGroup

	mu      sync.Mutex
	cond    *sync.Cond // the data path waits here: buffer, faults, stall, close
	watch   *sync.Cond // Wait callers wait here: any change of State
	closed  bool
	closers []io.Closer
	links   map[*link]struct{}

	queue     fifo  // the receive buffer, in arrival order
	used      int   // bytes in the buffer, the command being printed included
	owner     *link // the link whose data the buffer takes
	received  int64
	processed int64
	waiting   int

	faults    [faultEnd]bool
	serial    string // GS I 68's answer when set (identity.go)
	asb       uint8
	starASB   bool // ESC RS a enabled Star's ASB on every status change
	etb       int  // Star's ETB counter
	stalled   bool
	wrong     int // DLE EOT answers this byte; -1: the true status
	wrongOnce bool
	dropLeft  int // bytes until the next link is dropped; -1: off

	current []byte       // raw bytes of the ticket being printed
	atHead  bool         // the engine holds a command or finishes its ticket
	store   *paper.Store // NV graphics and bit images: kept across links
	nvSaved int          // store version last written to OutDir
	// dec and press decode and print the tickets; the print engine alone
	// uses them (finishTicket).
	dec      *decode.Decoder
	press    *paper.Printer
	tickets  []Ticket
	faultAt  map[int]Fault
	onTicket func(Ticket)
	// rxOpen: a ticket's data has begun arriving and its cut has not.
	rxOpen     bool
	onRxTicket func(time.Time)
	fileBase   int     // tickets already in OutDir from earlier runs
	errs       []error // ticket files that could not be written, for Close

	logMu     sync.Mutex // callers of event may hold mu or not
	statusLog *os.File
	logErr    error // the first failed status.log write
}

// job is one buffered command, a run of commands that only print, or the
// tear-off mark of a link that hung up.
type job struct {
	op   decode.Op
	arg  int  // first parameter, -1 if none
	bad  bool // the decoder reported an error: printed (or not) by paper, not acted on
	raw  []byte
	from *link
	tear bool
	etb  bool // Star's ETB: answer an ASB once what came before printed
}

// New starts a device's print engine.
func New(opt Options) (*Device, error) {
	if err := opt.check(); err != nil {
		return nil, err
	}
	d := &Device{opt: opt, log: opt.Logger, done: make(chan struct{}), links: map[*link]struct{}{},
		wrong: -1, dropLeft: -1, store: paper.NewStore()}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if opt.OutDir != "" {
		if err := os.MkdirAll(opt.OutDir, 0o755); err != nil {
			return nil, fmt.Errorf("virtual: %w", err)
		}
		// Number on from earlier runs instead of overwriting their tickets.
		old, err := filepath.Glob(filepath.Join(opt.OutDir, "[0-9][0-9][0-9][0-9]*.bin"))
		if err != nil {
			return nil, fmt.Errorf("virtual: %w", err)
		}
		for _, f := range old {
			if n, err := strconv.Atoi(strings.TrimSuffix(filepath.Base(f), ".bin")); err == nil && n > d.fileBase {
				d.fileBase = n
			}
		}
		f, err := os.OpenFile(filepath.Join(opt.OutDir, "status.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("virtual: %w", err)
		}
		d.statusLog = f
		d.loadNV()
	}
	// One decoder and one print engine for every ticket: code page, modes
	// and settings carry from a ticket to the next, as on the printer.
	d.dec = decode.NewDecoder(star.ESCPOSTwin(opt.Profile))
	d.press = paper.NewPrinter(star.ESCPOSTwin(opt.Profile), paper.Options{Store: d.store})
	d.cond = sync.NewCond(&d.mu)
	d.watch = sync.NewCond(&d.mu)
	d.wg.Add(1)
	go d.engine()
	return d, nil
}

// OnTicket sets a function the print engine calls with each ticket, after
// its files are written. It must not call Close.
func (d *Device) OnTicket(f func(Ticket)) {
	d.mu.Lock()
	d.onTicket = f
	d.mu.Unlock()
}

// OnTicketStart sets a function called with the arrival time of each
// ticket's first data byte (status traffic aside), as the link reads it:
// what a host's latency to the printer is measured to. It runs outside
// the device's lock and must not call Close.
func (d *Device) OnTicketStart(f func(time.Time)) {
	d.mu.Lock()
	d.onRxTicket = f
	d.mu.Unlock()
}

// Store is the printer's NV graphics memory (GS ( L function 67 logos, FS q
// bit images). It survives reconnects, as a printer's NV memory does, but
// not the Device.
func (d *Device) Store() *paper.Store { return d.store }

// Tickets returns the tickets printed so far.
func (d *Device) Tickets() []Ticket {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Ticket(nil), d.tickets...)
}

// File is where ticket seq is written in the out dir, with extension ext
// (".bin", ".txt", ".png").
func (d *Device) File(seq int, ext string) string {
	return filepath.Join(d.opt.OutDir, fmt.Sprintf("%04d%s", d.fileBase+seq, ext))
}

// Status returns the device's state.
func (d *Device) Status() State {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stateLocked()
}

func (d *Device) stateLocked() State {
	s := State{Online: !d.stoppedLocked(), Stalled: d.stalled, ASB: d.asb, Buffered: d.used,
		Received: d.received, Processed: d.processed, Links: len(d.links), Waiting: d.waiting, Tickets: len(d.tickets),
		Idle: d.queue.len() == 0 && !d.atHead}
	for f := PaperEnd; f < faultEnd; f++ {
		if d.faults[f] {
			s.Faults = append(s.Faults, f)
		}
	}
	for n := 1; n <= 4; n++ {
		s.Realtime[n-1] = d.realtimeStatusLocked(n)
	}
	return s
}

// Wait blocks until cond holds for the device's state, ctx ends or the
// device closes. Tests use it instead of sleeping.
func (d *Device) Wait(ctx context.Context, cond func(State) bool) error {
	stop := context.AfterFunc(ctx, d.broadcast)
	defer stop()
	d.mu.Lock()
	defer d.mu.Unlock()
	for {
		s := d.stateLocked()
		if cond(s) {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("virtual: waiting (buffered %d, received %d, processed %d, tickets %d): %w",
				s.Buffered, s.Received, s.Processed, s.Tickets, err)
		}
		if d.closed {
			return ErrClosed
		}
		d.watch.Wait()
	}
}

// WaitTickets blocks until n tickets have printed, ctx ends or the device
// closes.
func (d *Device) WaitTickets(ctx context.Context, n int) error {
	return d.Wait(ctx, func(s State) bool { return s.Tickets >= n })
}

// SetFault turns a fault on or off. Paper end, cover open, offline and an
// autocutter error hold printing (data waits in the buffer) until cleared;
// Automatic Status Back reports the change.
func (d *Device) SetFault(f Fault, on bool) {
	if !f.Valid() {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.setFaultLocked(nil, f, on)
}

func (d *Device) setFaultLocked(l *link, f Fault, on bool) {
	if d.faults[f] == on {
		return
	}
	before, starBefore := d.asbPacketLocked(), d.starASBLocked(false)
	d.faults[f] = on
	state := " off"
	if on {
		state = " on"
	}
	d.event(l, "fault "+f.String()+state)
	d.asbChangedLocked(before)
	d.starASBChangedLocked(starBefore)
	d.changed()
}

// Faults returns the faults in force.
func (d *Device) Faults() []Fault { return d.Status().Faults }

// FaultAfterTicket injects fault f the moment ticket n (counting from 1) is
// done: paper running out mid-job, at an exact place.
func (d *Device) FaultAfterTicket(n int, f Fault) {
	d.mu.Lock()
	if d.faultAt == nil {
		d.faultAt = map[int]Fault{}
	}
	d.faultAt[n] = f
	d.mu.Unlock()
}

// DropAfter hangs up the link that reads next once n more bytes arrived
// from it (a cable pulled mid-job): those bytes print, later ones are never
// read. n < 0 turns it off.
func (d *Device) DropAfter(n int) {
	d.mu.Lock()
	d.dropLeft = max(n, -1)
	d.changed()
	d.mu.Unlock()
}

// Stall makes the printer hang: it stops reading, printing and answering
// (status requests included) until Stall(false); then it goes on where it
// stopped.
func (d *Device) Stall(on bool) {
	d.mu.Lock()
	if d.stalled != on {
		d.stalled = on
		d.event(nil, "stall "+strconv.FormatBool(on))
		d.changed()
	}
	d.mu.Unlock()
}

// WrongStatus makes every DLE EOT answer b (a broken or foreign printer)
// until WrongStatus(_, false) restores true answers.
func (d *Device) WrongStatus(b byte, on bool) {
	d.mu.Lock()
	d.wrong, d.wrongOnce = -1, false
	if on {
		d.wrong = int(b)
	}
	d.mu.Unlock()
}

// WrongStatusOnce makes the next DLE EOT answer b; later ones are true.
func (d *Device) WrongStatusOnce(b byte) {
	d.mu.Lock()
	d.wrong, d.wrongOnce = int(b), true
	d.mu.Unlock()
}

// Close stops listeners, links and the print engine; blocked calls return.
// Data still in the buffer and an uncut ticket are discarded. It reports
// output files that could not be written.
func (d *Device) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	close(d.done)
	d.logShutdownLocked()
	closers := d.closers
	for l := range d.links {
		closers = append(closers, l.rw)
	}
	d.changed()
	d.mu.Unlock()
	var errs []error
	for _, c := range closers {
		if err := c.Close(); err != nil && !isClosedErr(err) {
			errs = append(errs, fmt.Errorf("virtual: %w", err))
		}
	}
	d.wg.Wait()
	d.mu.Lock()
	errs = append(errs, d.errs...)
	d.mu.Unlock()
	d.logMu.Lock()
	defer d.logMu.Unlock()
	if d.logErr != nil {
		errs = append(errs, d.logErr)
	}
	if d.statusLog != nil {
		if err := d.statusLog.Close(); err != nil {
			errs = append(errs, fmt.Errorf("virtual: %w", err))
		}
		d.statusLog = nil
	}
	return errors.Join(errs...)
}

func isClosedErr(err error) bool {
	return errors.Is(err, os.ErrClosed) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrClosedPipe) ||
		errors.Is(err, transport.ErrClosed)
}

// event logs one line of status traffic: to the Logger and to status.log.
func (d *Device) event(l *link, msg string) {
	name := "-"
	if l != nil {
		name = l.name
	}
	d.log.Info(msg, "link", name)
	d.logMu.Lock()
	defer d.logMu.Unlock()
	if d.statusLog == nil {
		return
	}
	line := time.Now().UTC().AppendFormat(nil, "2006-01-02T15:04:05.000000Z")
	line = append(line, ' ')
	line = append(line, name...)
	line = append(line, ": "...)
	line = append(line, msg...)
	line = append(line, '\n')
	if _, err := d.statusLog.Write(line); err != nil && d.logErr == nil {
		d.logErr = fmt.Errorf("virtual: status.log: %w", err)
	}
}
