package serial

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Linux binaries open ports through tarm/serial; these let termios.go run
// here too, so that its tests exercise the macOS/BSD driver on a pty.

const (
	ioctlGetTermios = unix.TCGETS
	ioctlSetTermios = unix.TCSETS
)

// linuxSpeeds are the termios Bxxx codes for the rates linuxBauds allows.
var linuxSpeeds = map[int]uint32{
	50: unix.B50, 75: unix.B75, 110: unix.B110, 134: unix.B134, 150: unix.B150, 200: unix.B200, 300: unix.B300,
	600: unix.B600, 1200: unix.B1200, 1800: unix.B1800, 2400: unix.B2400, 4800: unix.B4800, 9600: unix.B9600,
	19200: unix.B19200, 38400: unix.B38400, 57600: unix.B57600, 115200: unix.B115200, 230400: unix.B230400,
	460800: unix.B460800, 500000: unix.B500000, 576000: unix.B576000, 921600: unix.B921600, 1000000: unix.B1000000,
	1152000: unix.B1152000, 1500000: unix.B1500000, 2000000: unix.B2000000, 2500000: unix.B2500000,
	3000000: unix.B3000000, 3500000: unix.B3500000, 4000000: unix.B4000000,
}

// setSpeed: Linux keeps the rate as a Bxxx code in the CBAUD bits of Cflag.
func setSpeed(t *unix.Termios, baud int) error {
	b, ok := linuxSpeeds[baud]
	if !ok {
		return fmt.Errorf("%w: baud %d", unix.EINVAL, baud)
	}
	t.Cflag = t.Cflag&^unix.CBAUD | b
	t.Ispeed, t.Ospeed = b, b
	return nil
}
