// Package tcp is the raw network transport: a printer's port 9100
// ("JetDirect", "RAW"), with dial, read and write timeouts and TCP
// keep-alive. Conn is one connection; Link dials lazily and reconnects
// between jobs, never inside one.
package tcp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/secuprint/receipt/transport"
)

// DefaultTimeout bounds dialing and each blocking step (one read, one chunk
// of a write) when neither the address nor a deadline says otherwise.
const DefaultTimeout = 5 * time.Second

// chunk is how much one write step hands to the socket, so that with no
// deadline a printer that stops reading trips the per-step timeout rather
// than one for the whole job.
const chunk = 16 << 10

// keepAlive finds a printer that vanished (power, cable) while the
// connection is idle within about 30 s.
var keepAlive = net.KeepAliveConfig{Enable: true, Idle: 15 * time.Second, Interval: 5 * time.Second, Count: 3}

// Conn is a connection to a network printer. One Read and one Write may run
// concurrently; Close may be called at any time.
type Conn struct {
	c    net.Conn
	name string
	dl   transport.Deadlines
}

var _ transport.Conn = (*Conn)(nil)

// check fills in the default port and timeout and rejects invalid fields.
func check(a transport.TCPAddress) (transport.TCPAddress, time.Duration, error) {
	if a.Port == 0 {
		a.Port = transport.DefaultTCPPort
	}
	timeout := a.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	switch {
	case a.Host == "":
		return a, 0, fmt.Errorf("tcp: %w: no host", transport.ErrInvalidAddress)
	case a.Port < 1 || a.Port > 65535:
		return a, 0, fmt.Errorf("tcp: %w: port %d", transport.ErrInvalidAddress, a.Port)
	case timeout < 0:
		return a, 0, fmt.Errorf("tcp: %w: negative timeout", transport.ErrInvalidAddress)
	}
	return a, timeout, nil
}

// Dial connects to the printer at a (port 9100 when a.Port is 0) within
// the address's timeout or ctx, whichever ends first.
//
// Errors: nothing listening, no route or an unknown name wrap ErrNotFound;
// no answer in time wraps ErrTimeout; a cancelled ctx returns its error.
func Dial(ctx context.Context, a transport.TCPAddress) (*Conn, error) {
	a, timeout, err := check(a)
	if err != nil {
		return nil, err
	}
	name := a.String()
	d := net.Dialer{Timeout: timeout, KeepAliveConfig: keepAlive}
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(a.Host, strconv.Itoa(a.Port)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, dialError(ctx, err))
	}
	return &Conn{c: c, name: name, dl: transport.Deadlines{Timeout: timeout}}, nil
}

func dialError(ctx context.Context, err error) error {
	var dns *net.DNSError
	switch {
	case ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded):
		return err // the caller gave up; not the printer's fault
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%w: %w (nothing listens there: wrong port, or the printer's raw port is off)", transport.ErrNotFound, err)
	case errors.As(err, &dns) && dns.IsNotFound:
		return fmt.Errorf("%w: %w", transport.ErrNotFound, err)
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return fmt.Errorf("%w: %w (is the printer on and on this network?)", transport.ErrTimeout, err)
	}
	// Unreachable hosts and networks, and whatever else a dial can meet:
	// there is no printer to be had at this address now.
	return fmt.Errorf("%w: %w", transport.ErrNotFound, err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Name is the printer's canonical address.
func (c *Conn) Name() string { return c.name }

// SetReadDeadline sets an absolute deadline for reads; zero restores the
// per-read timeout. It affects a Read already blocked.
func (c *Conn) SetReadDeadline(t time.Time) error {
	return c.ioError("set deadline", c.c.SetReadDeadline(c.dl.Set(true, t)))
}

// SetWriteDeadline sets an absolute deadline for writes; zero restores the
// per-chunk timeout. It affects a Write already blocked.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	return c.ioError("set deadline", c.c.SetWriteDeadline(c.dl.Set(false, t)))
}

// Read reads status bytes the printer sent.
func (c *Conn) Read(p []byte) (int, error) {
	if err := c.c.SetReadDeadline(c.dl.Next(true)); err != nil {
		return 0, c.ioError("read", err)
	}
	n, err := c.c.Read(p)
	return n, c.ioError("read", err)
}

// Write sends p in chunks, each bounded by the timeout or the deadline. On
// an error the count says how much the socket took; with a timeout the
// connection stays usable.
func (c *Conn) Write(p []byte) (int, error) {
	sent := 0
	for sent < len(p) {
		end := min(sent+chunk, len(p))
		if err := c.c.SetWriteDeadline(c.dl.Next(false)); err != nil {
			return sent, c.ioError("write", err)
		}
		n, err := c.c.Write(p[sent:end])
		sent += n
		if err != nil {
			return sent, c.ioError("write", err)
		}
	}
	return sent, nil
}

// Close hangs up; blocked reads and writes return ErrClosed.
func (c *Conn) Close() error {
	if err := c.c.Close(); err != nil {
		return c.ioError("close", err)
	}
	return nil
}

// ioError classifies an I/O error; nil stays nil.
func (c *Conn) ioError(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, os.ErrDeadlineExceeded): // ours, not the kernel's ETIMEDOUT
		err = fmt.Errorf("%w: %w", transport.ErrTimeout, err)
	case errors.Is(err, net.ErrClosed):
		err = fmt.Errorf("%w: %w", transport.ErrClosed, err)
	case errors.Is(err, io.EOF):
		err = fmt.Errorf("%w: the printer closed the connection: %w", transport.ErrDisconnected, err)
	default:
		// Reset, broken pipe, aborted, unreachable, keep-alive gave up:
		// whatever the platform calls it, this connection is finished.
		err = fmt.Errorf("%w: %w", transport.ErrDisconnected, err)
	}
	return fmt.Errorf("%s: %s: %w", c.name, op, err)
}

