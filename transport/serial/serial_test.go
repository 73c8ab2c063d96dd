package serial_test

import (
	"bytes"
	"flag"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/transport"
	"github.com/secuprint/receipt/transport/serial"
)

var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")

// line opens a pty pair: the test plays the printer on the master side and
// the serial package opens the slave like any /dev/ttyUSB0.
func line(t testing.TB, baud int) (*serial.Conn, *os.File) {
	t.Helper()
	master, slave, err := pty.Open()
	require.NoError(t, err)
	t.Cleanup(func() { master.Close(); slave.Close() })
	c, err := serial.Open(transport.SerialAddress{Port: slave.Name(), Baud: baud, Timeout: 2 * time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c, master
}

func TestPacedTransferIsExactAndAtLineSpeed(t *testing.T) {
	for _, baud := range []int{9600, 115200} {
		t.Run(strconv.Itoa(baud), func(t *testing.T) {
			c, master := line(t, baud)
			job := bytes.Repeat([]byte("\x1b@Kartennummer: 9276004429942845 äöü\n"), baud/2000)
			got := make(chan []byte, 1)
			go func() {
				buf := make([]byte, len(job))
				_, err := io.ReadFull(master, buf)
				if err != nil {
					buf = nil
				}
				got <- buf
			}()
			start := time.Now()
			n, err := c.Write(job)
			require.NoError(t, err)
			c.Drain()
			elapsed := time.Since(start)
			assert.Equal(t, len(job), n)
			assert.Equal(t, job, <-got, "byte-exact")
			wire := time.Duration(len(job)*10) * time.Second / time.Duration(baud)
			t.Logf("%d bytes at %d baud: %v, line time %v (%.1f%%)", len(job), baud, elapsed, wire, 100*float64(elapsed)/float64(wire))
			// A generous band: the benchmark reports the precise figure.
			assert.GreaterOrEqual(t, elapsed, wire*90/100, "never faster than the wire")
		})
	}
}

func TestXoffPausesUntilXon(t *testing.T) {
	c, master := line(t, 115200)
	_, err := master.Write([]byte{serial.XOFF, 0x12})
	require.NoError(t, err)
	b := make([]byte, 1)
	_, err = c.Read(b)
	require.NoError(t, err)
	assert.Equal(t, byte(0x12), b[0], "status bytes pass, XOFF does not")
	assert.True(t, c.Busy())
	require.NoError(t, c.SetWriteDeadline(time.Now().Add(150*time.Millisecond)))
	n, err := c.Write([]byte("held"))
	assert.ErrorIs(t, err, transport.ErrTimeout)
	assert.Zero(t, n)
	_, err = master.Write([]byte{serial.XON})
	require.NoError(t, err)
	require.NoError(t, c.SetWriteDeadline(time.Time{}))
	require.Eventually(t, func() bool { return !c.Busy() }, 2*time.Second, time.Millisecond)
	_, err = c.Write([]byte("go"))
	require.NoError(t, err)
	buf := make([]byte, 2)
	_, err = io.ReadFull(master, buf)
	require.NoError(t, err)
	assert.Equal(t, "go", string(buf))
}

func TestReadTimeoutAndClose(t *testing.T) {
	c, _ := line(t, 9600)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(50*time.Millisecond)))
	_, err := c.Read(make([]byte, 1))
	assert.ErrorIs(t, err, transport.ErrTimeout)
	require.NoError(t, c.SetReadDeadline(time.Time{}))
	done := make(chan error, 1)
	go func() { _, err := c.Read(make([]byte, 1)); done <- err }()
	require.NoError(t, c.Close())
	assert.ErrorIs(t, <-done, transport.ErrClosed)
}

func TestOpenErrors(t *testing.T) {
	_, err := serial.Open(transport.SerialAddress{Port: "/dev/ttyDOESNOTEXIST"})
	assert.ErrorIs(t, err, transport.ErrNotFound)
}

func TestPorts(t *testing.T) {
	ports, err := serial.Ports()
	require.NoError(t, err)
	for _, p := range ports {
		assert.Regexp(t, `^/dev/(tty(USB|ACM|S)\d+|serial/by-id/.+)$`, p)
	}
}

// BenchmarkLineSpeed reports how close paced writes come to the baud limit
// (100% = exactly the line's capacity).
func BenchmarkLineSpeed(b *testing.B) {
	c, master := line(b, 115200)
	go io.Copy(io.Discard, master)
	job := bytes.Repeat([]byte("0123456789"), 1152) // one second of line time
	start := time.Now()
	for b.Loop() {
		if _, err := c.Write(job); err != nil {
			b.Fatal(err)
		}
	}
	c.Drain()
	wire := time.Duration(b.N*len(job)*10) * time.Second / 115200
	b.ReportMetric(100*float64(wire)/float64(time.Since(start)), "%line-speed")
}
