// Package serial drives printers on an RS-232 or USB-serial line through
// github.com/tarm/serial. tarm/serial has no hardware or XON/XOFF flow
// control, so this package paces writes in software to the line's speed and
// honours XOFF/XON itself: a printer's receive buffer never sees data faster
// than the wire could carry it, and a printer that sends XOFF is waited for.
package serial

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"time"

	tarm "github.com/tarm/serial"

	"github.com/secuprint/receipt/transport"
)

// DefaultTimeout bounds each blocking step when no deadline is set.
const DefaultTimeout = 5 * time.Second

// Flow control bytes a printer sends when its buffer fills and drains.
const (
	XON  = 0x11
	XOFF = 0x13
)

// pollInterval is how often the background reader wakes up (tarm's
// smallest read timeout) to notice Close.
const pollInterval = 100 * time.Millisecond

// port is what this package needs of a serial port: tarm's *Port.
type port interface {
	io.ReadWriteCloser
}

// openPort is replaceable in tests.
var openPort = func(c *tarm.Config) (port, error) { return tarm.OpenPort(c) }

// Conn is an open serial line to a printer.
type Conn struct {
	p        port
	name     string
	timeout  time.Duration
	charTime time.Duration // one character on the wire
	chunk    int           // bytes written per step (about 10 ms of line time)
	xonxoff  bool

	wmu  sync.Mutex // one writer at a time
	next time.Time  // when the line is free again (guarded by wmu)

	mu      sync.Mutex
	cond    *sync.Cond
	in      []byte
	readErr error
	paused  bool
	closed  bool
	rd, wd  time.Time
	done    chan struct{}
}

// Open opens the port a names with its line settings.
func Open(a transport.SerialAddress) (*Conn, error) {
	name := a.String()
	baud := a.Baud
	if baud == 0 {
		baud = transport.DefaultBaud
	}
	data := a.DataBits
	if data == 0 {
		data = transport.DefaultDataBits
	}
	parity := a.Parity
	if parity == 0 {
		parity = transport.ParityNone
	}
	stop := a.StopBits
	if stop == 0 {
		stop = transport.Stop1
	}
	tstop := map[transport.StopBits]tarm.StopBits{transport.Stop1: tarm.Stop1, transport.Stop1Half: tarm.Stop1Half, transport.Stop2: tarm.Stop2}[stop]
	p, err := openPort(&tarm.Config{Name: a.Port, Baud: baud, ReadTimeout: pollInterval, Size: byte(data),
		Parity: tarm.Parity(parity), StopBits: tstop})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, openError(err))
	}
	timeout := a.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	bits := 1 + data + 1 // start, data, stop
	if parity != transport.ParityNone {
		bits++
	}
	if stop == transport.Stop2 {
		bits++
	}
	c := &Conn{p: p, name: name, timeout: timeout, xonxoff: a.Flow == transport.FlowXonXoff,
		charTime: time.Duration(bits) * time.Second / time.Duration(baud),
		chunk:    max(baud/bits/100, 1), done: make(chan struct{})}
	c.cond = sync.NewCond(&c.mu)
	go c.reader()
	return c, nil
}

func openError(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: %w", transport.ErrNotFound, err)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w: %w (add the user to the dialout group)", transport.ErrAccessDenied, err)
	case errors.Is(err, syscall.EBUSY):
		return fmt.Errorf("%w: %w", transport.ErrBusy, err)
	}
	return err
}

// reader moves received bytes into c.in, taking out XON/XOFF. It ends when
// the port fails or closes.
func (c *Conn) reader() {
	defer close(c.done)
	buf := make([]byte, 256)
	for {
		n, err := c.p.Read(buf)
		c.mu.Lock()
		for _, b := range buf[:n] {
			switch {
			case c.xonxoff && b == XOFF:
				c.paused = true
			case c.xonxoff && b == XON:
				c.paused = false
			default:
				c.in = append(c.in, b)
			}
		}
		if c.closed {
			c.mu.Unlock()
			return
		}
		// tarm reports an empty read (its timeout) as io.EOF: a serial
		// line has no end, so that only means "nothing yet".
		if err != nil && !errors.Is(err, io.EOF) {
			c.readErr = fmt.Errorf("%w: %w", transport.ErrDisconnected, err)
			c.cond.Broadcast()
			c.mu.Unlock()
			return
		}
		if n > 0 {
			c.cond.Broadcast()
		}
		c.mu.Unlock()
	}
}