// Link is a connection to a network printer that dials on first use and
// dials again after the connection broke — but only at the start of a job,
// so a job is never silently sent twice, nor its tail sent without its head.
//
// A job is everything written between EndJob calls. While no byte of the
// current job has been written, a broken or stale connection (one the
// printer closed while idle, as many do after a minute or two) is replaced
// transparently. Once part of the job went out, a broken connection makes
// every Write fail with ErrDisconnected until EndJob: the caller decides
// whether the job is to be sent again.
//
// Link implements transport.Conn; one Read and one Write may run
// concurrently, Close may be called at any time.
type Link struct {
	addr transport.TCPAddress
	name string
	dial func(context.Context, transport.TCPAddress) (*Conn, error)

	dialMu sync.Mutex // one dial at a time

	mu      sync.Mutex
	c       *Conn
	sent    int   // bytes of the current job written
	cut     error // the link broke after part of the current job went out
	reading int   // Reads in progress on c
	pending []byte
	rd, wd  time.Time
	closed  bool
}

var _ transport.Conn = (*Link)(nil)

// NewLink returns a Link to the printer at a; nothing is dialled yet.
func NewLink(a transport.TCPAddress) (*Link, error) {
	a, _, err := check(a)
	if err != nil {
		return nil, err
	}
	return &Link{addr: a, name: a.String(), dial: Dial}, nil
}

// Name is the printer's canonical address.
func (l *Link) Name() string { return l.name }

// Connect dials now unless connected, so a wrong address shows before the
// first job.
func (l *Link) Connect(ctx context.Context) error {
	_, err := l.conn(ctx)
	return err
}

// EndJob ends the current job: the next Write starts a new one, and may
// replace a broken connection. Call it after a job was written (and
// confirmed), or after giving up on a job whose connection broke.
func (l *Link) EndJob() {
	l.mu.Lock()
	l.sent, l.cut = 0, nil
	l.mu.Unlock()
}

// conn returns the connection, dialling one when there is none and the
// current job allows it.
func (l *Link) conn(ctx context.Context) (*Conn, error) {
	l.mu.Lock()
	c, err := l.usableLocked()
	l.mu.Unlock()
	if c != nil || err != nil {
		return c, err
	}
	l.dialMu.Lock()
	defer l.dialMu.Unlock()
	l.mu.Lock()
	c, err = l.usableLocked() // another call may have dialled meanwhile
	l.mu.Unlock()
	if c != nil || err != nil {
		return c, err
	}
	c, err = l.dial(ctx, l.addr)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		c.Close()
		return nil, fmt.Errorf("%s: %w", l.name, transport.ErrClosed)
	}
	if err := errors.Join(c.SetReadDeadline(l.rd), c.SetWriteDeadline(l.wd)); err != nil {
		c.Close()
		return nil, err
	}
	l.c = c
	return c, nil
}

