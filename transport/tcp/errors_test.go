package tcp

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/secuprint/receipt/transport"
)

func opErr(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Err: os.NewSyscallError(op, err)}
}

func TestDialErrorClassification(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want error
	}{
		{"refused", context.Background(), opErr("dial", syscall.ECONNREFUSED), transport.ErrNotFound},
		{"host unreachable", context.Background(), opErr("dial", syscall.EHOSTUNREACH), transport.ErrNotFound},
		{"net unreachable", context.Background(), opErr("dial", syscall.ENETUNREACH), transport.ErrNotFound},
		{"unknown name", context.Background(), &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}}, transport.ErrNotFound},
		{"no answer", context.Background(), &net.OpError{Op: "dial", Err: os.ErrDeadlineExceeded}, transport.ErrTimeout},
		{"cancelled", cancelled, &net.OpError{Op: "dial", Err: context.Canceled}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := dialError(tt.ctx, tt.err)
			assert.ErrorIs(t, got, tt.want)
			assert.ErrorIs(t, got, tt.err, "the cause stays visible")
		})
	}
	assert.NotErrorIs(t, dialError(cancelled, &net.OpError{Op: "dial", Err: context.Canceled}), transport.ErrNotFound,
		"a caller who gave up is not told the printer is missing")
}

func TestIOErrorClassification(t *testing.T) {
	c := &Conn{name: "tcp://192.0.2.1:9100"}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"eof", io.EOF, transport.ErrDisconnected},
		{"reset", opErr("read", syscall.ECONNRESET), transport.ErrDisconnected},
		{"broken pipe", opErr("write", syscall.EPIPE), transport.ErrDisconnected},
		{"aborted", opErr("write", syscall.ECONNABORTED), transport.ErrDisconnected},
		{"keep-alive gave up", opErr("read", syscall.ETIMEDOUT), transport.ErrDisconnected},
		{"deadline", &net.OpError{Op: "write", Err: os.ErrDeadlineExceeded}, transport.ErrTimeout},
		{"closed here", &net.OpError{Op: "read", Err: net.ErrClosed}, transport.ErrClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.ioError("read", tt.err)
			assert.ErrorIs(t, got, tt.want)
			assert.True(t, errors.Is(got, tt.err))
			assert.Contains(t, got.Error(), c.name)
		})
	}
	assert.NoError(t, c.ioError("read", nil))
}
