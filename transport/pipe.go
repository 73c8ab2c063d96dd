package transport

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// DefaultPipeBuffer is the per-direction buffer of a Pipe when none is given.
const DefaultPipeBuffer = 64 << 10

// Pipe returns two connected in-memory Conns: bytes written to one are read
// from the other. Each direction buffers up to bufSize bytes (0 means
// DefaultPipeBuffer), so when one side stops reading the other side's writes
// block until their deadline, like a printer whose buffer is full.
//
// Closing one end makes the peer's reads drain and then fail with
// ErrDisconnected (also io.EOF), and the peer's writes fail with
// ErrDisconnected.
func Pipe(nameA, nameB string, bufSize int) (a, b *PipeConn) {
	if bufSize <= 0 {
		bufSize = DefaultPipeBuffer
	}
	ab := newPipeHalf(bufSize)
	ba := newPipeHalf(bufSize)
	a = &PipeConn{name: nameA, in: ba, out: ab, closed: make(chan struct{})}
	b = &PipeConn{name: nameB, in: ab, out: ba, closed: make(chan struct{})}
	a.dl.init()
	b.dl.init()
	return a, b
}

// pipeHalf is one direction of a Pipe.
type pipeHalf struct {
	mu      sync.Mutex
	buf     []byte
	max     int
	wclosed bool // writer end closed: reads drain, then EOF
	rclosed bool // reader end closed: writes fail
	changed chan struct{}
}

func newPipeHalf(max int) *pipeHalf { return &pipeHalf{max: max, changed: make(chan struct{})} }

// broadcast wakes every waiter; callers hold h.mu.
func (h *pipeHalf) broadcast() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// pipeDeadlines holds a read and a write deadline with a change signal, so
// blocked calls notice SetXDeadline.
type pipeDeadlines struct {
	mu      sync.Mutex
	read    time.Time
	write   time.Time
	changed chan struct{}
}

func (d *pipeDeadlines) init() { d.changed = make(chan struct{}) }

func (d *pipeDeadlines) set(read bool, t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if read {
		d.read = t
	} else {
		d.write = t
	}
	close(d.changed)
	d.changed = make(chan struct{})
}

func (d *pipeDeadlines) get(read bool) (time.Time, <-chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if read {
		return d.read, d.changed
	}
	return d.write, d.changed
}

// wait blocks until state changes, the deadline passes, the deadline is
// changed or closed fires. It returns ErrTimeout once the deadline
// has passed.
func waitPipe(state <-chan struct{}, dl *pipeDeadlines, read bool, closed <-chan struct{}) error {
	t, dlChanged := dl.get(read)
	var timeout <-chan time.Time
	if !t.IsZero() {
		d := time.Until(t)
		if d <= 0 {
			return ErrTimeout
		}
		timer := time.NewTimer(d)
		defer timer.Stop()
		timeout = timer.C
	}
	select {
	case <-state:
	case <-dlChanged:
	case <-closed:
	case <-timeout:
		return ErrTimeout
	}
	return nil
}

// PipeConn is one end of a Pipe. It implements Conn.
type PipeConn struct {
	name      string
	in, out   *pipeHalf
	dl        pipeDeadlines
	closeOnce sync.Once
	closed    chan struct{}
}

var _ Conn = (*PipeConn)(nil)

func (c *PipeConn) Name() string { return c.name }

func (c *PipeConn) SetReadDeadline(t time.Time) error  { c.dl.set(true, t); return nil }
func (c *PipeConn) SetWriteDeadline(t time.Time) error { c.dl.set(false, t); return nil }

func (c *PipeConn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

func (c *PipeConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	h := c.in
	for {
		if c.isClosed() {
			return 0, fmt.Errorf("%s: read: %w", c.name, ErrClosed)
		}
		h.mu.Lock()
		if len(h.buf) > 0 {
			n := copy(p, h.buf)
			h.buf = h.buf[n:]
			h.broadcast()
			h.mu.Unlock()
			return n, nil
		}
		if h.wclosed {
			h.mu.Unlock()
			return 0, fmt.Errorf("%s: read: %w (%w)", c.name, ErrDisconnected, io.EOF)
		}
		state := h.changed
		h.mu.Unlock()
		if err := waitPipe(state, &c.dl, true, c.closed); err != nil {
			return 0, fmt.Errorf("%s: read: %w", c.name, err)
		}
	}
}

func (c *PipeConn) Write(p []byte) (int, error) {
	h := c.out
	n := 0
	for {
		if c.isClosed() {
			return n, fmt.Errorf("%s: write: %w", c.name, ErrClosed)
		}
		h.mu.Lock()
		if h.rclosed {
			h.mu.Unlock()
			return n, fmt.Errorf("%s: write: %w", c.name, ErrDisconnected)
		}
		if room := h.max - len(h.buf); room > 0 && n < len(p) {
			k := min(room, len(p)-n)
			h.buf = append(h.buf, p[n:n+k]...)
			n += k
			h.broadcast()
		}
		if n == len(p) {
			h.mu.Unlock()
			return n, nil
		}
		state := h.changed
		h.mu.Unlock()
		if err := waitPipe(state, &c.dl, false, c.closed); err != nil {
			return n, fmt.Errorf("%s: write: %w", c.name, err)
		}
	}
}

// Buffered reports how many bytes written by the peer wait to be read here.
func (c *PipeConn) Buffered() int {
	c.in.mu.Lock()
	defer c.in.mu.Unlock()
	return len(c.in.buf)
}

// Close closes this end; blocked calls on it return ErrClosed.
func (c *PipeConn) Close() error {
	err := fmt.Errorf("%s: close: %w", c.name, ErrClosed)
	c.closeOnce.Do(func() {
		err = nil
		close(c.closed)
		for _, h := range []*pipeHalf{c.in, c.out} {
			h.mu.Lock()
			if h == c.in {
				h.rclosed = true
			} else {
				h.wclosed = true
			}
			h.broadcast()
			h.mu.Unlock()
		}
	})
	return err
}
