package serial

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/transport"
	"github.com/secuprint/receipt/transport/transporttest"
)

// fakePort is a port whose far end the test controls: bytes written are
// collected, Feed makes bytes arrive, and Stall makes writes block.
type fakePort struct {
	mu       sync.Mutex
	written  bytes.Buffer
	in       chan []byte
	rest     []byte
	stall    chan struct{} // non-nil: writes block until it is closed
	closed   chan struct{}
	once     sync.Once
	readErr  error
	writeErr error
	hungUp   bool // reads return nothing at once, as on a hung-up tty
}

func newFakePort() *fakePort {
	return &fakePort{in: make(chan []byte, 16), closed: make(chan struct{})}
}

func (f *fakePort) Read(p []byte) (int, error) {
	f.mu.Lock()
	if f.hungUp {
		f.mu.Unlock()
		return 0, io.EOF
	}
	if len(f.rest) > 0 {
		n := copy(p, f.rest)
		f.rest = f.rest[n:]
		f.mu.Unlock()
		return n, nil
	}
	f.mu.Unlock()
	select {
	case b := <-f.in:
		n := copy(p, b)
		f.mu.Lock()
		f.rest = b[n:]
		f.mu.Unlock()
		return n, nil
	case <-f.closed:
		return 0, os.ErrClosed
	case <-time.After(pollInterval): // like tarm's read timeout
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.readErr != nil {
			return 0, f.readErr
		}
		return 0, io.EOF
	}
}

func (f *fakePort) Write(p []byte) (int, error) {
	f.mu.Lock()
	stall := f.stall
	f.mu.Unlock()
	if stall != nil {
		<-stall
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.writeErr != nil {
		return 0, f.writeErr
	}
	return f.written.Write(p)
}

func (f *fakePort) Close() error { f.once.Do(func() { close(f.closed) }); return nil }

func (f *fakePort) Written() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return bytes.Clone(f.written.Bytes())
}

// fakeClock makes pacing instant and exact: sleeping advances it.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept time.Duration
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Sleep(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.slept += d
}

// fakeConn opens a Conn on a fake port (and, with clk, a fake clock).
func fakeConn(t testing.TB, a transport.SerialAddress, clk *fakeClock) (*Conn, *fakePort) {
	t.Helper()
	if a.Port == "" {
		a.Port = "/dev/ttyFAKE0"
	}
	l, err := checkLine(a)
	require.NoError(t, err)
	f := newFakePort()
	c := newConn(f, l, l.address().String())
	if clk != nil {
		c.now, c.sleep = clk.Now, clk.Sleep
	}
	t.Cleanup(func() { c.Close() })
	return c, f
}

func TestCharTime(t *testing.T) {
	N, E, O := transport.ParityNone, transport.ParityEven, transport.ParityOdd
	tests := []struct {
		l    line
		bits float64
	}{
		{line{baud: 9600, dataBits: 8, parity: N, stop: transport.Stop1}, 10},
		{line{baud: 9600, dataBits: 7, parity: E, stop: transport.Stop2}, 11},
		{line{baud: 115200, dataBits: 8, parity: O, stop: transport.Stop1}, 11},
		{line{baud: 19200, dataBits: 5, parity: N, stop: transport.Stop1Half}, 7.5},
		{line{baud: 38400, dataBits: 8, parity: N, stop: transport.Stop2}, 11},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.l.baud, tt.bits), func(t *testing.T) {
			want := time.Duration(tt.bits * float64(time.Second) / float64(tt.l.baud))
			assert.InDelta(t, float64(want), float64(tt.l.charTime()), 1)
		})
	}
}

func TestCheckLine(t *testing.T) {
	tests := []struct {
		name string
		addr transport.SerialAddress
		ok   bool
	}{
		{"defaults", transport.SerialAddress{Port: "/dev/ttyUSB0"}, true},
		{"windows port", transport.SerialAddress{Port: "COM3", Baud: 19200}, true},
		{"no port", transport.SerialAddress{}, false},
		{"negative baud", transport.SerialAddress{Port: "/dev/ttyS0", Baud: -1}, false},
		{"nine data bits", transport.SerialAddress{Port: "/dev/ttyS0", DataBits: 9}, false},
		{"four data bits", transport.SerialAddress{Port: "/dev/ttyS0", DataBits: 4}, false},
		{"bad parity", transport.SerialAddress{Port: "/dev/ttyS0", Parity: 'X'}, false},
		{"bad stop bits", transport.SerialAddress{Port: "/dev/ttyS0", StopBits: 7}, false},
		{"bad flow", transport.SerialAddress{Port: "/dev/ttyS0", Flow: 9}, false},
		{"negative timeout", transport.SerialAddress{Port: "/dev/ttyS0", Timeout: -time.Second}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := checkLine(tt.addr)
			if !tt.ok {
				assert.ErrorIs(t, err, transport.ErrInvalidAddress)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, transport.DefaultDataBits, l.dataBits)
			assert.Equal(t, DefaultTimeout, l.timeout)
			back, err := transport.ParseAddress(l.address().String())
			require.NoError(t, err, "the canonical name parses")
			assert.Equal(t, l.address(), back.Serial)
		})
	}
}