// Name is the port's address.
func (c *Conn) Name() string { return c.name }

// SetReadDeadline sets an absolute read deadline (zero: the timeout).
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.rd = t
	c.cond.Broadcast()
	c.mu.Unlock()
	return nil
}

// SetWriteDeadline sets an absolute write deadline (zero: per-step timeout).
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.wd = t
	c.cond.Broadcast()
	c.mu.Unlock()
	return nil
}

// SetBusy pauses (or resumes) writing as an XOFF (XON) would: for callers
// that learn the printer is busy from its status bytes.
func (c *Conn) SetBusy(busy bool) {
	c.mu.Lock()
	c.paused = busy
	c.cond.Broadcast()
	c.mu.Unlock()
}

// Busy reports whether writing is paused by XOFF or SetBusy.
func (c *Conn) Busy() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.paused
}

// waitLocked waits on cond until ready() or the deadline; c.mu is held.
func (c *Conn) waitLocked(deadline time.Time, ready func() bool) error {
	t := time.AfterFunc(time.Until(deadline), func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer t.Stop()
	for !ready() {
		if c.closed {
			return transport.ErrClosed
		}
		if !time.Now().Before(deadline) {
			return transport.ErrTimeout
		}
		c.cond.Wait()
	}
	return nil
}

// Read returns bytes the printer sent (status answers), without XON/XOFF.
func (c *Conn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	dl := c.rd
	if dl.IsZero() {
		dl = time.Now().Add(c.timeout)
	}
	err := c.waitLocked(dl, func() bool { return len(c.in) > 0 || c.readErr != nil })
	if len(c.in) > 0 {
		n := copy(p, c.in)
		c.in = c.in[n:]
		return n, nil
	}
	if err == nil {
		err = c.readErr
	}
	return 0, fmt.Errorf("%s: read: %w", c.name, err)
}

// Write sends p no faster than the line carries it, waiting while the
// printer has sent XOFF. On a timeout the count says how much was sent.
func (c *Conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	sent := 0
	for sent < len(p) {
		c.mu.Lock()
		dl := c.wd
		if dl.IsZero() {
			dl = time.Now().Add(c.timeout)
		}
		err := c.waitLocked(dl, func() bool { return !c.paused })
		c.mu.Unlock()
		if err != nil {
			return sent, fmt.Errorf("%s: write: %w", c.name, err)
		}
		if wait := time.Until(c.next); wait > 0 {
			if !time.Now().Add(wait).Before(dl) {
				return sent, fmt.Errorf("%s: write: %w", c.name, transport.ErrTimeout)
			}
			time.Sleep(wait)
		}
		end := min(sent+c.chunk, len(p))
		n, err := c.p.Write(p[sent:end])
		// Sleeping overshoots a little each step; keep the clock so the
		// next steps catch up, unless the line was idle a while.
		if now := time.Now(); now.Sub(c.next) > 10*time.Duration(c.chunk)*c.charTime {
			c.next = now
		}
		c.next = c.next.Add(time.Duration(n) * c.charTime)
		sent += n
		if err != nil {
			if errors.Is(err, os.ErrClosed) {
				err = transport.ErrClosed
			} else {
				err = fmt.Errorf("%w: %w", transport.ErrDisconnected, err)
			}
			return sent, fmt.Errorf("%s: write: %w", c.name, err)
		}
	}
	return sent, nil
}

// Drain waits until everything written has left the wire (by the pacing
// clock): a write returns when the bytes are queued, not sent.
func (c *Conn) Drain() {
	c.wmu.Lock()
	wait := time.Until(c.next)
	c.wmu.Unlock()
	if wait > 0 {
		time.Sleep(wait)
	}
}

// Close closes the port; blocked calls return ErrClosed.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.cond.Broadcast()
	c.mu.Unlock()
	err := c.p.Close()
	<-c.done // the reader wakes within pollInterval
	if err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("%s: %w", c.name, err)
	}
	return nil
}

// Ports lists serial ports that exist: USB adapters and CDC-ACM printers
// first, then by-id links, then on-board ports.
func Ports() ([]string, error) {
	var out []string
	for _, pat := range []string{"/dev/ttyUSB*", "/dev/ttyACM*", "/dev/serial/by-id/*", "/dev/ttyS[0-9]"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			return nil, fmt.Errorf("serial: %w", err)
		}
		sort.Strings(m)
		out = append(out, m...)
	}
	return out, nil
}

var _ transport.Conn = (*Conn)(nil)
