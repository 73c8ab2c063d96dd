// Package tcp is the raw network transport: a printer's port 9100
// ("JetDirect"), with dial, read and write timeouts and TCP keep-alive.
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

// DefaultTimeout bounds each blocking step when neither the address nor a
// deadline says otherwise.
const DefaultTimeout = 5 * time.Second

// chunk is how much one write step hands to the socket, so that a slow
// printer trips the per-step timeout rather than one for the whole job.
const chunk = 4096

// Conn is a connection to a network printer.
type Conn struct {
	c       net.Conn
	name    string
	timeout time.Duration

	mu     sync.Mutex
	rd, wd time.Time
}

// Dial connects to the printer at a.
func Dial(ctx context.Context, a transport.TCPAddress) (*Conn, error) {
	timeout := a.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	port := a.Port
	if port == 0 {
		port = transport.DefaultTCPPort
	}
	name := "tcp://" + net.JoinHostPort(a.Host, strconv.Itoa(port))
	d := net.Dialer{Timeout: timeout, KeepAlive: 15 * time.Second}
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(a.Host, strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, dialError(err))
	}
	return &Conn{c: c, name: name, timeout: timeout}, nil
}

func dialError(err error) error {
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH):
		return fmt.Errorf("%w: %w", transport.ErrNotFound, err)
	case errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: %w", transport.ErrTimeout, err)
	}
	return err
}

// Name is the printer's address.
func (c *Conn) Name() string { return c.name }

// SetReadDeadline sets an absolute deadline for reads; zero restores the
// per-read timeout.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.rd = t
	c.mu.Unlock()
	return c.c.SetReadDeadline(t)
}

// SetWriteDeadline sets an absolute deadline for writes; zero restores the
// per-chunk timeout.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.wd = t
	c.mu.Unlock()
	return c.c.SetWriteDeadline(t)
}

func (c *Conn) deadline(read bool) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.wd
	if read {
		t = c.rd
	}
	if t.IsZero() {
		return time.Now().Add(c.timeout)
	}
	return t
}

// Read reads status bytes the printer sent.
func (c *Conn) Read(p []byte) (int, error) {
	if err := c.c.SetReadDeadline(c.deadline(true)); err != nil {
		return 0, c.ioError("read", err)
	}
	n, err := c.c.Read(p)
	if err != nil {
		return n, c.ioError("read", err)
	}
	return n, nil
}

// Write sends p in chunks, each bounded by the timeout or the deadline.
func (c *Conn) Write(p []byte) (int, error) {
	sent := 0
	for sent < len(p) {
		end := min(sent+chunk, len(p))
		if err := c.c.SetWriteDeadline(c.deadline(false)); err != nil {
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
	if err := c.c.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("%s: %w", c.name, err)
	}
	return nil
}

func (c *Conn) ioError(op string, err error) error {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = fmt.Errorf("%w: %w", transport.ErrTimeout, err)
	case errors.Is(err, net.ErrClosed):
		err = fmt.Errorf("%w: %w", transport.ErrClosed, err)
	case errors.Is(err, io.EOF):
		err = fmt.Errorf("%w: printer closed the connection: %w", transport.ErrDisconnected, err)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.ETIMEDOUT), errors.Is(err, syscall.EHOSTUNREACH):
		err = fmt.Errorf("%w: %w", transport.ErrDisconnected, err)
	}
	return fmt.Errorf("%s: %s: %w", c.name, op, err)
}

var _ transport.Conn = (*Conn)(nil)
