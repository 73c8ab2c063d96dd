// Package serial drives printers on an RS-232 or USB-serial line: through
// github.com/tarm/serial on Linux and Windows, and through its own termios
// code (golang.org/x/sys/unix) on macOS and the BSDs, where tarm/serial
// needs cgo.
//
// Neither has RTS/CTS or XON/XOFF flow control here, so this package does
// both jobs in software:
//
//   - Writes are paced to the line's speed (start bit + data bits + parity +
//     stop bits per character). The kernel's queue then never holds more than
//     about two steps (≈20 ms of line time), so an XOFF from the printer takes
//     effect at once, a Write returns when its bytes are on the wire, and
//     deadlines mean what they say.
//   - With flow=xonxoff (the default) XOFF (0x13) in the bytes read back
//     pauses writing and XON (0x11) resumes it; both are consumed.
package serial

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/secuprint/receipt/transport"
)

// DefaultTimeout bounds each blocking step (one read, one chunk of a write,
// one XOFF pause) when neither the address nor a deadline says otherwise.
const DefaultTimeout = 5 * time.Second

// Flow control bytes a printer sends when its buffer fills and drains.
const (
	XON  byte = 0x11
	XOFF byte = 0x13
)

// pollInterval is how long one port read waits (tarm's smallest read
// timeout, termios VTIME 1): the background reader notices Close within it.
const pollInterval = 100 * time.Millisecond

// stepTime is the line time one write step carries: small enough that an
// XOFF stops us within a few characters, large enough to wake only 100
// times a second.
const stepTime = 10 * time.Millisecond

// hangupReads empty reads in a row, each returning well before the poll
// interval, mean the port hung up.
const hangupReads = 3

var errHangup = errors.New("the port hung up (device unplugged or switched off?)")

// maxBuffered caps bytes read back but not yet consumed; beyond it the
// oldest are dropped (printers send a few status bytes, never this much).
const maxBuffered = 64 << 10

// port is what this package needs of a serial port: tarm's *Port or a
// termiosPort. A Read with nothing to read returns within pollInterval,
// empty, with a nil error or io.EOF.
type port = io.ReadWriteCloser

// portConfig is what opening a port takes, whichever driver opens it.
type portConfig struct {
	name        string
	baud        int
	dataBits    int
	parity      transport.Parity
	stop        transport.StopBits
	readTimeout time.Duration
}

// openPort is the driver of this system (openOSPort); tests replace it.
var openPort = openOSPort

// line is a validated serial configuration.
type line struct {
	port     string
	baud     int
	dataBits int
	parity   transport.Parity
	stop     transport.StopBits
	flow     transport.Flow
	timeout  time.Duration
}

// checkLine fills in defaults for zero fields and rejects invalid ones.
func checkLine(a transport.SerialAddress) (line, error) {
	l := line{port: a.Port, baud: a.Baud, dataBits: a.DataBits, parity: a.Parity, stop: a.StopBits, flow: a.Flow, timeout: a.Timeout}
	if l.baud == 0 {
		l.baud = transport.DefaultBaud
	}
	if l.dataBits == 0 {
		l.dataBits = transport.DefaultDataBits
	}
	if l.parity == 0 {
		l.parity = transport.ParityNone
	}
	if l.stop == 0 {
		l.stop = transport.Stop1
	}
	if l.timeout == 0 {
		l.timeout = DefaultTimeout
	}
	switch {
	case l.port == "":
		return l, fmt.Errorf("serial: %w: no port", transport.ErrInvalidAddress)
	case l.baud < 0:
		return l, fmt.Errorf("serial: %w: baud %d", transport.ErrInvalidAddress, l.baud)
	case l.dataBits < 5 || l.dataBits > 8:
		return l, fmt.Errorf("serial: %w: %d data bits, want 5..8", transport.ErrInvalidAddress, l.dataBits)
	case !l.parity.Valid():
		return l, fmt.Errorf("serial: %w: %v", transport.ErrInvalidAddress, l.parity)
	case !l.stop.Valid():
		return l, fmt.Errorf("serial: %w: %v", transport.ErrInvalidAddress, l.stop)
	case !l.flow.Valid():
		return l, fmt.Errorf("serial: %w: %v", transport.ErrInvalidAddress, l.flow)
	case l.timeout < 0:
		return l, fmt.Errorf("serial: %w: negative timeout", transport.ErrInvalidAddress)
	}
	if err := driverSupports(l); err != nil {
		return l, fmt.Errorf("serial: %w: %w", transport.ErrInvalidAddress, err)
	}
	return l, nil
}

func (l line) address() transport.SerialAddress {
	a := transport.SerialAddress{Port: l.port, Baud: l.baud, DataBits: l.dataBits, Parity: l.parity, StopBits: l.stop, Flow: l.flow}
	if l.timeout != DefaultTimeout {
		a.Timeout = l.timeout
	}
	return a
}

