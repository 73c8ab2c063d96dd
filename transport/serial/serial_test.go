//go:build linux

package serial_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/transport"
	"github.com/secuprint/receipt/transport/serial"
)

// line opens a pty pair: the test plays the printer on the master side and
// the serial package opens the slave through tarm/serial like any
// /dev/ttyUSB0 (a pty takes the same termios ioctls; it ignores the baud
// rate, so the pacing measured here is the package's own).
func line(t testing.TB, a transport.SerialAddress) (*serial.Conn, *os.File) {
	t.Helper()
	master, slave, err := pty.Open()
	require.NoError(t, err)
	t.Cleanup(func() { master.Close(); slave.Close() })
	a.Port = slave.Name()
	c, err := serial.Open(a)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c, master
}

func TestPacedTransferIsExactAndAtLineSpeed(t *testing.T) {
	tests := []struct {
		baud int
		addr transport.SerialAddress
		bits int
	}{
		{9600, transport.SerialAddress{Baud: 9600}, 10},
		{115200, transport.SerialAddress{Baud: 115200}, 10},
		{19200, transport.SerialAddress{Baud: 19200, DataBits: 7, Parity: transport.ParityEven, StopBits: transport.Stop2}, 11},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.baud), func(t *testing.T) {
			c, master := line(t, tt.addr)
			// Every byte value, XON and XOFF included: flow control filters
			// only what comes back.
			var job []byte
			for len(job) < tt.baud/tt.bits/5 { // 200 ms of line time
				for b := range 256 {
					job = append(job, byte(b))
				}
			}
			job = job[:tt.baud/tt.bits/5]
			got := make(chan []byte, 1)
			go func() {
				buf := make([]byte, len(job))
				if _, err := io.ReadFull(master, buf); err != nil {
					buf = nil
				}
				got <- buf
			}()
			start := time.Now()
			n, err := c.Write(job)
			require.NoError(t, err)
			read := <-got // the far end has every byte
			elapsed := time.Since(start)
			assert.Equal(t, len(job), n)
			assert.Equal(t, job, read, "byte-exact through the tty layer")
			wire := time.Duration(len(job)*tt.bits) * time.Second / time.Duration(tt.baud)
			t.Logf("%d bytes at %d baud: %v for %v of line time (%.1f%% of line speed)",
				len(job), tt.baud, elapsed.Round(time.Millisecond), wire, 100*float64(wire)/float64(elapsed))
			// A generous band only; BenchmarkLineSpeed has the figure.
			assert.GreaterOrEqual(t, elapsed, wire*90/100, "never faster than the wire")
			assert.Less(t, elapsed, 3*wire+500*time.Millisecond, "not grossly slower either")
		})
	}
}

func TestXoffFromPrinterPausesUntilXon(t *testing.T) {
	c, master := line(t, transport.SerialAddress{Baud: 115200, Timeout: 2 * time.Second})
	_, err := master.Write([]byte{serial.XOFF, 0x12})
	require.NoError(t, err)
	b := make([]byte, 1)
	_, err = c.Read(b)
	require.NoError(t, err)
	assert.Equal(t, byte(0x12), b[0], "status bytes pass, XOFF does not")
	assert.True(t, c.Busy())

	require.NoError(t, c.SetWriteDeadline(time.Now().Add(50*time.Millisecond)))
	n, err := c.Write([]byte("held"))
	assert.ErrorIs(t, err, transport.ErrTimeout)
	assert.Zero(t, n, "nothing goes out during XOFF")

	require.NoError(t, c.SetWriteDeadline(time.Time{}))
	done := make(chan error, 1)
	go func() { _, err := c.Write([]byte("go")); done <- err }()
	_, err = master.Write([]byte{serial.XON})
	require.NoError(t, err)
	require.NoError(t, <-done)
	buf := make([]byte, 2)
	_, err = io.ReadFull(master, buf)
	require.NoError(t, err)
	assert.Equal(t, "go", string(buf))
	assert.False(t, c.Busy())
}

func TestReadTimeoutAndClose(t *testing.T) {
	c, _ := line(t, transport.SerialAddress{Baud: 9600})
	require.NoError(t, c.SetReadDeadline(time.Now().Add(30*time.Millisecond)))
	_, err := c.Read(make([]byte, 1))
	assert.ErrorIs(t, err, transport.ErrTimeout)
	require.NoError(t, c.SetReadDeadline(time.Time{}))
	done := make(chan error, 1)
	go func() { _, err := c.Read(make([]byte, 1)); done <- err }()
	require.NoError(t, c.Close())
	assert.ErrorIs(t, <-done, transport.ErrClosed)
}

func TestHangupIsDisconnect(t *testing.T) {
	c, master := line(t, transport.SerialAddress{Baud: 9600})
	require.NoError(t, master.Close()) // the adapter was unplugged
	_, err := c.Read(make([]byte, 1))
	assert.ErrorIs(t, err, transport.ErrDisconnected)
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name string
		addr transport.SerialAddress
		want error
	}{
		{"missing", transport.SerialAddress{Port: "/dev/ttyDOESNOTEXIST"}, transport.ErrNotFound},
		{"not a tty", transport.SerialAddress{Port: os.DevNull}, transport.ErrInvalidAddress},
		{"odd baud", transport.SerialAddress{Port: "/dev/ttyS0", Baud: 12345}, transport.ErrInvalidAddress},
		{"mark parity on linux", transport.SerialAddress{Port: "/dev/ttyS0", Parity: transport.ParityMark}, transport.ErrInvalidAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := serial.Open(tt.addr)
			assert.ErrorIs(t, err, tt.want)
		})
	}
	if os.Geteuid() != 0 {
		f, err := os.CreateTemp(t.TempDir(), "tty")
		require.NoError(t, err)
		f.Close()
		require.NoError(t, os.Chmod(f.Name(), 0))
		_, err = serial.Open(transport.SerialAddress{Port: f.Name()})
		assert.ErrorIs(t, err, transport.ErrAccessDenied)
		assert.Contains(t, err.Error(), "dialout")
	}
}

// BenchmarkLineSpeed reports how close paced writes come to the baud limit
// over a real tty (100 = exactly the line's capacity; the target is 95..100).
func BenchmarkLineSpeed(b *testing.B) {
	c, master := line(b, transport.SerialAddress{Baud: 115200})
	var read atomic.Int64
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			read.Add(int64(n))
			if err != nil {
				return
			}
		}
	}()
	job := bytes.Repeat([]byte("0123456789"), 1152) // one second of line time
	start := time.Now()
	for b.Loop() {
		if _, err := c.Write(job); err != nil && !errors.Is(err, transport.ErrClosed) {
			b.Fatal(err)
		}
	}
	// Until the far end has every byte.
	for dl := time.Now().Add(10 * time.Second); read.Load() < int64(b.N*len(job)) && time.Now().Before(dl); {
		time.Sleep(time.Millisecond)
	}
	wire := time.Duration(b.N*len(job)*10) * time.Second / 115200
	b.ReportMetric(100*float64(wire)/float64(time.Since(start)), "%line-speed")
}
