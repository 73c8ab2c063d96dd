// Package tcp is the raw network transport: a printer's port 9100
// ("JetDirect", "RAW"), with dial, read and write timeouts and TCP
// keep-alive. Conn is one connection; reconnecting between jobs (never
// inside one) is the printers package's rule (printers.ConnPrinter).
package tcp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
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
