//go:build darwin || freebsd || openbsd || netbsd

package serial

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/secuprint/receipt/transport"
)

// openOSPort: tarm/serial needs cgo on these systems; termios.go does not.
func openOSPort(c portConfig) (port, error) { return openTermios(c) }

// driverRefused: the settings termios.go cannot make are refused up front
// by driverSupports; the driver's own refusal is EINVAL.
func driverRefused(err error) bool { return errors.Is(err, syscall.EINVAL) }

// driverSupports rejects what POSIX termios has no flag for.
func driverSupports(l line) error {
	switch {
	case l.parity == transport.ParityMark || l.parity == transport.ParitySpace:
		return fmt.Errorf("parity %v is supported on Windows only", l.parity)
	case l.stop == transport.Stop1Half:
		return fmt.Errorf("1.5 stop bits are supported on Windows only")
	}
	return nil
}

// openErrorOS classifies open failures particular to a tty; nil leaves it to
// openError.
func openErrorOS(err error) error {
	if errors.Is(err, syscall.ENOTTY) {
		return fmt.Errorf("%w: %w (not a serial port; use file:// for other devices)", transport.ErrInvalidAddress, err)
	}
	return nil
}
