//go:build linux

package serial

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tarm "github.com/tarm/serial"

	"github.com/secuprint/receipt/transport"
)

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
		hint string
	}{
		{"missing", &fs.PathError{Op: "open", Path: "/dev/ttyUSB9", Err: syscall.ENOENT}, transport.ErrNotFound, "no such file"},
		{"permission", &fs.PathError{Op: "open", Path: "/dev/ttyUSB0", Err: syscall.EACCES}, transport.ErrAccessDenied, "dialout"},
		{"busy", &fs.PathError{Op: "open", Path: "/dev/ttyUSB0", Err: syscall.EBUSY}, transport.ErrBusy, "another program"},
		{"not a tty", syscall.ENOTTY, transport.ErrInvalidAddress, "file://"},
		{"tarm refuses", tarm.ErrBadParity, transport.ErrInvalidAddress, "parity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := openPort
			t.Cleanup(func() { openPort = old })
			openPort = func(portConfig) (port, error) { return nil, tt.err }
			_, err := Open(transport.SerialAddress{Port: "/dev/ttyUSB0"})
			assert.ErrorIs(t, err, tt.want)
			assert.ErrorIs(t, err, tt.err, "the cause stays visible")
			assert.Contains(t, err.Error(), tt.hint)
			assert.Contains(t, err.Error(), "serial:///dev/ttyUSB0?baud=9600", "names the port")
		})
	}
}

func TestTarmConfig(t *testing.T) {
	tests := []struct {
		in   portConfig
		want tarm.Config
	}{
		{portConfig{name: "/dev/ttyUSB1", baud: 19200, dataBits: 7, parity: transport.ParityEven, stop: transport.Stop2, readTimeout: pollInterval},
			tarm.Config{Name: "/dev/ttyUSB1", Baud: 19200, ReadTimeout: pollInterval, Size: 7, Parity: tarm.ParityEven, StopBits: tarm.Stop2}},
		{portConfig{name: "/dev/ttyS0", baud: 9600, dataBits: 8, parity: transport.ParityNone, stop: transport.Stop1, readTimeout: pollInterval},
			tarm.Config{Name: "/dev/ttyS0", Baud: 9600, ReadTimeout: pollInterval, Size: 8, Parity: tarm.ParityNone, StopBits: tarm.Stop1}},
		{portConfig{name: "COM3", baud: 9600, dataBits: 8, parity: transport.ParityMark, stop: transport.Stop1Half, readTimeout: pollInterval},
			tarm.Config{Name: "COM3", Baud: 9600, ReadTimeout: pollInterval, Size: 8, Parity: tarm.ParityMark, StopBits: tarm.Stop1Half}},
	}
	for _, tt := range tests {
		assert.Equal(t, &tt.want, tt.in.tarm())
	}
}

func TestPorts(t *testing.T) {
	dev, sys := t.TempDir(), t.TempDir()
	for _, n := range []string{"ttyS0", "ttyS1", "ttyS10", "ttyS2", "ttyS3", "ttyS4", "ttyUSB10", "ttyUSB2", "ttyACM0", "tty0", "serial/by-id/usb-Prolific-if00-port0", "cu.usbmodem1421", "tty.usbmodem1421", "cuaU0"} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dev, n)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dev, n), nil, 0o600))
	}
	for name, typ := range map[string]string{"ttyS0": "4\n", "ttyS1": "0\n", "ttyS2": "0\n", "ttyS3": "4\n", "ttyS4": "4\n"} {
		require.NoError(t, os.MkdirAll(filepath.Join(sys, name), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(sys, name, "type"), []byte(typ), 0o600))
	}
	// ttyS3 is the kernel console (console=ttyS3 on a headless box);
	// ttyS4 is a PCI card's port that is not.
	require.NoError(t, os.WriteFile(filepath.Join(sys, "ttyS3", "console"), []byte("Y\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(sys, "ttyS4", "console"), []byte("N\n"), 0o600))
	got, err := ports(dev, sys)
	require.NoError(t, err)
	for i := range got {
		got[i] = got[i][len(dev)+1:]
	}
	assert.Equal(t, []string{"ttyUSB2", "ttyUSB10", "ttyACM0", "cu.usbmodem1421", "cuaU0", "serial/by-id/usb-Prolific-if00-port0", "ttyS0", "ttyS4", "ttyS10"}, got,
		"ttyS1 and ttyS2 have no UART, ttyS3 is the console; ttyS10 is unknown to sysfs and kept; macOS's call-in tty.* twin of cu.* is left out")

	real, err := Ports()
	require.NoError(t, err)
	for _, p := range real {
		assert.Regexp(t, `^/dev/(tty(USB|ACM|S)\d+|serial/by-id/.+)$`, p)
	}
}
