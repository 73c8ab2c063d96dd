//go:build unix

package tcp

import (
	"errors"
	"fmt"
	"io"
	"syscall"
)

// poll reads what an idle connection holds without waiting: one
// non-blocking read. A connection the printer closed answers EOF and one it
// reset ECONNRESET at once; a live one has nothing (EAGAIN).
func (c *Conn) poll(buf []byte) (int, error) {
	sc, ok := c.c.(syscall.Conn)
	if !ok {
		return 0, nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, c.ioError("read", err)
	}
	var n int
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		n, rerr = syscall.Read(int(fd), buf)
		return true // never wait
	})
	switch {
	case err != nil:
		return 0, c.ioError("read", err)
	case errors.Is(rerr, syscall.EAGAIN), errors.Is(rerr, syscall.EINTR):
		return 0, nil
	case rerr != nil:
		return 0, c.ioError("read", fmt.Errorf("read: %w", rerr))
	case n == 0 && len(buf) > 0:
		return 0, c.ioError("read", io.EOF)
	}
	return n, nil
}