// charTime is how long one character occupies the wire. Counting in half
// bits keeps 1.5 stop bits exact.
func (l line) charTime() time.Duration {
	half := 2 * (1 + l.dataBits) // start and data bits
	if l.parity != transport.ParityNone {
		half += 2
	}
	switch l.stop {
	case transport.Stop1:
		half += 2
	case transport.Stop1Half:
		half += 3
	case transport.Stop2:
		half += 4
	}
	return time.Duration(half) * time.Second / time.Duration(2*l.baud)
}

func (l line) config() portConfig {
	return portConfig{name: l.port, baud: l.baud, dataBits: l.dataBits, parity: l.parity, stop: l.stop, readTimeout: pollInterval}
}

// pacer keeps the time the line is free again.
type pacer struct {
	charTime time.Duration
	// slack is how far behind schedule a step may be and still be booked on
	// the schedule: sleeping overshoots a little each time, and without
	// catching up the line would idle for the overshoot at every step.
	// Further behind, the line was idle and the schedule restarts now.
	slack time.Duration
	next  time.Time
}

// delay is how long to wait at now before the next step.
func (p *pacer) delay(now time.Time) time.Duration {
	if d := p.next.Sub(now); d > 0 {
		return d
	}
	return 0
}

// sent books n characters handed to the port at now.
func (p *pacer) sent(now time.Time, n int) {
	if now.Sub(p.next) > p.slack {
		p.next = now // the line was idle: no credit for the pause
	}
	p.next = p.next.Add(time.Duration(n) * p.charTime)
}

// filterFlow removes XON and XOFF from b in place and returns the data
// bytes and whether writing is held after them (the last flow byte wins;
// xoff is returned unchanged when there is none).
func filterFlow(b []byte, xoff bool) ([]byte, bool) {
	out := b[:0]
	for _, c := range b {
		switch c {
		case XOFF:
			xoff = true
		case XON:
			xoff = false
		default:
			out = append(out, c)
		}
	}
	return out, xoff
}

// signal wakes every waiter when fired; the owner's mutex guards it.
type signal struct{ ch chan struct{} }

func (s *signal) wait() <-chan struct{} {
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

func (s *signal) fire() {
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

// deadline is an absolute deadline whose changes wake blocked calls.
type deadline struct {
	mu      sync.Mutex
	t       time.Time
	changed signal
}

func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	d.t = t
	d.changed.fire()
	d.mu.Unlock()
}

func (d *deadline) get() (time.Time, <-chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.t, d.changed.wait()
}

// chunk is one write step handed to the port writer.
type chunk struct {
	buf  []byte
	n    int
	err  error
	done chan struct{}
}

// Conn is an open serial line to a printer. One Read and one Write may run
// concurrently; Close may be called at any time.
type Conn struct {
	p       port
	name    string
	timeout time.Duration
	xonxoff bool
	step    int // characters per write step

	// now and sleep drive the pacing; tests replace them with a fake clock.
	now   func() time.Time
	sleep func(time.Duration)

	wmu     sync.Mutex // one Write (or drain) at a time; guards pace, stuck, buf
	pace    pacer
	stuck   *chunk // a step the port has not finished, left by a timed-out Write
	buf     []byte
	writes  chan *chunk
	rdl     deadline
	wdl     deadline
	closed  chan struct{}
	stopped chan struct{} // the reader has ended

	mu      sync.Mutex // guards the fields below
	in      []byte
	readErr error
	xoff    bool // the printer sent XOFF (and no XON since)
	isDone  bool
	arrived signal // new bytes or readErr
	resumed signal // xoff no more
}

var _ transport.Conn = (*Conn)(nil)

// Open opens the port a names with its line settings. Zero fields take the
// defaults (9600 baud, 8 data bits, no parity, 1 stop bit, XON/XOFF,
// DefaultTimeout); invalid ones are an error wrapping ErrInvalidAddress.
//
// Errors: a missing port wraps ErrNotFound, missing permission
// ErrAccessDenied, a port held elsewhere ErrBusy.
func Open(a transport.SerialAddress) (*Conn, error) {
	l, err := checkLine(a)
	if err != nil {
		return nil, err
	}
	name := l.address().String()
	p, err := openPort(l.config())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, openError(err))
	}
	return newConn(p, l, name), nil
}

func newConn(p port, l line, name string) *Conn {
	ct := l.charTime()
	step := max(int(stepTime/ct), 1)
	c := &Conn{p: p, name: name, timeout: l.timeout, xonxoff: l.flow == transport.FlowXonXoff, step: step,
		now: time.Now, sleep: time.Sleep,
		pace:   pacer{charTime: ct, slack: time.Duration(step) * ct},
		writes: make(chan *chunk), closed: make(chan struct{}), stopped: make(chan struct{})}
	go c.reader()
	go c.writer()
	return c
}

