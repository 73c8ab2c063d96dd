//go:build linux

package file_test

import (
	"bytes"
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
	"github.com/secuprint/receipt/transport/transporttest"
)

func TestRegularFileAppendsAndCannotRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jobs.bin")
	for _, job := range []string{"one\n", "two\x00\xff"} {
		c, err := file.Open(transport.FileAddress{Path: path})
		require.NoError(t, err)
		assert.Equal(t, "file://"+path, c.Name())
		require.NoError(t, c.SetWriteDeadline(time.Now().Add(-time.Second)), "trivially met")
		n, err := c.Write([]byte(job))
		require.NoError(t, err)
		assert.Equal(t, len(job), n)
		_, err = c.Read(make([]byte, 1))
		assert.ErrorIs(t, err, transport.ErrUnsupported, "no return channel: status unknown")
		require.NoError(t, c.Close())
		assert.ErrorIs(t, c.Close(), transport.ErrClosed)
	}
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "one\ntwo\x00\xff", string(b), "byte-exact, appended")
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name string
		addr transport.FileAddress
		want error
	}{
		{"missing directory", transport.FileAddress{Path: "/nonexistent-dir/lp0"}, transport.ErrNotFound},
		{"missing device is not created", transport.FileAddress{Path: "/dev/usb/lp99"}, transport.ErrNotFound},
		{"missing tty is not created", transport.FileAddress{Path: "/dev/ttyNOPE0"}, transport.ErrNotFound},
		{"directory", transport.FileAddress{Path: os.TempDir()}, transport.ErrInvalidAddress},
		{"no path", transport.FileAddress{}, transport.ErrInvalidAddress},
		{"negative timeout", transport.FileAddress{Path: "/tmp/x", Timeout: -1}, transport.ErrInvalidAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := file.Open(tt.addr)
			assert.ErrorIs(t, err, tt.want)
			if tt.addr.Path != "" {
				_, statErr := os.Stat(tt.addr.Path)
				if tt.want == transport.ErrNotFound {
					assert.ErrorIs(t, statErr, os.ErrNotExist, "nothing created")
				}
			}
		})
	}
	if os.Geteuid() != 0 {
		path := filepath.Join(t.TempDir(), "ro")
		require.NoError(t, os.WriteFile(path, nil, 0o400))
		_, err := file.Open(transport.FileAddress{Path: path})
		assert.ErrorIs(t, err, transport.ErrAccessDenied)
		assert.Contains(t, err.Error(), "60-receipt-printers.rules")
	}
}

func mkfifo(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fifo")
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	return path
}

func TestFIFO(t *testing.T) {
	path := mkfifo(t)
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
	job := bytes.Repeat([]byte("\x1b@hi\n"), 30000) // more than the pipe holds
	n, err := c.Write(job)
	require.NoError(t, err)
	assert.Equal(t, len(job), n)
	_, err = c.Read(make([]byte, 1))
	assert.ErrorIs(t, err, transport.ErrUnsupported)
	require.NoError(t, c.Close())
	assert.Equal(t, job, <-got)
}

func TestFIFOWithoutReader(t *testing.T) {
	path := mkfifo(t)
	var err error
	transporttest.Within(t, 5*time.Second, func() {
		_, err = file.Open(transport.FileAddress{Path: path, Timeout: 50 * time.Millisecond})
	})
	assert.ErrorIs(t, err, transport.ErrNotFound)
	assert.Contains(t, err.Error(), "no process reads")
}

func TestFIFOReaderStopsOrLeaves(t *testing.T) {
	path := mkfifo(t)
	opened := make(chan *os.File, 1)
	go func() {
		f, err := os.Open(path)
		if err != nil {
			opened <- nil
			return
		}
		opened <- f
	}()
	c, err := file.Open(transport.FileAddress{Path: path, Timeout: time.Minute})
	require.NoError(t, err)
	defer c.Close()
	r := <-opened
	require.NotNil(t, r)

	// The reader stops reading: the write deadline fires with a count.
	require.NoError(t, c.SetWriteDeadline(time.Now().Add(50*time.Millisecond)))
	var n int
	transporttest.Within(t, 5*time.Second, func() { n, err = c.Write(make([]byte, 1<<20)) })
	assert.ErrorIs(t, err, transport.ErrTimeout)
	assert.Greater(t, n, 0)
	assert.Less(t, n, 1<<20)

	// The reader goes away: the next write is a disconnect.
	require.NoError(t, r.Close())
	require.NoError(t, c.SetWriteDeadline(time.Time{}))
	_, err = c.Write([]byte("x"))
	assert.ErrorIs(t, err, transport.ErrDisconnected)
}

