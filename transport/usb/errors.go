package usb

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/secuprint/receipt/transport"
)

// Code is a libusb error code (LIBUSB_ERROR_*). Backends report failures
// as errors matching a Code, or at least mentioning it in their text the
// way gousb does ("libusb: bad access [code -3]"), which gousb keeps even
// where it wraps without %w.
type Code int

// The libusb error codes.
const (
	ErrorIO           Code = -1
	ErrorInvalidParam Code = -2
	ErrorAccess       Code = -3
	ErrorNoDevice     Code = -4
	ErrorNotFound     Code = -5
	ErrorBusy         Code = -6
	ErrorTimeout      Code = -7
	ErrorOverflow     Code = -8
	ErrorPipe         Code = -9
	ErrorInterrupted  Code = -10
	ErrorNoMem        Code = -11
	ErrorNotSupported Code = -12
	ErrorOther        Code = -99
)

var codeNames = map[Code]string{
	ErrorIO: "IO", ErrorInvalidParam: "INVALID_PARAM", ErrorAccess: "ACCESS", ErrorNoDevice: "NO_DEVICE",
	ErrorNotFound: "NOT_FOUND", ErrorBusy: "BUSY", ErrorTimeout: "TIMEOUT", ErrorOverflow: "OVERFLOW",
	ErrorPipe: "PIPE", ErrorInterrupted: "INTERRUPTED", ErrorNoMem: "NO_MEM", ErrorNotSupported: "NOT_SUPPORTED",
	ErrorOther: "OTHER",
}

// Error is the libusb name, e.g. LIBUSB_ERROR_ACCESS.
func (c Code) Error() string {
	if n, ok := codeNames[c]; ok {
		return "LIBUSB_ERROR_" + n
	}
	return "LIBUSB_ERROR(" + strconv.Itoa(int(c)) + ")"
}

// TransferStatus is how a libusb transfer ended (LIBUSB_TRANSFER_*).
type TransferStatus uint8

// The libusb transfer statuses.
const (
	TransferCompleted TransferStatus = iota
	TransferError
	TransferTimedOut
	TransferCancelled
	TransferStall
	TransferNoDevice
	TransferOverflow
)

var statusNames = [...]string{"COMPLETED", "ERROR", "TIMED_OUT", "CANCELLED", "STALL", "NO_DEVICE", "OVERFLOW"}

// Error is the libusb name, e.g. LIBUSB_TRANSFER_NO_DEVICE.
func (s TransferStatus) Error() string {
	if int(s) < len(statusNames) {
		return "LIBUSB_TRANSFER_" + statusNames[s]
	}
	return "LIBUSB_TRANSFER(" + strconv.Itoa(int(s)) + ")"
}

// codeOf finds the libusb code in err: a Code in its chain, or one named
// in its text.
func codeOf(err error) (Code, bool) {
	var c Code
	if errors.As(err, &c) {
		return c, true
	}
	return parseCode(err.Error())
}

// parseCode reads a libusb code from a message: gousb's "[code -3]" or
// libusb's own "LIBUSB_ERROR_ACCESS". The last one wins: wrappers put the
// cause at the end.
func parseCode(msg string) (Code, bool) {
	var found Code
	ok := false
	pos := -1
	if i := strings.LastIndex(msg, "[code "); i >= 0 {
		rest := msg[i+len("[code "):]
		if j := strings.IndexByte(rest, ']'); j > 0 {
			// Only gousb's own %d spelling: no leading zeros or signs.
			if n, err := strconv.Atoi(rest[:j]); err == nil && n < 0 && n >= -99 && strconv.Itoa(n) == rest[:j] {
				found, ok, pos = Code(n), true, i
			}
		}
	}
	for c, name := range codeNames {
		if i := strings.LastIndex(msg, "LIBUSB_ERROR_"+name); i > pos && wordEnd(msg, i+len("LIBUSB_ERROR_"+name)) {
			found, ok, pos = c, true, i
		}
	}
	return found, ok
}

// wordEnd reports whether msg[i:] does not continue a name (so that
// LIBUSB_ERROR_NO is not read as part of LIBUSB_ERROR_NO_DEVICE).
func wordEnd(msg string, i int) bool {
	if i >= len(msg) {
		return true
	}
	c := msg[i]
	return !(c == '_' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9')
}

// classify wraps a backend error with the transport sentinel it means.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var st TransferStatus
	if errors.As(err, &st) {
		switch st {
		case TransferTimedOut, TransferCancelled:
			return fmt.Errorf("%w: %w", transport.ErrTimeout, err)
		case TransferNoDevice, TransferError, TransferStall:
			return fmt.Errorf("%w: %w", transport.ErrDisconnected, err)
		}
		return err
	}
	code, ok := codeOf(err)
	if !ok {
		return err
	}
	var s error
	switch code {
	case ErrorAccess:
		s = transport.ErrAccessDenied
	case ErrorBusy:
		s = transport.ErrBusy
	case ErrorNoDevice, ErrorIO, ErrorPipe:
		s = transport.ErrDisconnected
	case ErrorNotFound:
		s = transport.ErrNotFound
	case ErrorTimeout, ErrorInterrupted:
		s = transport.ErrTimeout
	case ErrorNotSupported:
		s = transport.ErrUnsupported
	default:
		return err
	}
	if errors.Is(err, code) {
		return fmt.Errorf("%w: %w", s, err)
	}
	return fmt.Errorf("%w: %w: %w", s, code, err)
}
