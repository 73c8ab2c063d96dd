//go:build darwin || freebsd || openbsd || netbsd

package serial

import (
	"fmt"

	"golang.org/x/sys/unix"
)

const (
	ioctlGetTermios = unix.TIOCGETA
	ioctlSetTermios = unix.TIOCSETA
)

// setSpeed: on macOS and the BSDs the speed fields hold the rate itself (B9600
// is 9600), and the driver refuses (EINVAL) a rate its hardware cannot make.
func setSpeed(t *unix.Termios, baud int) error {
	if baud <= 0 {
		return fmt.Errorf("%w: baud %d", unix.EINVAL, baud)
	}
	setNum(&t.Ispeed, baud)
	setNum(&t.Ospeed, baud)
	return nil
}

func setNum[T ~int32 | ~uint32 | ~uint64](f *T, v int) { *f = T(v) }
