package serial

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/secuprint/receipt/transport"
)

// linuxBauds are the rates tarm/serial can set on Linux (the termios Bxxx
// constants); anything else it refuses with an untyped error.
var linuxBauds = map[int]bool{
	50: true, 75: true, 110: true, 134: true, 150: true, 200: true, 300: true, 600: true, 1200: true,
	1800: true, 2400: true, 4800: true, 9600: true, 19200: true, 38400: true, 57600: true, 115200: true,
	230400: true, 460800: true, 500000: true, 576000: true, 921600: true, 1000000: true, 1152000: true,
	1500000: true, 2000000: true, 2500000: true, 3000000: true, 3500000: true, 4000000: true,
}

// driverSupports rejects settings tarm/serial cannot make on Linux, before
// the port is touched.
func driverSupports(l line) error {
	switch {
	case !linuxBauds[l.baud]:
		return fmt.Errorf("baud %d is not a standard rate (Linux supports 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, ...)", l.baud)
	case l.parity == transport.ParityMark || l.parity == transport.ParitySpace:
		return fmt.Errorf("parity %v is supported on Windows only", l.parity)
	case l.stop == transport.Stop1Half:
		return fmt.Errorf("1.5 stop bits are supported on Windows only")
	}
	return nil
}

// openErrorOS classifies Linux-specific open failures; nil leaves it to
// openError.
func openErrorOS(err error) error {
	if errors.Is(err, syscall.ENOTTY) {
		return fmt.Errorf("%w: %w (not a serial port; use file:// for other devices)", transport.ErrInvalidAddress, err)
	}
	return nil
}