func (l *Link) usableLocked() (*Conn, error) {
	switch {
	case l.closed:
		return nil, fmt.Errorf("%s: %w", l.name, transport.ErrClosed)
	case l.cut != nil:
		return nil, fmt.Errorf("%s: %w (after %d bytes of this job; EndJob before the next one): %w",
			l.name, transport.ErrDisconnected, l.sent, l.cut)
	}
	return l.c, nil
}

// drop forgets c after it failed (if it is still the current connection).
func (l *Link) drop(c *Conn) {
	l.mu.Lock()
	if l.c == c {
		l.c = nil
	}
	l.mu.Unlock()
	c.Close()
}

// fresh checks, at the start of a job, that an idle connection still
// stands; it keeps what the printer sent meanwhile for Read.
func (l *Link) fresh(c *Conn) bool {
	l.mu.Lock()
	busy := l.reading > 0 // a blocked Read would have seen a hang-up already
	l.mu.Unlock()
	if busy {
		return true
	}
	var buf [256]byte
	n, err := c.poll(buf[:])
	l.mu.Lock()
	l.pending = append(l.pending, buf[:n]...)
	l.mu.Unlock()
	return err == nil
}

// Write writes p as part of the current job.
func (l *Link) Write(p []byte) (int, error) {
	for attempt := 0; ; attempt++ {
		c, err := l.conn(context.Background())
		if err != nil {
			return 0, err
		}
		l.mu.Lock()
		start := l.sent == 0
		l.mu.Unlock()
		if start && attempt == 0 && !l.fresh(c) {
			l.drop(c)
			continue
		}
		n, err := c.Write(p)
		l.mu.Lock()
		l.sent += n
		sent := l.sent
		l.mu.Unlock()
		if err == nil || errors.Is(err, transport.ErrTimeout) {
			return n, err // a timeout leaves the connection usable
		}
		if l.isClosed() {
			return n, fmt.Errorf("%s: write: %w", l.name, transport.ErrClosed)
		}
		l.drop(c)
		if sent == 0 && attempt == 0 {
			continue // nothing of the job went out: a new connection is safe
		}
		if sent > 0 {
			l.mu.Lock()
			l.cut = err
			l.mu.Unlock()
		}
		return n, err
	}
}

// Read reads status bytes the printer sent.
func (l *Link) Read(p []byte) (int, error) {
	l.mu.Lock()
	if len(l.pending) > 0 && !l.closed {
		n := copy(p, l.pending)
		l.pending = l.pending[n:]
		l.mu.Unlock()
		return n, nil
	}
	l.mu.Unlock()
	c, err := l.conn(context.Background())
	if err != nil {
		return 0, err
	}
	l.mu.Lock()
	l.reading++
	l.mu.Unlock()
	n, err := c.Read(p)
	l.mu.Lock()
	l.reading--
	l.mu.Unlock()
	switch {
	case err == nil, errors.Is(err, transport.ErrTimeout):
		return n, err
	case l.isClosed():
		return n, fmt.Errorf("%s: read: %w", l.name, transport.ErrClosed)
	case errors.Is(err, transport.ErrClosed):
		// A Write dropped the connection under us.
		return n, fmt.Errorf("%s: read: %w: %w", l.name, transport.ErrDisconnected, err)
	}
	l.drop(c)
	l.mu.Lock()
	if l.sent > 0 && l.cut == nil {
		l.cut = err
	}
	l.mu.Unlock()
	return n, err
}

// SetReadDeadline applies to the current connection and the ones after.
func (l *Link) SetReadDeadline(t time.Time) error {
	l.mu.Lock()
	l.rd = t
	c := l.c
	l.mu.Unlock()
	if c != nil {
		return c.SetReadDeadline(t)
	}
	return nil
}

// SetWriteDeadline applies to the current connection and the ones after.
func (l *Link) SetWriteDeadline(t time.Time) error {
	l.mu.Lock()
	l.wd = t
	c := l.c
	l.mu.Unlock()
	if c != nil {
		return c.SetWriteDeadline(t)
	}
	return nil
}

func (l *Link) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// Close hangs up for good; blocked calls return ErrClosed.
func (l *Link) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return fmt.Errorf("%s: close: %w", l.name, transport.ErrClosed)
	}
	l.closed = true
	c := l.c
	l.c = nil
	l.mu.Unlock()
	if c != nil {
		return c.Close()
	}
	return nil
}