func TestOpenPassesLineSettings(t *testing.T) {
	old := openPort
	t.Cleanup(func() { openPort = old })
	var got portConfig
	openPort = func(c portConfig) (port, error) { got = c; return newFakePort(), nil }
	c, err := Open(transport.SerialAddress{Port: "/dev/ttyUSB1", Baud: 19200, DataBits: 7, Parity: transport.ParityEven, StopBits: transport.Stop2})
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, portConfig{name: "/dev/ttyUSB1", baud: 19200, dataBits: 7, parity: transport.ParityEven, stop: transport.Stop2, readTimeout: pollInterval}, got)
	assert.Equal(t, "serial:///dev/ttyUSB1?baud=19200&databits=7&parity=E&stopbits=2", c.Name())
}

func TestFilterFlow(t *testing.T) {
	tests := []struct {
		in       string
		xoffIn   bool
		out      string
		xoffWant bool
	}{
		{"", false, "", false},
		{"", true, "", true},
		{"\x12", false, "\x12", false},
		{"\x13", false, "", true},
		{"\x13\x11", false, "", false},
		{"\x11\x13", false, "", true},
		{"a\x13b\x11c", false, "abc", false},
		{"\x14\x10\x12", true, "\x14\x10\x12", true},
	}
	for _, tt := range tests {
		out, xoff := filterFlow([]byte(tt.in), tt.xoffIn)
		assert.Equal(t, tt.out, string(out), "%q", tt.in)
		assert.Equal(t, tt.xoffWant, xoff, "%q", tt.in)
	}
}

// FuzzFilterFlow checks the reader's parse of the return channel: data
// bytes pass in order, flow bytes never, and the last flow byte decides.
func FuzzFilterFlow(f *testing.F) {
	f.Add([]byte{0x12, XOFF, 0x14, XON}, false)
	f.Add([]byte{XON, XOFF}, true)
	f.Add([]byte("\x10\x04\x01\x16"), false)
	f.Fuzz(func(t *testing.T, in []byte, xoff bool) {
		want := bytes.ReplaceAll(bytes.ReplaceAll(in, []byte{XON}, nil), []byte{XOFF}, nil)
		wantXoff := xoff
		if i := bytes.LastIndexAny(in, string([]byte{XON, XOFF})); i >= 0 {
			wantXoff = in[i] == XOFF
		}
		out, gotXoff := filterFlow(bytes.Clone(in), xoff)
		if !bytes.Equal(out, want) && !(len(out) == 0 && len(want) == 0) {
			t.Fatalf("filterFlow(%x) = %x, want %x", in, out, want)
		}
		if gotXoff != wantXoff {
			t.Fatalf("filterFlow(%x, %v) xoff = %v, want %v", in, xoff, gotXoff, wantXoff)
		}
	})
}

func TestPacerKeepsLineSchedule(t *testing.T) {
	const ct = time.Millisecond
	tests := []struct {
		name      string
		oversleep time.Duration
		idle      time.Duration // pause before the last step
		want      time.Duration // when the line is free after 10 steps of 10 chars
	}{
		{"exact sleeps", 0, 0, 100 * ct},
		{"late wake-ups are caught up", 3 * ct, 0, 100 * ct},
		{"an idle line earns no credit", 0, 50 * ct, 140*ct + 10*ct}, // 90 chars, 50 ms idle after they left
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Unix(1000, 0)
			now := start
			p := pacer{charTime: ct, slack: 10 * ct, next: start}
			for i := range 10 {
				if i == 9 {
					now = now.Add(tt.idle + p.delay(now))
				}
				if d := p.delay(now); d > 0 {
					now = now.Add(d + tt.oversleep)
				}
				p.sent(now, 10)
			}
			assert.Equal(t, tt.want, p.next.Sub(start))
		})
	}
}