// openError classifies an open failure; the OS-specific part is in
// openErrorOS.
func openError(err error) error {
	if e := openErrorOS(err); e != nil {
		return e
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: %w", transport.ErrNotFound, err)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w: %w (add the user to the group owning the port, usually dialout: 'sudo usermod -aG dialout $USER', then log in again)",
			transport.ErrAccessDenied, err)
	case errors.Is(err, syscall.EBUSY):
		return fmt.Errorf("%w: %w (another program has the port open)", transport.ErrBusy, err)
	case driverRefused(err):
		return fmt.Errorf("%w: %w", transport.ErrInvalidAddress, err)
	}
	return err
}

// reader moves received bytes into c.in, taking out XON/XOFF. It ends when
// the port fails or the Conn closes.
func (c *Conn) reader() {
	defer close(c.stopped)
	buf := make([]byte, 256)
	empties := 0
	for {
		start := time.Now()
		n, err := c.p.Read(buf)
		// An empty read normally takes the whole poll interval; a hung-up
		// tty (adapter unplugged, pty master closed) returns empty at once,
		// for ever.
		if n == 0 && (err == nil || errors.Is(err, io.EOF)) && time.Since(start) < pollInterval/2 {
			empties++
		} else {
			empties = 0
		}
		if empties >= hangupReads {
			err = errHangup
		}
		c.mu.Lock()
		if c.isDone {
			c.mu.Unlock()
			return
		}
		if n > 0 {
			data := buf[:n]
			if c.xonxoff {
				wasBusy := c.xoff
				data, c.xoff = filterFlow(data, c.xoff)
				if wasBusy && !c.xoff {
					c.resumed.fire()
				}
			}
			if len(data) > 0 {
				c.in = append(c.in, data...)
				if over := len(c.in) - maxBuffered; over > 0 {
					c.in = append(c.in[:0], c.in[over:]...)
				}
				c.arrived.fire()
			}
		}
		// tarm reports an empty read (its poll timeout) as io.EOF on Linux
		// and as (0, nil) on Windows: a serial line has no end, so that
		// only means "nothing yet".
		if err != nil && !errors.Is(err, io.EOF) {
			c.readErr = fmt.Errorf("%w: %w", transport.ErrDisconnected, err)
			c.arrived.fire()
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
	}
}

// writer performs port writes, so that a Write blocked by the driver (a
// stalled USB-serial adapter) still honours its deadline and Close.
func (c *Conn) writer() {
	for {
		select {
		case ch := <-c.writes:
			ch.n, ch.err = c.p.Write(ch.buf)
			close(ch.done)
		case <-c.closed:
			return
		}
	}
}

// Name is the port's canonical address.
func (c *Conn) Name() string { return c.name }

// SetReadDeadline sets an absolute read deadline; zero restores the
// per-read timeout. It affects a Read already blocked.
func (c *Conn) SetReadDeadline(t time.Time) error { c.rdl.set(t); return nil }

// SetWriteDeadline sets an absolute write deadline; zero restores the
// per-step timeout. It affects a Write already blocked (on XOFF or a
// stalled port); pacing waits are at most one step long.
func (c *Conn) SetWriteDeadline(t time.Time) error { c.wdl.set(t); return nil }

// Busy reports whether writing is held by the printer's XOFF.
func (c *Conn) Busy() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.xoff
}

// CharTime is how long one character occupies the line.
func (c *Conn) CharTime() time.Duration { return c.pace.charTime }

// wait blocks until ready is closed, the deadline passes (with none, the
// step timeout counted from start), or the Conn closes. A deadline changed
// meanwhile applies at once.
func (c *Conn) wait(ready <-chan struct{}, dl *deadline, start time.Time) error {
	for {
		t, changed := dl.get()
		if t.IsZero() {
			t = start.Add(c.timeout)
		}
		d := time.Until(t)
		if d <= 0 {
			return transport.ErrTimeout
		}
		timer := time.NewTimer(d)
		select {
		case <-ready:
			timer.Stop()
			return nil
		case <-c.closed:
			timer.Stop()
			return transport.ErrClosed
		case <-changed:
			timer.Stop()
		case <-timer.C:
			return transport.ErrTimeout
		}
	}
}

