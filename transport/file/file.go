// Package file writes print jobs raw to a path: a kernel printer device
// such as /dev/usb/lp0, a serial device node used as is, a FIFO, or a
// regular file (handy for capturing jobs). Status is read back where the
// node has a return channel and can wait with a deadline (a pollable
// character device); elsewhere Read reports ErrUnsupported.
package file

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/secuprint/receipt/transport"
)

// DefaultTimeout bounds each blocking step (one read, one chunk of a write,
// waiting for a FIFO's reader) when neither the address nor a deadline
// says otherwise.
const DefaultTimeout = 5 * time.Second

// chunk is how much one write step hands to a device that can block, so
// that with no deadline a stalled printer trips the per-step timeout.
const chunk = 16 << 10

// Conn is an open printer device or file. One Read and one Write may run
// concurrently; Close may be called at any time.
type Conn struct {
	f       *os.File
	name    string
	timeout time.Duration
	// readable: opened for reading and able to wait with a deadline.
	readable bool
	// pollable: the runtime poller handles the file, so deadlines work and
	// Close ends blocked calls. Regular files never block anyway.
	pollable bool
	noRead   string // why Read is unsupported

	dl transport.Deadlines
}

var _ transport.Conn = (*Conn)(nil)

// Open opens a.Path:
//   - a character device read-write when permissions allow (write-only
//     otherwise), in raw mode when it is a terminal;
//   - a FIFO write-only, waiting up to the timeout for its reader;
//   - a regular file write-only, appending, created when missing (but never
//     under /dev: a missing /dev/usb/lp0 means the printer is off).
//
// Errors: a missing node wraps ErrNotFound, missing permission
// ErrAccessDenied, a device held elsewhere ErrBusy.
func Open(a transport.FileAddress) (*Conn, error) {
	timeout := a.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	switch {
	case a.Path == "":
		return nil, fmt.Errorf("file: %w: no path", transport.ErrInvalidAddress)
	case timeout < 0:
		return nil, fmt.Errorf("file: %w: negative timeout", transport.ErrInvalidAddress)
	}
	name := a.String()
	c := &Conn{name: name, timeout: timeout, dl: transport.Deadlines{Timeout: timeout}}
	st, err := os.Stat(a.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && underDev(a.Path):
		return nil, fmt.Errorf("%s: %w: %w (is the printer connected and switched on?)", name, transport.ErrNotFound, err)
	case errors.Is(err, fs.ErrNotExist):
		err = c.openRegular(a.Path)
	case err != nil:
		return nil, fmt.Errorf("%s: %w", name, openError(err))
	case st.Mode()&fs.ModeCharDevice != 0:
		err = c.openDevice(a.Path)
	case st.Mode()&fs.ModeNamedPipe != 0:
		err = c.openFIFO(a.Path)
	case st.Mode().IsRegular():
		err = c.openRegular(a.Path)
	default:
		return nil, fmt.Errorf("%s: %w: %s is a %v, not a device, FIFO or file", name, transport.ErrInvalidAddress, a.Path, st.Mode().Type())
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

func underDev(path string) bool { return strings.HasPrefix(filepath.Clean(path), "/dev/") }

func (c *Conn) openRegular(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return openError(err)
	}
	c.f, c.noRead = f, "a regular file has no return channel"
	return nil
}

func (c *Conn) openDevice(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	readable := err == nil
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EINVAL) {
		// Write-only access (or a write-only device): print blind.
		f, err = os.OpenFile(path, os.O_WRONLY, 0)
	}
	if err != nil {
		return openError(err)
	}
	if err := RawMode(f); err != nil {
		f.Close()
		return fmt.Errorf("raw mode: %w", err)
	}
	c.f = f
	c.pollable = f.SetReadDeadline(time.Time{}) == nil
	switch {
	case !readable:
		c.noRead = "the device is open write-only"
	case !c.pollable:
		c.noRead = "the device cannot wait with a deadline"
	default:
		c.readable = true
	}
	return nil
}

