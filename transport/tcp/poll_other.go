//go:build !unix

package tcp

import (
	"errors"
	"os"
	"time"
)

// poll reads what an idle connection holds, waiting a millisecond: a
// connection the printer closed or reset answers at once.
func (c *Conn) poll(buf []byte) (int, error) {
	if err := c.c.SetReadDeadline(time.Now().Add(time.Millisecond)); err != nil {
		return 0, c.ioError("read", err)
	}
	n, err := c.c.Read(buf)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = nil
	}
	return n, c.ioError("read", err)
}