func (c *Conn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// Read returns bytes the printer sent (status answers), without XON/XOFF
// when flow control is on. It waits up to the read deadline or timeout for
// the first byte.
func (c *Conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	start := time.Now()
	for {
		if c.isClosed() {
			return 0, fmt.Errorf("%s: read: %w", c.name, transport.ErrClosed)
		}
		c.mu.Lock()
		if len(c.in) > 0 {
			n := copy(p, c.in)
			c.in = c.in[n:]
			c.mu.Unlock()
			return n, nil
		}
		if err := c.readErr; err != nil {
			c.mu.Unlock()
			return 0, fmt.Errorf("%s: read: %w", c.name, err)
		}
		arrived := c.arrived.wait()
		c.mu.Unlock()
		if err := c.wait(arrived, &c.rdl, start); err != nil {
			return 0, fmt.Errorf("%s: read: %w", c.name, err)
		}
	}
}

// Write sends p no faster than the line carries it, waiting while the
// printer has sent XOFF.
//
// On a timeout the count says how much was handed to the port. When the
// port driver itself stalls (a USB-serial adapter whose device stopped
// taking data), the step it is stuck on is counted as handed over, since it
// may still reach the printer; the next Write first waits for that step.
func (c *Conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.isClosed() {
		return 0, fmt.Errorf("%s: write: %w", c.name, transport.ErrClosed)
	}
	if c.stuck != nil {
		if err := c.finish(c.stuck, time.Now()); err != nil {
			return 0, fmt.Errorf("%s: write: %w", c.name, err)
		}
	}
	sent := 0
	for sent < len(p) {
		// Pace first, then check flow: an XOFF that came in while sleeping
		// stops this step.
		if d := c.pace.delay(c.now()); d > 0 {
			if t, _ := c.wdl.get(); !t.IsZero() && t.Before(time.Now().Add(d)) {
				time.Sleep(time.Until(t))
				return sent, fmt.Errorf("%s: write: %w", c.name, transport.ErrTimeout)
			}
			c.sleep(d)
		}
		if err := c.awaitResume(); err != nil {
			return sent, fmt.Errorf("%s: write: %w", c.name, err)
		}
		end := min(sent+c.step, len(p))
		n, err := c.send(p[sent:end])
		c.pace.sent(c.now(), n)
		sent += n
		if err != nil {
			return sent, fmt.Errorf("%s: write: %w", c.name, err)
		}
	}
	return sent, nil
}

// awaitResume waits while writing is held.
func (c *Conn) awaitResume() error {
	start := time.Now()
	for {
		c.mu.Lock()
		if !c.xoff {
			c.mu.Unlock()
			return nil
		}
		resumed := c.resumed.wait()
		c.mu.Unlock()
		if err := c.wait(resumed, &c.wdl, start); err != nil {
			return err
		}
	}
}

// send hands one step to the port writer and waits for it. The bytes are
// copied: a step that outlives its Write must not see the caller's buffer
// change.
func (c *Conn) send(b []byte) (int, error) {
	if c.buf == nil {
		c.buf = make([]byte, c.step)
	}
	ch := &chunk{buf: c.buf[:copy(c.buf, b)], done: make(chan struct{})}
	start := time.Now()
	select {
	case c.writes <- ch:
	case <-c.closed:
		return 0, transport.ErrClosed
	}
	if err := c.finish(ch, start); err != nil {
		if errors.Is(err, transport.ErrTimeout) {
			return len(b), err
		}
		return ch.n, err
	}
	return ch.n, nil
}

// finish waits for a step the writer took; if it is still stuck when the
// deadline passes it is remembered (and its buffer given up).
func (c *Conn) finish(ch *chunk, start time.Time) error {
	if err := c.wait(ch.done, &c.wdl, start); err != nil {
		if errors.Is(err, transport.ErrTimeout) {
			c.stuck, c.buf = ch, nil
		}
		return err
	}
	c.stuck = nil
	switch {
	case ch.err == nil:
		return nil
	case errors.Is(ch.err, os.ErrClosed):
		return transport.ErrClosed
	}
	return fmt.Errorf("%w: %w", transport.ErrDisconnected, ch.err)
}

// drain waits until everything written has left the wire by the pacing
// clock: a Write returns when its last step is handed to the port, up to
// one step (≈10 ms of line time) before the printer has it. The tests
// measure the pacing with it.
func (c *Conn) drain() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if d := c.pace.delay(c.now()); d > 0 {
		c.sleep(d)
	}
}

// Close closes the port; blocked calls return ErrClosed. It waits (at most
// a second) for the reader to let go of the port, so the port can be opened
// again at once.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.isDone {
		c.mu.Unlock()
		return fmt.Errorf("%s: close: %w", c.name, transport.ErrClosed)
	}
	c.isDone = true
	close(c.closed)
	c.mu.Unlock()
	err := c.p.Close()
	select {
	case <-c.stopped: // the reader wakes within pollInterval
	case <-time.After(time.Second):
	}
	if err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("%s: close: %w", c.name, err)
	}
	return nil
}