// openFIFO opens without blocking (open(2) would wait for a reader for
// ever) and retries until a reader comes or the timeout passes.
func (c *Conn) openFIFO(path string) error {
	end := time.Now().Add(c.timeout)
	for {
		f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			c.f, c.pollable, c.noRead = f, true, "a FIFO is one-way"
			return nil
		}
		if !errors.Is(err, syscall.ENXIO) {
			return openError(err)
		}
		if time.Now().After(end) {
			return fmt.Errorf("%w: no process reads the FIFO (waited %v): %w", transport.ErrNotFound, c.timeout, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// RawMode puts f in raw mode when it is a terminal (a serial port opened as
// a file, a pty), so bytes pass unchanged both ways; other files are left
// alone. It works through SyscallConn: f.Fd would switch the file to
// blocking mode and disable deadlines.
func RawMode(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var rerr error
	if err := rc.Control(func(fd uintptr) { rerr = makeRawIfTTY(fd) }); err != nil {
		return err
	}
	return rerr
}

func openError(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: %w", transport.ErrNotFound, err)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w: %w (add the user to the group owning the device, e.g. lp for /dev/usb/lp*, dialout for /dev/tty*; see docs/udev/60-receipt-printers.rules)",
			transport.ErrAccessDenied, err)
	case errors.Is(err, syscall.EBUSY):
		return fmt.Errorf("%w: %w (another program has the device open)", transport.ErrBusy, err)
	case errors.Is(err, syscall.ENXIO), errors.Is(err, syscall.ENODEV):
		return fmt.Errorf("%w: %w (the device node exists but no printer is behind it)", transport.ErrNotFound, err)
	}
	return err
}

// Name is the canonical address of the file.
func (c *Conn) Name() string { return c.name }

// SetReadDeadline sets an absolute read deadline; zero restores the
// per-read timeout. It affects a Read already blocked.
func (c *Conn) SetReadDeadline(t time.Time) error {
	dl := c.dl.Set(true, t)
	if c.readable {
		return c.ioError("set deadline", c.f.SetReadDeadline(dl))
	}
	return nil
}

// SetWriteDeadline sets an absolute write deadline; zero restores the
// per-step timeout. It affects a Write already blocked. Writes to a regular
// file never block, so there it is trivially met; a device the runtime
// cannot poll (rare) blocks regardless.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	dl := c.dl.Set(false, t)
	if c.pollable {
		return c.ioError("set deadline", c.f.SetWriteDeadline(dl))
	}
	return nil
}

// Read reads what the device sent back. Where there is no return channel
// (a regular file, a FIFO, a write-only or unpollable device) it reports
// ErrUnsupported: the printer's status is then unknown.
func (c *Conn) Read(p []byte) (int, error) {
	if !c.readable {
		return 0, fmt.Errorf("%s: read: %w: %s", c.name, transport.ErrUnsupported, c.noRead)
	}
	if err := c.f.SetReadDeadline(c.dl.Next(true)); err != nil {
		return 0, c.ioError("read", err)
	}
	n, err := c.f.Read(p)
	switch {
	case errors.Is(err, syscall.EINVAL):
		// usblp refuses reads from a printer without a return channel.
		return n, fmt.Errorf("%s: read: %w: %w", c.name, transport.ErrUnsupported, err)
	case errors.Is(err, io.EOF):
		return n, fmt.Errorf("%s: read: %w: %w", c.name, transport.ErrDisconnected, err)
	}
	return n, c.ioError("read", err)
}

// Write writes p raw; on a device that can block, in steps each bounded by
// the deadline or the timeout. On an error the count says how much the
// node took.
func (c *Conn) Write(p []byte) (int, error) {
	if !c.pollable {
		n, err := c.f.Write(p)
		return n, c.ioError("write", err)
	}
	sent := 0
	for sent < len(p) {
		if err := c.f.SetWriteDeadline(c.dl.Next(false)); err != nil {
			return sent, c.ioError("write", err)
		}
		n, err := c.f.Write(p[sent:min(sent+chunk, len(p))])
		sent += n
		if err != nil {
			return sent, c.ioError("write", err)
		}
	}
	return sent, nil
}

// Close closes the file; blocked calls on a pollable node return ErrClosed.
func (c *Conn) Close() error {
	return c.ioError("close", c.f.Close())
}

// ioError classifies an I/O error; nil stays nil.
func (c *Conn) ioError(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = fmt.Errorf("%w: %w", transport.ErrTimeout, err)
	case errors.Is(err, os.ErrClosed):
		err = fmt.Errorf("%w: %w", transport.ErrClosed, err)
	case errors.Is(err, syscall.EIO), errors.Is(err, syscall.ENODEV), errors.Is(err, syscall.ENXIO),
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ESHUTDOWN):
		// Unplugged printer, hung-up tty, FIFO reader gone.
		err = fmt.Errorf("%w: %w", transport.ErrDisconnected, err)
	}
	return fmt.Errorf("%s: %s: %w", c.name, op, err)
}

// Devices lists the kernel's USB printer nodes (/dev/usb/lp*), lp0 before
// lp10.
func Devices() ([]string, error) { return devices("/dev/usb") }

func devices(dir string) ([]string, error) {
	m, err := filepath.Glob(filepath.Join(dir, "lp*"))
	if err != nil {
		return nil, fmt.Errorf("file: devices: %w", err)
	}
	slices.SortFunc(m, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b) // lp2 before lp10
		}
		return strings.Compare(a, b)
	})
	return m, nil
}
