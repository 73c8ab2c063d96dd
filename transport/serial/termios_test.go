//go:build darwin || freebsd || openbsd || netbsd || linux

package serial

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/secuprint/receipt/transport"
)

// The termios driver is what macOS and the BSDs open ports with; it builds
// on Linux too, so these tests run it here against a pty.

func TestMakeRaw(t *testing.T) {
	base := portConfig{name: "/dev/x", baud: 9600, dataBits: 8, parity: transport.ParityNone, stop: transport.Stop1, readTimeout: pollInterval}
	with := func(f func(*portConfig)) portConfig { c := base; f(&c); return c }
	tests := []struct {
		name  string
		c     portConfig
		cflag uint64 // of CSIZE|PARENB|PARODD|CSTOPB
		vtime uint8
	}{
		{"8N1", base, unix.CS8, 1},
		{"7E2", with(func(c *portConfig) { c.dataBits, c.parity, c.stop = 7, transport.ParityEven, transport.Stop2 }), unix.CS7 | unix.PARENB | unix.CSTOPB, 1},
		{"5O1", with(func(c *portConfig) { c.dataBits, c.parity = 5, transport.ParityOdd }), unix.CS5 | unix.PARENB | unix.PARODD, 1},
		{"6N1, 1 s reads", with(func(c *portConfig) { c.dataBits, c.readTimeout = 6, time.Second }), unix.CS6, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Start from a cooked tty's flags: everything must be undone.
			tm := unix.Termios{}
			setFlag(&tm.Iflag, unix.ICRNL|unix.IXON|unix.IXOFF|unix.ISTRIP)
			setFlag(&tm.Oflag, unix.OPOST)
			setFlag(&tm.Lflag, unix.ICANON|unix.ECHO|unix.ISIG|unix.IEXTEN)
			setFlag(&tm.Cflag, unix.CRTSCTS|unix.CS7|unix.PARENB|unix.PARODD|unix.CSTOPB)
			tm.Cc[unix.VMIN] = 1
			require.NoError(t, makeRaw(&tm, tt.c))
			assert.Equal(t, tt.cflag, uint64(tm.Cflag)&(unix.CSIZE|unix.PARENB|unix.PARODD|unix.CSTOPB))
			assert.Equal(t, uint64(unix.CREAD|unix.CLOCAL), uint64(tm.Cflag)&(unix.CREAD|unix.CLOCAL))
			assert.Zero(t, uint64(tm.Cflag)&unix.CRTSCTS, "no hardware flow control")
			assert.Zero(t, uint64(tm.Iflag)&(unix.ICRNL|unix.IXON|unix.IXOFF|unix.ISTRIP), "input is 8-bit clean")
			assert.Zero(t, uint64(tm.Oflag)&unix.OPOST, "output is not processed")
			assert.Zero(t, uint64(tm.Lflag)&(unix.ICANON|unix.ECHO|unix.ISIG|unix.IEXTEN), "not line mode")
			assert.Equal(t, uint8(0), tm.Cc[unix.VMIN])
			assert.Equal(t, tt.vtime, tm.Cc[unix.VTIME])
		})
	}
	bad := []struct {
		name string
		c    portConfig
	}{
		{"9 data bits", with(func(c *portConfig) { c.dataBits = 9 })},
		{"mark parity", with(func(c *portConfig) { c.parity = transport.ParityMark })},
		{"space parity", with(func(c *portConfig) { c.parity = transport.ParitySpace })},
		{"1.5 stop bits", with(func(c *portConfig) { c.stop = transport.Stop1Half })},
		{"no speed", with(func(c *portConfig) { c.baud = 0 })},
		{"read timeout under VTIME's tenth", with(func(c *portConfig) { c.readTimeout = time.Millisecond })},
		{"read timeout past VTIME's 25.5 s", with(func(c *portConfig) { c.readTimeout = time.Minute })},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			var tm unix.Termios
			assert.ErrorIs(t, makeRaw(&tm, tt.c), unix.EINVAL)
		})
	}
}

func openPty(t *testing.T, c portConfig) (*termiosPort, *os.File) {
	t.Helper()
	master, slave, err := pty.Open()
	require.NoError(t, err)
	t.Cleanup(func() { master.Close(); slave.Close() })
	c.name = slave.Name()
	p, err := openTermios(c)
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	return p, master
}

