// Package file writes print jobs raw to a path: a kernel printer device such
// as /dev/usb/lp0, a serial device node, a FIFO or a regular file (the last
// being handy for capturing jobs). Status can be read back only where the
// node has a return channel.
package file

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"github.com/secuprint/receipt/transport"
)

// DefaultTimeout bounds a read when no deadline is set.
const DefaultTimeout = 5 * time.Second

// Conn is an open printer device or file.
type Conn struct {
	f        *os.File
	name     string
	readable bool
	timeout  time.Duration
	rd, wd   time.Time
}

// Open opens a.Path: read-write when it is a device that allows it,
// write-only (appending) when it is a regular file or a FIFO.
func Open(a transport.FileAddress) (*Conn, error) {
	name := "file://" + a.Path
	timeout := a.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	st, err := os.Stat(a.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// A new regular file: capture jobs into it.
		st = nil
	case err != nil:
		return nil, fmt.Errorf("%s: %w", name, openError(err))
	}
	c := &Conn{name: name, timeout: timeout}
	if st != nil && st.Mode()&fs.ModeCharDevice != 0 {
		f, err := os.OpenFile(a.Path, os.O_RDWR, 0)
		if err == nil {
			if err := RawMode(f); err != nil {
				f.Close()
				return nil, fmt.Errorf("%s: raw mode: %w", name, err)
			}
			c.f, c.readable = f, true
			return c, nil
		}
		if !errors.Is(err, fs.ErrPermission) && !errors.Is(err, syscall.EINVAL) {
			return nil, fmt.Errorf("%s: %w", name, openError(err))
		}
	}
	flags := os.O_WRONLY
	if st == nil || st.Mode().IsRegular() {
		flags |= os.O_APPEND | os.O_CREATE
	}
	f, err := os.OpenFile(a.Path, flags, 0o644)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, openError(err))
	}
	c.f = f
	return c, nil
}

// RawMode puts f in raw mode when it is a terminal (a serial port opened as
// a file, a pty), so bytes pass unchanged both ways; other files are left
// alone. It works through SyscallConn: f.Fd would switch the file to
// blocking mode and disable read deadlines.
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
		return fmt.Errorf("%w: %w (add the user to the device's group, e.g. lp or dialout)", transport.ErrAccessDenied, err)
	case errors.Is(err, syscall.EBUSY):
		return fmt.Errorf("%w: %w", transport.ErrBusy, err)
	}
	return err
}

// Name is the address of the file.
func (c *Conn) Name() string { return c.name }

// SetReadDeadline sets an absolute read deadline (zero: the timeout).
func (c *Conn) SetReadDeadline(t time.Time) error { c.rd = t; return nil }

// SetWriteDeadline sets an absolute write deadline (zero: none on files that
// never block).
func (c *Conn) SetWriteDeadline(t time.Time) error { c.wd = t; return nil }

// Read reads what the device sent back. Write-only nodes report
// ErrUnsupported: the printer's status is then unknown.
func (c *Conn) Read(p []byte) (int, error) {
	if !c.readable {
		return 0, fmt.Errorf("%s: read: %w", c.name, transport.ErrUnsupported)
	}
	dl := c.rd
	if dl.IsZero() {
		dl = time.Now().Add(c.timeout)
	}
	if err := c.f.SetReadDeadline(dl); err != nil {
		// Not pollable: a blocking read could hang for ever.
		return 0, fmt.Errorf("%s: read: %w: %w", c.name, transport.ErrUnsupported, err)
	}
	n, err := c.f.Read(p)
	if err != nil {
		return n, c.ioError("read", err)
	}
	return n, nil
}

// Write writes p raw.
func (c *Conn) Write(p []byte) (int, error) {
	if !c.wd.IsZero() {
		// Pollable nodes honour it; regular files never block.
		_ = c.f.SetWriteDeadline(c.wd) // os.ErrNoDeadline: the write cannot block
	}
	n, err := c.f.Write(p)
	if err != nil {
		return n, c.ioError("write", err)
	}
	return n, nil
}

// Close closes the file.
func (c *Conn) Close() error {
	if err := c.f.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("%s: %w", c.name, err)
	}
	return nil
}

func (c *Conn) ioError(op string, err error) error {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = fmt.Errorf("%w: %w", transport.ErrTimeout, err)
	case errors.Is(err, os.ErrClosed):
		err = fmt.Errorf("%w: %w", transport.ErrClosed, err)
	case errors.Is(err, syscall.EIO), errors.Is(err, syscall.ENODEV), errors.Is(err, syscall.EPIPE):
		err = fmt.Errorf("%w: %w", transport.ErrDisconnected, err)
	}
	return fmt.Errorf("%s: %s: %w", c.name, op, err)
}

// Devices lists the kernel's USB printer nodes (/dev/usb/lp*).
func Devices() ([]string, error) {
	m, err := filepath.Glob("/dev/usb/lp*")
	if err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	sort.Strings(m)
	return m, nil
}

var _ transport.Conn = (*Conn)(nil)