func TestPacedWriteIsExactOnFakeClock(t *testing.T) {
	for _, baud := range []int{9600, 115200} {
		t.Run(fmt.Sprint(baud), func(t *testing.T) {
			clk := &fakeClock{t: time.Unix(0, 0)}
			c, f := fakeConn(t, transport.SerialAddress{Baud: baud}, clk)
			job := bytes.Repeat([]byte("0123456789"), baud/100) // one second of line time
			n, err := c.Write(job)
			require.NoError(t, err)
			assert.Equal(t, len(job), n)
			assert.Equal(t, job, f.Written())
			c.drain()
			assert.Equal(t, time.Second, clk.slept.Round(time.Millisecond), "10 bits a character, no more, no less")
		})
	}
}

func TestXoffHoldsWriteUntilXon(t *testing.T) {
	c, f := fakeConn(t, transport.SerialAddress{Baud: 115200}, nil)
	f.in <- []byte{0x12, XOFF}
	b := make([]byte, 4)
	n, err := c.Read(b)
	require.NoError(t, err)
	assert.Equal(t, []byte{0x12}, b[:n], "status passes, XOFF does not")
	require.True(t, c.Busy())

	done := make(chan error, 1)
	go func() { _, err := c.Write([]byte("held")); done <- err }()
	select {
	case err := <-done:
		t.Fatalf("Write returned during XOFF: %v", err)
	case <-time.After(30 * time.Millisecond):
	}
	assert.Empty(t, f.Written())
	f.in <- []byte{XON}
	require.NoError(t, <-done)
	assert.Equal(t, "held", string(f.Written()))
	assert.False(t, c.Busy())
}

func TestFlowNonePassesFlowBytes(t *testing.T) {
	c, f := fakeConn(t, transport.SerialAddress{Baud: 9600, Flow: transport.FlowNone}, nil)
	f.in <- []byte{XOFF, XON}
	b := make([]byte, 2)
	_, err := io.ReadFull(c, b)
	require.NoError(t, err)
	assert.Equal(t, []byte{XOFF, XON}, b)
	assert.False(t, c.Busy())
}

func TestDeadlines(t *testing.T) {
	t.Run("write deadline moved while blocked", func(t *testing.T) {
		c, f := fakeConn(t, transport.SerialAddress{Baud: 9600, Timeout: time.Minute}, nil)
		holdWrites(t, c, f)
		done := make(chan error, 1)
		go func() { _, err := c.Write([]byte("x")); done <- err }()
		time.Sleep(10 * time.Millisecond)
		require.NoError(t, c.SetWriteDeadline(time.Now()))
		select {
		case err := <-done:
			assert.ErrorIs(t, err, transport.ErrTimeout)
		case <-time.After(5 * time.Second):
			t.Fatal("the new deadline did not reach the blocked Write")
		}
	})
	t.Run("read timeout from the address", func(t *testing.T) {
		c, _ := fakeConn(t, transport.SerialAddress{Baud: 9600, Timeout: 20 * time.Millisecond}, nil)
		_, err := c.Read(make([]byte, 1))
		assert.ErrorIs(t, err, transport.ErrTimeout)
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
	})
	t.Run("past read deadline", func(t *testing.T) {
		c, f := fakeConn(t, transport.SerialAddress{Baud: 9600}, nil)
		require.NoError(t, c.SetReadDeadline(time.Now().Add(-time.Second)))
		_, err := c.Read(make([]byte, 1))
		assert.ErrorIs(t, err, transport.ErrTimeout)
		f.in <- []byte{0x12}
		require.NoError(t, c.SetReadDeadline(time.Time{}))
		b := make([]byte, 1)
		_, err = c.Read(b)
		require.NoError(t, err)
		assert.Equal(t, byte(0x12), b[0])
	})
}

func TestStalledPort(t *testing.T) {
	c, f := fakeConn(t, transport.SerialAddress{Baud: 115200, Timeout: 30 * time.Millisecond}, nil)
	stall := make(chan struct{})
	f.mu.Lock()
	f.stall = stall
	f.mu.Unlock()
	job := bytes.Repeat([]byte("x"), 3*c.step)
	n, err := c.Write(job)
	assert.ErrorIs(t, err, transport.ErrTimeout)
	assert.Equal(t, c.step, n, "the stuck step counts as handed over: it may still reach the printer")
	job[0] = 'y' // the caller may reuse its buffer
	close(stall)
	n, err = c.Write([]byte("z"))
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, append(bytes.Repeat([]byte("x"), c.step), 'z'), f.Written(), "no byte lost, none resent, none changed")
}