func TestTermiosPortIsRawBothWays(t *testing.T) {
	p, master := openPty(t, portConfig{baud: 19200, dataBits: 7, parity: transport.ParityEven, stop: transport.Stop2, readTimeout: pollInterval})

	// The settings reached the tty (a pty keeps all but the character
	// size and parity: Linux forces CS8 and no parity on it).
	tm, err := unix.IoctlGetTermios(int(p.Fd()), ioctlGetTermios)
	require.NoError(t, err)
	assert.Equal(t, uint64(unix.CSTOPB|unix.CLOCAL|unix.CREAD), uint64(tm.Cflag)&(unix.CSTOPB|unix.CLOCAL|unix.CREAD))
	assert.Zero(t, uint64(tm.Lflag)&(unix.ICANON|unix.ECHO))
	assert.Zero(t, uint64(tm.Iflag)&(unix.IXON|unix.ICRNL))
	assert.Equal(t, uint8(1), tm.Cc[unix.VTIME])

	// Every byte value goes out unchanged: no \n -> \r\n, no flow control.
	job := make([]byte, 256)
	for i := range job {
		job[i] = byte(i)
	}
	n, err := p.Write(job)
	require.NoError(t, err)
	assert.Equal(t, len(job), n)
	got := make([]byte, len(job))
	_, err = io.ReadFull(master, got)
	require.NoError(t, err)
	assert.Equal(t, job, got)

	// And comes back unchanged: XOFF, CR and ^C are data to the port.
	status := []byte{0x13, '\r', 0x03, 0x11, 0xff, 0x00}
	_, err = master.Write(status)
	require.NoError(t, err)
	got = got[:0]
	buf := make([]byte, 64)
	for len(got) < len(status) {
		n, err := p.Read(buf)
		if err != nil && !errors.Is(err, io.EOF) {
			require.NoError(t, err)
		}
		got = append(got, buf[:n]...)
	}
	assert.Equal(t, status, got)

	// With nothing to read, a read comes back empty (VTIME) instead of
	// blocking, as tarm's does: the reader loop relies on it.
	n, err = p.Read(buf)
	assert.Zero(t, n)
	if err != nil {
		assert.ErrorIs(t, err, io.EOF)
	}
}

func TestTermiosOpenErrors(t *testing.T) {
	c := portConfig{baud: 9600, dataBits: 8, parity: transport.ParityNone, stop: transport.Stop1, readTimeout: pollInterval}
	c.name = filepath.Join(t.TempDir(), "ttyUSB9")
	_, err := openTermios(c)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), c.name)

	require.NoError(t, os.WriteFile(c.name, nil, 0o600))
	_, err = openTermios(c)
	assert.ErrorIs(t, err, syscall.ENOTTY, "a plain file is no tty")
	assert.ErrorIs(t, openErrorOS(err), transport.ErrInvalidAddress)
}

// TestConnOverTermios runs the package's Conn (pacing, XON/XOFF, hang-up
// detection) on the termios driver, as a Mac would.
func TestConnOverTermios(t *testing.T) {
	old := openPort
	t.Cleanup(func() { openPort = old })
	openPort = func(c portConfig) (port, error) { return openTermios(c) }
	master, slave, err := pty.Open()
	require.NoError(t, err)
	t.Cleanup(func() { master.Close(); slave.Close() })

	c, err := Open(transport.SerialAddress{Port: slave.Name(), Baud: 115200})
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(10*time.Second)))

	_, err = c.Write([]byte("\x1b@Hello\n\x1dV\x42\x00"))
	require.NoError(t, err)
	got := make([]byte, 12)
	_, err = io.ReadFull(master, got)
	require.NoError(t, err)
	assert.Equal(t, []byte("\x1b@Hello\n\x1dV\x42\x00"), got)

	// XOFF and XON are taken out; the status byte between them arrives.
	_, err = master.Write([]byte{XOFF, 0x12, XON})
	require.NoError(t, err)
	b := make([]byte, 4)
	n, err := c.Read(b)
	require.NoError(t, err)
	assert.Equal(t, []byte{0x12}, b[:n])

	// The far end goes away: the Conn says so instead of waiting for ever.
	require.NoError(t, master.Close())
	for {
		_, err = c.Read(b)
		if err != nil {
			break
		}
	}
	assert.ErrorIs(t, err, transport.ErrDisconnected)
}
