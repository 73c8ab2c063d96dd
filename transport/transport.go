// Package transport is the byte-stream seam between the receipt printer driver
// and a physical (or virtual) printer: one small Conn interface, the sentinel
// errors every transport reports, and the URL-like printer address.
//
// Each kind of link lives in its own subpackage (serial, usb, tcp, file); they
// import this package but never each other, so the package that dials by
// Address.Kind lives above them (printers).
package transport

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"time"
)

// Conn is an open link to one printer.
//
// Deadlines are absolute, as in net.Conn, and also affect calls already
// blocked. A zero deadline means "use the transport's timeout": each blocking
// step (one read, one chunk of a write, one XOFF pause) then waits at most the
// Timeout from the address or config, or the package's DefaultTimeout.
//
// One Read and one Write may run concurrently; Close may be called at any time
// and makes blocked calls return. Errors wrap the sentinels below, so callers
// classify them with errors.Is:
//   - ErrTimeout: a deadline or timeout passed; after a write timeout the
//     returned count says how much was handed to the link.
//   - ErrDisconnected: the printer went away (cable, power, peer closed). A
//     peer that closed cleanly also matches io.EOF.
//   - ErrUnsupported: Read on a link with no return channel (a regular file,
//     a FIFO, a unidirectional device); the printer's status is then unknown.
//   - ErrClosed: the Conn was closed by its owner.
type Conn interface {
	io.ReadWriteCloser
	// Name is the printer's canonical address, for messages and logs.
	Name() string
	SetReadDeadline(t time.Time) error
	// SetWriteDeadline is honoured by every transport; writes to a regular
	// file never block, so there it is trivially met.
	SetWriteDeadline(t time.Time) error
}

// sentinel is an error value with a short message that also matches a
// standard library error, so errors.Is works with either.
type sentinel struct {
	msg    string
	parent error
}

func (e *sentinel) Error() string { return e.msg }
func (e *sentinel) Unwrap() error { return e.parent }

// Sentinel errors; transports wrap them with context (which printer, which
// step, what to do about it).
var (
	// ErrInvalidAddress reports an unparsable address or an invalid setting.
	ErrInvalidAddress error = &sentinel{msg: "invalid printer address"}
	// ErrNotFound: no such device, port, file or host. Matches fs.ErrNotExist.
	ErrNotFound error = &sentinel{msg: "printer not found", parent: fs.ErrNotExist}
	// ErrAccessDenied: permissions (udev rule, group). Matches fs.ErrPermission.
	ErrAccessDenied error = &sentinel{msg: "access denied", parent: fs.ErrPermission}
	// ErrBusy: another program (or kernel driver) holds the printer.
	ErrBusy error = &sentinel{msg: "printer busy"}
	// ErrAmbiguous: several attached devices match the address.
	ErrAmbiguous error = &sentinel{msg: "several printers match"}
	// ErrTimeout: a deadline or timeout passed. Matches os.ErrDeadlineExceeded.
	ErrTimeout error = &sentinel{msg: "timeout", parent: os.ErrDeadlineExceeded}
	// ErrDisconnected: the link broke while in use.
	ErrDisconnected error = &sentinel{msg: "printer disconnected"}
	// ErrClosed: the Conn was closed by its owner.
	ErrClosed error = &sentinel{msg: "connection closed"}
	// ErrUnsupported: the link cannot do this (e.g. read status back).
	// Matches errors.ErrUnsupported.
	ErrUnsupported error = &sentinel{msg: "not supported by this link", parent: errors.ErrUnsupported}
	// ErrPulled: the address names a printer that fetches its jobs
	// (cloudprnt://, sdp://): there is no link to open. Matches
	// ErrUnsupported.
	ErrPulled error = &sentinel{msg: "printer pulls its jobs: no link to open", parent: ErrUnsupported}
)
