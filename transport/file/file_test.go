package file_test

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/transport"
	"github.com/secuprint/receipt/transport/file"
)

var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")

func TestRegularFileAppendsAndCannotRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jobs.bin")
	for _, job := range []string{"one", "two"} {
		c, err := file.Open(transport.FileAddress{Path: path})
		require.NoError(t, err)
		_, err = c.Write([]byte(job))
		require.NoError(t, err)
		_, err = c.Read(make([]byte, 1))
		assert.ErrorIs(t, err, transport.ErrUnsupported, "no return channel: status unknown")
		require.NoError(t, c.Close())
	}
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "onetwo", string(b))
}

func TestFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo")
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	got := make(chan []byte, 1)
	go func() {
		f, err := os.Open(path)
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- b
	}()
	c, err := file.Open(transport.FileAddress{Path: path})
	require.NoError(t, err)
	_, err = c.Write([]byte("\x1b@hi"))
	require.NoError(t, err)
	require.NoError(t, c.Close())
	assert.Equal(t, []byte("\x1b@hi"), <-got)
}

func TestCharDeviceReadsStatus(t *testing.T) {
	master, slave, err := pty.Open()
	require.NoError(t, err)
	defer master.Close()
	defer slave.Close()
	c, err := file.Open(transport.FileAddress{Path: slave.Name(), Timeout: 100 * time.Millisecond})
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Read(make([]byte, 1))
	assert.ErrorIs(t, err, transport.ErrTimeout, "nothing sent yet")
	_, err = master.Write([]byte{0x12, '\n'})
	require.NoError(t, err)
	b := make([]byte, 1)
	_, err = c.Read(b)
	require.NoError(t, err)
	assert.Equal(t, byte(0x12), b[0])
}

func TestErrors(t *testing.T) {
	_, err := file.Open(transport.FileAddress{Path: "/nonexistent-dir/lp0"})
	assert.ErrorIs(t, err, transport.ErrNotFound)
	if os.Geteuid() != 0 {
		_, err = file.Open(transport.FileAddress{Path: "/etc/shadow"})
		assert.ErrorIs(t, err, transport.ErrAccessDenied)
	}
}

func TestDevices(t *testing.T) {
	devs, err := file.Devices()
	require.NoError(t, err)
	for _, d := range devs {
		assert.Regexp(t, `^/dev/usb/lp\d+$`, d)
	}
}
