package file

import "golang.org/x/sys/unix"

// makeRawIfTTY puts a terminal device (a serial port opened as a file) in
// raw mode: otherwise the line discipline turns LF into CR LF on the way
// out and eats status bytes such as 0x12 (^R) on the way in.
func makeRawIfTTY(fd uintptr) error {
	t, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
	if err != nil {
		return nil // not a terminal: nothing to do
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	return unix.IoctlSetTermios(int(fd), unix.TCSETS, t)
}
