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
			openPort = func(*tarm.Config) (port, error) { return nil, tt.err }
			_, err := Open(transport.SerialAddress{Port: "/dev/ttyUSB0"})
			assert.ErrorIs(t, err, tt.want)
			assert.ErrorIs(t, err, tt.err, "the cause stays visible")
			assert.Contains(t, err.Error(), tt.hint)
			assert.Contains(t, err.Error(), "serial:///dev/ttyUSB0?baud=9600", "names the port")
		})
	}
}

func TestPorts(t *testing.T) {
	dev, sys := t.TempDir(), t.TempDir()
	for _, n := range []string{"ttyS0", "ttyS1", "ttyS10", "ttyS2", "ttyUSB10", "ttyUSB2", "ttyACM0", "tty0", "serial/by-id/usb-Prolific-if00-port0"} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dev, n)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dev, n), nil, 0o600))
	}
	for name, typ := range map[string]string{"ttyS0": "4\n", "ttyS1": "0\n", "ttyS2": "0\n"} {
		require.NoError(t, os.MkdirAll(filepath.Join(sys, name), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(sys, name, "type"), []byte(typ), 0o600))
	}
	got, err := ports(dev, sys)
	require.NoError(t, err)
	for i := range got {
		got[i] = got[i][len(dev)+1:]
	}
	assert.Equal(t, []string{"ttyUSB2", "ttyUSB10", "ttyACM0", "serial/by-id/usb-Prolific-if00-port0", "ttyS0", "ttyS10"}, got,
		"ttyS1 and ttyS2 have no UART; ttyS10 is unknown to sysfs and kept")

	real, err := Ports()
	require.NoError(t, err)
	for _, p := range real {
		assert.Regexp(t, `^/dev/(tty(USB|ACM|S)\d+|serial/by-id/.+)$`, p)
	}
}
