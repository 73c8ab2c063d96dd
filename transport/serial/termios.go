//go:build darwin || freebsd || openbsd || netbsd || linux

package serial

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/secuprint/receipt/transport"
)

// This is the serial driver for macOS and the BSDs, where tarm/serial needs
// cgo: the same termios settings tarm makes on Linux, through
// golang.org/x/sys/unix. It builds on Linux too, where the tests run it
// against a pty; Linux binaries keep using tarm (serial_tarm.go).

// termiosPort is an open tty in raw mode whose reads wait at most the
// configured read timeout (VMIN 0, VTIME): an empty read returns (0, io.EOF)
// from os.File, which the reader takes as "nothing yet", as with tarm.
type termiosPort struct{ *os.File }

// openTermios opens c.name without becoming its controlling terminal and
// without waiting for carrier (O_NONBLOCK, cleared again once the line is
// set up with CLOCAL), and puts the line in raw mode at c's settings.
func openTermios(c portConfig) (*termiosPort, error) {
	fd, err := unix.Open(c.name, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: c.name, Err: err}
	}
	if err := setUp(fd, c); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "open", Path: c.name, Err: err}
	}
	// A blocking descriptor: os.File then reads it with plain read(2),
	// which VTIME bounds, and Close waits for no reader.
	return &termiosPort{os.NewFile(uintptr(fd), c.name)}, nil
}

func setUp(fd int, c portConfig) error {
	t, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return err // ENOTTY for a file that is no tty
	}
	if err := makeRaw(t, c); err != nil {
		return err
	}
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, t); err != nil {
		return err
	}
	return unix.SetNonblock(fd, false)
}

// makeRaw sets t to raw 8-bit-clean input and output with c's character
// format and speed, no hardware or software flow control (this package does
// XON/XOFF itself), and reads that return after c.readTimeout without data.
func makeRaw(t *unix.Termios, c portConfig) error {
	var size uint64
	switch c.dataBits {
	case 5:
		size = unix.CS5
	case 6:
		size = unix.CS6
	case 7:
		size = unix.CS7
	case 8:
		size = unix.CS8
	default:
		return fmt.Errorf("%w: %d data bits", unix.EINVAL, c.dataBits)
	}
	cflag := uint64(unix.CREAD | unix.CLOCAL)
	cflag |= size
	switch c.parity {
	case transport.ParityNone:
	case transport.ParityOdd:
		cflag |= unix.PARENB | unix.PARODD
	case transport.ParityEven:
		cflag |= unix.PARENB
	default:
		return fmt.Errorf("%w: parity %v", unix.EINVAL, c.parity)
	}
	switch c.stop {
	case transport.Stop1:
	case transport.Stop2:
		cflag |= unix.CSTOPB
	default:
		return fmt.Errorf("%w: %v", unix.EINVAL, c.stop)
	}
	tenths := c.readTimeout / (100 * time.Millisecond)
	if tenths < 1 || tenths > 255 {
		return fmt.Errorf("%w: read timeout %v", unix.EINVAL, c.readTimeout)
	}

	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL |
		unix.IXON | unix.IXOFF | unix.IXANY | unix.INPCK
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB | unix.PARODD | unix.CSTOPB | unix.CRTSCTS
	setFlag(&t.Cflag, cflag)
	t.Cc[unix.VMIN] = 0
	t.Cc[unix.VTIME] = uint8(tenths)
	return setSpeed(t, c.baud)
}

// setFlag ors bits into a termios flag word, whose type differs by system.
func setFlag[T ~uint32 | ~uint64](f *T, bits uint64) { *f |= T(bits) }