func TestCloseUnblocksAndReports(t *testing.T) {
	c, f := fakeConn(t, transport.SerialAddress{Baud: 9600, Timeout: time.Minute}, nil)
	holdWrites(t, c, f)
	werr := make(chan error, 1)
	rerr := make(chan error, 1)
	go func() { _, err := c.Write([]byte("x")); werr <- err }()
	go func() { _, err := c.Read(make([]byte, 1)); rerr <- err }()
	time.Sleep(10 * time.Millisecond)
	require.NoError(t, c.Close())
	assert.ErrorIs(t, <-werr, transport.ErrClosed)
	assert.ErrorIs(t, <-rerr, transport.ErrClosed)
	assert.ErrorIs(t, c.Close(), transport.ErrClosed, "second Close")
	_, err := c.Write([]byte("x"))
	assert.ErrorIs(t, err, transport.ErrClosed)
	select {
	case <-f.closed:
	default:
		t.Fatal("port not closed")
	}
}

func TestPortFailureIsDisconnect(t *testing.T) {
	c, f := fakeConn(t, transport.SerialAddress{Baud: 9600}, nil)
	f.mu.Lock()
	f.readErr = &fs.PathError{Op: "read", Path: "/dev/ttyUSB0", Err: syscall.EIO}
	f.mu.Unlock()
	_, err := c.Read(make([]byte, 1))
	assert.ErrorIs(t, err, transport.ErrDisconnected)
	assert.ErrorIs(t, err, syscall.EIO)
}

func TestBufferedInputIsCapped(t *testing.T) {
	c, f := fakeConn(t, transport.SerialAddress{Baud: 9600, Flow: transport.FlowNone}, nil)
	for i := range maxBuffered/1024 + 1 {
		f.in <- bytes.Repeat([]byte{byte(i)}, 1024)
	}
	require.Eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		// All of it arrived: the first KiB gone, the last one complete.
		return len(c.in) == maxBuffered && c.in[0] == 1 && c.in[len(c.in)-1] == byte(maxBuffered/1024)
	}, 10*time.Second, time.Millisecond)
	b := make([]byte, 1)
	_, err := c.Read(b)
	require.NoError(t, err)
	assert.Equal(t, byte(1), b[0], "the oldest KiB was dropped")
}

func TestNaturalCompare(t *testing.T) {
	s := []string{"COM10", "COM2", "COM1", "ttyS10", "ttyS9", "ttyS09x", "lp"}
	sortNatural(s)
	assert.Equal(t, []string{"COM1", "COM2", "COM10", "lp", "ttyS9", "ttyS10", "ttyS09x"}, s)
}

// BenchmarkWriteOverhead measures what pacing costs the CPU: a fake clock
// makes every pacing wait instant, so the time left is chunking, flow
// checks and the hand-off to the port writer.
func BenchmarkWriteOverhead(b *testing.B) {
	clk := &fakeClock{t: time.Unix(0, 0)}
	c, f := fakeConn(b, transport.SerialAddress{Baud: 115200}, clk)
	transporttest.BenchmarkWrite(b, c, transporttest.Job(100), func() {
		f.mu.Lock()
		f.written.Reset()
		f.mu.Unlock()
	})
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(clk.slept/time.Duration(b.N))*100, "%cpu-of-line-time")
}

func TestHungUpTTYIsDisconnect(t *testing.T) {
	c, f := fakeConn(t, transport.SerialAddress{Baud: 9600}, nil)
	f.mu.Lock()
	f.hungUp = true
	f.mu.Unlock()
	_, err := c.Read(make([]byte, 1))
	assert.ErrorIs(t, err, transport.ErrDisconnected)
	assert.ErrorIs(t, err, errHangup)
}

func TestWriteFailureIsDisconnect(t *testing.T) {
	c, f := fakeConn(t, transport.SerialAddress{Baud: 115200}, nil)
	f.mu.Lock()
	f.writeErr = &fs.PathError{Op: "write", Path: "/dev/ttyUSB0", Err: syscall.EIO}
	f.mu.Unlock()
	n, err := c.Write([]byte("x"))
	assert.Zero(t, n)
	assert.ErrorIs(t, err, transport.ErrDisconnected)
	assert.True(t, errors.Is(err, syscall.EIO))
}

// holdWrites has the fake printer send XOFF and waits until writing is held.
func holdWrites(t *testing.T, c *Conn, f *fakePort) {
	t.Helper()
	f.in <- []byte{XOFF}
	require.Eventually(t, c.Busy, time.Second, time.Millisecond)
}
