package tcp_test

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/transport"
	"github.com/secuprint/receipt/transport/tcp"
)

var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")

// listen starts a one-connection peer running serve.
func listen(t testing.TB, serve func(net.Conn)) transport.TCPAddress {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		serve(c)
	}()
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	p, _ := strconv.Atoi(port)
	return transport.TCPAddress{Host: host, Port: p, Timeout: 2 * time.Second}
}

func TestWriteAndReadBack(t *testing.T) {
	got := make(chan []byte, 1)
	a := listen(t, func(c net.Conn) {
		buf := make([]byte, 5)
		io.ReadFull(c, buf)
		got <- buf
		c.Write([]byte{0x12})
	})
	c, err := tcp.Dial(context.Background(), a)
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, "tcp://"+net.JoinHostPort(a.Host, strconv.Itoa(a.Port)), c.Name())
	n, err := c.Write([]byte("hello"))
	require.NoError(t, err)
	assert.Equal(t, 5, n)
	b := make([]byte, 1)
	_, err = io.ReadFull(c, b)
	require.NoError(t, err)
	assert.Equal(t, []byte{0x12}, b)
	assert.Equal(t, []byte("hello"), <-got)
}

func TestErrors(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().(*net.TCPAddr)
		ln.Close()
		_, err = tcp.Dial(context.Background(), transport.TCPAddress{Host: "127.0.0.1", Port: addr.Port})
		assert.ErrorIs(t, err, transport.ErrNotFound)
	})
	t.Run("peer closes mid-job", func(t *testing.T) {
		a := listen(t, func(c net.Conn) {
			io.CopyN(io.Discard, c, 100)
			c.(*net.TCPConn).SetLinger(0) // reset, like a printer losing power
		})
		c, err := tcp.Dial(context.Background(), a)
		require.NoError(t, err)
		defer c.Close()
		var werr error
		for i := 0; i < 1000 && werr == nil; i++ {
			_, werr = c.Write(bytes.Repeat([]byte("x"), 4096))
		}
		assert.ErrorIs(t, werr, transport.ErrDisconnected)
	})
	t.Run("printer stops reading", func(t *testing.T) {
		stop := make(chan struct{})
		t.Cleanup(func() { close(stop) })
		a := listen(t, func(c net.Conn) { <-stop })
		c, err := tcp.Dial(context.Background(), a)
		require.NoError(t, err)
		defer c.Close()
		require.NoError(t, c.SetWriteDeadline(time.Now().Add(200*time.Millisecond)))
		n, err := c.Write(make([]byte, 64<<20))
		assert.ErrorIs(t, err, transport.ErrTimeout, "the write deadline fires")
		assert.Greater(t, n, 0, "the count says how much the socket took")
		assert.Less(t, n, 64<<20)
	})
	t.Run("read timeout", func(t *testing.T) {
		stop := make(chan struct{})
		t.Cleanup(func() { close(stop) })
		a := listen(t, func(c net.Conn) { <-stop })
		a.Timeout = 50 * time.Millisecond
		c, err := tcp.Dial(context.Background(), a)
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Read(make([]byte, 1))
		assert.ErrorIs(t, err, transport.ErrTimeout)
	})
	t.Run("peer hangs up", func(t *testing.T) {
		a := listen(t, func(c net.Conn) {})
		c, err := tcp.Dial(context.Background(), a)
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Read(make([]byte, 1))
		assert.ErrorIs(t, err, transport.ErrDisconnected)
		assert.ErrorIs(t, err, io.EOF)
	})
	t.Run("closed", func(t *testing.T) {
		a := listen(t, func(c net.Conn) { io.Copy(io.Discard, c) })
		c, err := tcp.Dial(context.Background(), a)
		require.NoError(t, err)
		require.NoError(t, c.Close())
		_, err = c.Write([]byte("x"))
		assert.ErrorIs(t, err, transport.ErrClosed)
	})
}

func BenchmarkWrite(b *testing.B) {
	a := listen(b, func(c net.Conn) { io.Copy(io.Discard, c) })
	c, err := tcp.Dial(context.Background(), a)
	require.NoError(b, err)
	defer c.Close()
	job := bytes.Repeat([]byte("Kartennummer: 9276004429942845\n"), 100)
	b.SetBytes(int64(len(job)))
	for b.Loop() {
		if _, err := c.Write(job); err != nil {
			b.Fatal(err)
		}
	}
}
