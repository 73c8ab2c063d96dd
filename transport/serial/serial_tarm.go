//go:build linux || windows

package serial

import (
	"errors"

	tarm "github.com/tarm/serial"

	"github.com/secuprint/receipt/transport"
)

// tarm/serial drives the port on Linux (termios ioctls through syscall) and
// Windows (the Win32 comm API), neither needing cgo. Its code for the other
// POSIX systems does, so they use termios.go instead.
func openOSPort(c portConfig) (port, error) { return tarm.OpenPort(c.tarm()) }

func (c portConfig) tarm() *tarm.Config {
	stop := tarm.Stop1
	switch c.stop {
	case transport.Stop1Half:
		stop = tarm.Stop1Half
	case transport.Stop2:
		stop = tarm.Stop2
	}
	return &tarm.Config{Name: c.name, Baud: c.baud, ReadTimeout: c.readTimeout, Size: byte(c.dataBits),
		Parity: tarm.Parity(c.parity), StopBits: stop}
}

// driverRefused reports tarm's errors for settings it cannot make.
func driverRefused(err error) bool {
	return errors.Is(err, tarm.ErrBadSize) || errors.Is(err, tarm.ErrBadParity) || errors.Is(err, tarm.ErrBadStopBits)
}