// ptyDevice opens the slave of a fresh pty through the file transport: a
// character device with a return channel, like /dev/usb/lp0.
func ptyDevice(t *testing.T, timeout time.Duration) (*file.Conn, *os.File) {
	t.Helper()
	master, slave, err := pty.Open()
	require.NoError(t, err)
	t.Cleanup(func() { master.Close(); slave.Close() })
	c, err := file.Open(transport.FileAddress{Path: slave.Name(), Timeout: timeout})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c, master
}

func TestCharDevice(t *testing.T) {
	t.Run("status bytes and raw output", func(t *testing.T) {
		c, master := ptyDevice(t, 100*time.Millisecond)
		_, err := c.Read(make([]byte, 1))
		assert.ErrorIs(t, err, transport.ErrTimeout, "nothing sent yet")
		_, err = master.Write([]byte{0x12, 0x13, 0x11, '\r'})
		require.NoError(t, err)
		b := make([]byte, 4)
		_, err = io.ReadFull(c, b)
		require.NoError(t, err)
		assert.Equal(t, []byte{0x12, 0x13, 0x11, '\r'}, b, "raw: no ^S/^Q handling, no CR translation")
		_, err = c.Write([]byte("a\nb\x00"))
		require.NoError(t, err)
		out := make([]byte, 4)
		_, err = io.ReadFull(master, out)
		require.NoError(t, err)
		assert.Equal(t, "a\nb\x00", string(out), "LF not turned into CR LF")
	})
	t.Run("deadline moved while blocked", func(t *testing.T) {
		c, _ := ptyDevice(t, time.Minute)
		go func() {
			time.Sleep(20 * time.Millisecond)
			c.SetReadDeadline(time.Now())
		}()
		var err error
		transporttest.Within(t, 5*time.Second, func() { _, err = c.Read(make([]byte, 1)) })
		assert.ErrorIs(t, err, transport.ErrTimeout)
	})
	t.Run("close while blocked", func(t *testing.T) {
		c, _ := ptyDevice(t, time.Minute)
		go func() {
			time.Sleep(20 * time.Millisecond)
			c.Close()
		}()
		var err error
		transporttest.Within(t, 5*time.Second, func() { _, err = c.Read(make([]byte, 1)) })
		assert.ErrorIs(t, err, transport.ErrClosed)
	})
	t.Run("hang-up", func(t *testing.T) {
		c, master := ptyDevice(t, time.Minute)
		require.NoError(t, master.Close())
		var err error
		transporttest.Within(t, 5*time.Second, func() { _, err = c.Read(make([]byte, 1)) })
		assert.ErrorIs(t, err, transport.ErrDisconnected)
	})
}

func TestUnpollableDevice(t *testing.T) {
	// /dev/null takes writes but cannot wait: reading it must not claim a
	// status channel.
	c, err := file.Open(transport.FileAddress{Path: os.DevNull})
	require.NoError(t, err)
	defer c.Close()
	n, err := c.Write([]byte("job"))
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	_, err = c.Read(make([]byte, 1))
	assert.ErrorIs(t, err, transport.ErrUnsupported)
}

func TestDevices(t *testing.T) {
	devs, err := file.Devices()
	require.NoError(t, err)
	for _, d := range devs {
		assert.Regexp(t, `^/dev/usb/lp\d+$`, d)
	}
}

func BenchmarkWriteFile(b *testing.B) {
	c, err := file.Open(transport.FileAddress{Path: filepath.Join(b.TempDir(), "jobs.bin")})
	require.NoError(b, err)
	defer c.Close()
	transporttest.BenchmarkWrite(b, c, transporttest.Job(100), nil)
}

// BenchmarkWriteFIFO is the pollable path: chunked writes with deadlines.
func BenchmarkWriteFIFO(b *testing.B) {
	path := filepath.Join(b.TempDir(), "fifo")
	require.NoError(b, syscall.Mkfifo(path, 0o600))
	go func() {
		f, err := os.Open(path)
		if err == nil {
			io.Copy(io.Discard, f)
			f.Close()
		}
	}()
	c, err := file.Open(transport.FileAddress{Path: path})
	require.NoError(b, err)
	defer c.Close()
	transporttest.BenchmarkWrite(b, c, transporttest.Job(100), nil)
}
