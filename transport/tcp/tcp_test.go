package tcp_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/transport"
	"github.com/secuprint/receipt/transport/tcp"
	"github.com/secuprint/receipt/transport/transporttest"
)

// peer is a printer on 127.0.0.1: serve runs for each accepted connection
// (numbered from 0).
type peer struct {
	addr    transport.TCPAddress
	accepts atomic.Int32
}

func listen(t testing.TB, serve func(i int, c net.Conn)) *peer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	p := &peer{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			i := int(p.accepts.Add(1)) - 1
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				serve(i, c)
			}()
		}
	}()
	host, port, err := net.SplitHostPort(ln.Addr().String())
	require.NoError(t, err)
	n, err := strconv.Atoi(port)
	require.NoError(t, err)
	p.addr = transport.TCPAddress{Host: host, Port: n, Timeout: 2 * time.Second}
	return p
}

func TestWriteAndReadBack(t *testing.T) {
	got := make(chan []byte, 1)
	p := listen(t, func(_ int, c net.Conn) {
		buf := make([]byte, 5)
		io.ReadFull(c, buf)
		got <- buf
		c.Write([]byte{0x12})
		io.Copy(io.Discard, c)
	})
	c, err := tcp.Dial(context.Background(), p.addr)
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, "tcp://127.0.0.1:"+strconv.Itoa(p.addr.Port)+"?timeout=2s", c.Name())
	n, err := c.Write([]byte("hello"))
	require.NoError(t, err)
	assert.Equal(t, 5, n)
	b := make([]byte, 1)
	_, err = io.ReadFull(c, b)
	require.NoError(t, err)
	assert.Equal(t, []byte{0x12}, b)
	assert.Equal(t, []byte("hello"), <-got)
}

func TestDialErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		addr transport.TCPAddress
		want error
	}{
		{"refused", context.Background(), transport.TCPAddress{Host: "127.0.0.1", Port: closedPort}, transport.ErrNotFound},
		{"cancelled", cancelled, transport.TCPAddress{Host: "127.0.0.1", Port: closedPort}, context.Canceled},
		{"no host", context.Background(), transport.TCPAddress{Port: 9100}, transport.ErrInvalidAddress},
		{"bad port", context.Background(), transport.TCPAddress{Host: "127.0.0.1", Port: 70000}, transport.ErrInvalidAddress},
		{"negative timeout", context.Background(), transport.TCPAddress{Host: "127.0.0.1", Timeout: -1}, transport.ErrInvalidAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tcp.Dial(tt.ctx, tt.addr)
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

func TestPeerClosesMidJob(t *testing.T) {
	received := make(chan int64, 1)
	p := listen(t, func(_ int, c net.Conn) {
		n, _ := io.CopyN(io.Discard, c, 100<<10)
		c.(*net.TCPConn).SetLinger(0) // reset, like a printer losing power
		received <- n
	})
	c, err := tcp.Dial(context.Background(), p.addr)
	require.NoError(t, err)
	defer c.Close()
	var sent int
	var werr error
	transporttest.Within(t, 10*time.Second, func() {
		block := bytes.Repeat([]byte("x"), 64<<10)
		for i := 0; i < 1000 && werr == nil; i++ {
			var n int
			n, werr = c.Write(block)
			sent += n
		}
	})
	assert.ErrorIs(t, werr, transport.ErrDisconnected)
	assert.GreaterOrEqual(t, int64(sent), <-received, "the count covers what the printer got")
	_, err = c.Read(make([]byte, 1))
	assert.ErrorIs(t, err, transport.ErrDisconnected)
}

func TestPrinterStopsReading(t *testing.T) {
	stop := make(chan struct{})
	p := listen(t, func(_ int, c net.Conn) { <-stop })
	defer close(stop)
	tests := []struct {
		name     string
		timeout  time.Duration
		deadline time.Duration
	}{
		{"write deadline", time.Minute, 100 * time.Millisecond},
		{"per-chunk timeout from the address", 100 * time.Millisecond, 0},
	}
	// More than the socket buffers on both ends can take (up to 4 MiB and
	// 32 MiB by default on Linux); made before any deadline is set.
	job := make([]byte, 64<<20)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := p.addr
			a.Timeout = tt.timeout
			c, err := tcp.Dial(context.Background(), a)
			require.NoError(t, err)
			defer c.Close()
			if tt.deadline > 0 {
				require.NoError(t, c.SetWriteDeadline(time.Now().Add(tt.deadline)))
			}
			var n int
			transporttest.Within(t, 10*time.Second, func() { n, err = c.Write(job) })
			assert.ErrorIs(t, err, transport.ErrTimeout, "the deadline fires")
			assert.Greater(t, n, 0, "the count says how much the socket took")
			assert.Less(t, n, len(job))
		})
	}
}

func TestReadTimeouts(t *testing.T) {
	stop := make(chan struct{})
	p := listen(t, func(_ int, c net.Conn) { <-stop })
	defer close(stop)
	t.Run("from the address", func(t *testing.T) {
		a := p.addr
		a.Timeout = 30 * time.Millisecond
		c, err := tcp.Dial(context.Background(), a)
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Read(make([]byte, 1))
		assert.ErrorIs(t, err, transport.ErrTimeout)
	})
	t.Run("deadline moved while blocked", func(t *testing.T) {
		a := p.addr
		a.Timeout = time.Minute
		c, err := tcp.Dial(context.Background(), a)
		require.NoError(t, err)
		defer c.Close()
		go func() {
			time.Sleep(20 * time.Millisecond)
			c.SetReadDeadline(time.Now())
		}()
		transporttest.Within(t, 5*time.Second, func() { _, err = c.Read(make([]byte, 1)) })
		assert.ErrorIs(t, err, transport.ErrTimeout)
	})
	t.Run("close while blocked", func(t *testing.T) {
		c, err := tcp.Dial(context.Background(), p.addr)
		require.NoError(t, err)
		go func() {
			time.Sleep(20 * time.Millisecond)
			c.Close()
		}()
		transporttest.Within(t, 5*time.Second, func() { _, err = c.Read(make([]byte, 1)) })
		assert.ErrorIs(t, err, transport.ErrClosed)
		_, err = c.Write([]byte("x"))
		assert.ErrorIs(t, err, transport.ErrClosed)
	})
}

func TestPeerHangsUp(t *testing.T) {
	p := listen(t, func(int, net.Conn) {})
	c, err := tcp.Dial(context.Background(), p.addr)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Read(make([]byte, 1))
	assert.ErrorIs(t, err, transport.ErrDisconnected)
	assert.ErrorIs(t, err, io.EOF)
}

// BenchmarkWrite is the loopback throughput of a Conn.
func BenchmarkWrite(b *testing.B) {
	p := listen(b, func(_ int, c net.Conn) { io.Copy(io.Discard, c) })
	c, err := tcp.Dial(context.Background(), p.addr)
	require.NoError(b, err)
	defer c.Close()
	transporttest.BenchmarkWrite(b, c, transporttest.Job(100), nil)
}
