package virtual

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"

	"github.com/creack/pty"

	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/transport/file"
)

// link is one connection to the printer: TCP, a pty or an in-memory pipe.
type link struct {
	rw   io.ReadWriteCloser
	name string
	out  chan []byte // answers on their way to the host
	xoff bool        // XOFF sent, XON pending (guarded by Device.mu)
}

// send queues an answer for the host. It never blocks the print engine: a
// host that stopped reading loses answers beyond the queue, as it would
// lose them from a printer's transmit buffer.
func (l *link) send(p []byte) {
	if l == nil || len(p) == 0 {
		return
	}
	select {
	case l.out <- append([]byte(nil), p...):
	default:
	}
}

// writer delivers answers until the link ends. A host that went away is not
// an error of the printer's; it shows when the link's reader ends.
func (l *link) writer(done <-chan struct{}) {
	for {
		select {
		case p := <-l.out:
			if _, err := l.rw.Write(p); err != nil {
				return
			}
		case <-done:
			return
		}
	}
}

// Serve reads a printer stream from rw until it ends or the device closes,
// answering on rw. Several links may be served at once; their commands
// reach the print head in the order they complete.
func (d *Device) Serve(rw io.ReadWriteCloser, name string) error {
	l := &link{rw: rw, name: name, out: make(chan []byte, 256)}
	stop := make(chan struct{})
	defer close(stop)
	go l.writer(stop)
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return rw.Close()
	}
	d.links[l] = true
	d.mu.Unlock()
	d.log.Info("connected", "link", name)
	err := d.read(l)
	d.mu.Lock()
	delete(d.links, l)
	// Paper that ends without a cut is torn off when the host hangs up.
	d.queue = append(d.queue, job{tear: true})
	d.cond.Broadcast()
	d.mu.Unlock()
	d.log.Info("disconnected", "link", name, "err", err)
	if cerr := rw.Close(); err == nil && cerr != nil && !errors.Is(cerr, os.ErrClosed) && !errors.Is(cerr, net.ErrClosed) {
		err = cerr
	}
	return err
}

func (d *Device) read(l *link) error {
	dec := decode.NewDecoder(d.opt.Profile)
	var pending []byte
	tmp := make([]byte, 4096)
	for {
		d.mu.Lock()
		for d.stalled && !d.closed {
			d.cond.Wait()
		}
		closed := d.closed
		d.mu.Unlock()
		if closed {
			return nil
		}
		n, err := l.rw.Read(tmp)
		drop := false
		if n > 0 {
			d.mu.Lock()
			for d.stalled && !d.closed {
				d.cond.Wait() // bytes read before the stall wait with the rest
			}
			if d.dropAfter >= 0 {
				if n >= d.dropAfter {
					n, drop, d.dropAfter = d.dropAfter, true, -1
				} else {
					d.dropAfter -= n
				}
			}
			d.mu.Unlock()
			// Commands keep pointing into pending: it is never written
			// again once parsed; the unparsed tail moves to a new array.
			pending = append(pending, tmp[:n]...)
			off := 0
			for off < len(pending) {
				c, m, perr := dec.Next(pending[off:])
				if errors.Is(perr, decode.ErrShort) {
					break
				}
				c.Offset = 0
				d.accept(l, c, pending[off:off+m])
				off += m
			}
			pending = append([]byte(nil), pending[off:]...)
		}
		if drop {
			d.log.Info("dropping connection", "link", l.name)
			return nil
		}
		if err != nil {
			d.mu.Lock()
			closed := d.closed
			d.mu.Unlock()
			// A closed device or a hung-up host ends the link normally
			// (a pty master reads EIO once its slave is gone).
			if closed || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrClosed) {
				return nil
			}
			return fmt.Errorf("virtual: %s: %w", l.name, err)
		}
	}
}

// accept handles one command as it arrives: real-time requests at once,
// everything else into the receive buffer, waiting while it is full.
func (d *Device) accept(l *link, c decode.Command, raw []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch c.Op {
	case decode.OpRealtimeStatus:
		b := d.realtimeStatusLocked(c.Arg(0))
		d.log.Info("status", "link", l.name, "request", "DLE EOT "+strconv.Itoa(c.Arg(0)), "answer", b)
		l.send([]byte{b})
		return
	case decode.OpRealtimeRequest, decode.OpRealtimeCommand:
		d.log.Info("real-time command", "link", l.name, "command", c.Name, "args", c.Args)
		return
	}
	for d.queued > 0 && d.queued+len(raw) > d.opt.BufferSize && !d.closed {
		if d.opt.XonXoff && !l.xoff {
			l.xoff = true
			l.send([]byte{0x13})
		}
		d.cond.Wait()
	}
	if d.opt.XonXoff && !l.xoff && d.queued+len(raw) > d.opt.BufferSize*3/4 {
		l.xoff = true
		l.send([]byte{0x13})
	}
	d.queue = append(d.queue, job{cmd: c, raw: raw, from: l})
	d.queued += len(raw)
	d.cond.Broadcast()
}

// ListenTCP accepts raw print connections (port 9100, "JetDirect") on addr,
// one at a time like a printer's network card: the next waits in the
// listen backlog until the current one hangs up.
func (d *Device) ListenTCP(ctx context.Context, addr string) (net.Addr, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("virtual: %w", err)
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		ln.Close()
		return nil, errors.New("virtual: device closed")
	}
	d.closers = append(d.closers, ln)
	d.wg.Add(1)
	d.mu.Unlock()
	go func() {
		defer d.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return // listener closed
			}
			_ = d.Serve(conn, "tcp "+conn.RemoteAddr().String())
		}
	}()
	return ln.Addr(), nil
}

// OpenPTY makes a pseudo-terminal the printer's serial port and returns the
// path a host opens (e.g. /dev/pts/3). The line is raw: bytes pass unchanged.
func (d *Device) OpenPTY() (string, error) {
	master, slave, err := pty.Open()
	if err != nil {
		return "", fmt.Errorf("virtual: %w", err)
	}
	if err := file.RawMode(slave); err != nil {
		master.Close()
		slave.Close()
		return "", fmt.Errorf("virtual: raw mode on %s: %w", slave.Name(), err)
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		master.Close()
		slave.Close()
		return "", errors.New("virtual: device closed")
	}
	// Holding the slave open keeps the master readable between clients.
	d.closers = append(d.closers, slave)
	d.wg.Add(1)
	d.mu.Unlock()
	go func() {
		defer d.wg.Done()
		_ = d.Serve(master, "pty "+slave.Name())
	}()
	return slave.Name(), nil
}

// Pipe connects an in-memory host end to the device: for tests and for the
// built-in virtual:// printer. Closing the returned end hangs up.
func (d *Device) Pipe(name string) net.Conn {
	host, dev := net.Pipe()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		_ = d.Serve(dev, name)
	}()
	return host
}
