package virtual

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"

	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/escpos/star"
	"github.com/secuprint/receipt/transport"
	"github.com/secuprint/receipt/transport/file"
)

const (
	readChunk  = 4096 // most bytes taken from a link at once
	outPackets = 256  // answers queued for a host that does not read; more are lost
	connBuffer = 512  // per direction, in Conn's in-memory link
	// flushWait bounds delivering the last answers to a host that hung up
	// its sending side but does not read.
	flushWait = time.Second
)

// link is one connection to the printer: TCP, a pty or an in-memory pipe.
type link struct {
	rw     io.ReadWriteCloser
	name   string
	serial bool        // a serial port: XON/XOFF applies
	out    chan []byte // answers on their way to the host
	gone   chan struct{}
	wdone  chan struct{}
	flush  bool // deliver queued answers after the hang-up (set before gone closes)

	// Guarded by Device.mu.
	held     fifo // decoded data waiting for room in the buffer
	queued   int  // bytes of this link in the buffer
	blocked  bool // the reader waits for room
	xoff     bool // XOFF sent, XON pending
	ended    bool
	lastData time.Time
	nvAck    int // key lists asked for whose ACK is still to come (nvkeys.go)
}

// send queues an answer for the host. It never blocks the print engine: a
// host that stopped reading loses answers beyond the queue, as it would
// lose them from a printer's transmit buffer.
func (l *link) send(p []byte) {
	select {
	case l.out <- append([]byte(nil), p...):
	default:
	}
}

// Serve reads a printer stream from rw until it ends or the device closes,
// answering on rw, then closes rw. A hang-up by the host is not an error.
func (d *Device) Serve(rw io.ReadWriteCloser, name string) error {
	return d.serve(rw, name, false)
}

func (d *Device) serve(rw io.ReadWriteCloser, name string, serial bool) error {
	l, err := d.attach(rw, name, serial)
	if err != nil {
		return err
	}
	return d.run(l)
}

// attach registers a link and starts its writer; run must follow. On a
// closed device it closes rw.
func (d *Device) attach(rw io.ReadWriteCloser, name string, serial bool) (*link, error) {
	l := &link{rw: rw, name: name, serial: serial, out: make(chan []byte, outPackets),
		gone: make(chan struct{}), wdone: make(chan struct{})}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		if err := rw.Close(); err != nil && !isClosedErr(err) {
			return nil, errors.Join(ErrClosed, err)
		}
		return nil, ErrClosed
	}
	d.links[l] = struct{}{}
	d.wg.Add(2) // the writer and run: Close waits for both
	d.changed()
	d.mu.Unlock()
	go d.writer(l)
	d.event(l, "connected")
	return l, nil
}

// run reads the link until it ends, then closes it.
func (d *Device) run(l *link) error {
	defer d.wg.Done()
	hungUp, err := d.read(l)
	d.hangUp(l)
	if hungUp {
		l.flush = true
		if dl, ok := l.rw.(interface{ SetWriteDeadline(time.Time) error }); ok {
			// Best effort: without a deadline the flush still ends when
			// the host goes away or the device closes.
			_ = dl.SetWriteDeadline(time.Now().Add(flushWait))
		}
	}
	close(l.gone)
	<-l.wdone
	msg := "disconnected"
	if err != nil {
		msg += ": " + err.Error()
	}
	d.event(l, msg)
	if cerr := l.rw.Close(); err == nil && cerr != nil && !isClosedErr(cerr) {
		err = fmt.Errorf("virtual: %s: %w", l.name, cerr)
	}
	return err
}

// writer delivers answers until the link ends.
func (d *Device) writer(l *link) {
	defer d.wg.Done()
	defer close(l.wdone)
	write := func(p []byte) bool {
		if !d.awake(l) {
			return false
		}
		_, err := l.rw.Write(p)
		return err == nil
	}
	for {
		select {
		case p := <-l.out:
			if !write(p) {
				return
			}
		case <-l.gone:
			for l.flush {
				select {
				case p := <-l.out:
					if !write(p) {
						return
					}
				default:
					return
				}
			}
			return
		case <-d.done:
			return
		}
	}
}

// awake waits out a stall; false when the device or the link ended.
func (d *Device) awake(l *link) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for d.stalled && !d.closed && !l.ended {
		d.cond.Wait()
	}
	return !d.closed && !(d.stalled && l.ended)
}

// read takes the link's bytes until it ends. hungUp reports a clean end by
// the host (EOF), whose last answers are still worth delivering.
func (d *Device) read(l *link) (hungUp bool, err error) {
	dec := decode.NewDecoder(d.opt.Profile)
	var sdec *star.Decoder
	var tr star.Translator
	if d.opt.Profile.SpeaksStar() {
		sdec = star.NewDecoder(d.opt.Profile)
	}
	var pending []byte // an incomplete command
	for {
		size, ok := d.nextRead(l, len(pending))
		if !ok {
			return false, nil
		}
		if size == 0 {
			d.event(l, "DropAfter: hanging up"+dropped(pending))
			return false, nil
		}
		// A fresh array each time: buffered commands point into the old ones.
		buf := make([]byte, len(pending)+size)
		copy(buf, pending)
		n, rerr := l.rw.Read(buf[len(pending):])
		if n > 0 {
			var off, end int
			if sdec != nil {
				off, end = d.takeStar(l, sdec, &tr, buf, len(pending), n)
			} else {
				off, end = d.take(l, dec, buf, len(pending), n)
			}
			pending = buf[off:end]
		}
		if rerr != nil {
			if len(pending) > 0 {
				d.event(l, "hung up"+dropped(pending))
			}
			switch {
			case d.isClosed() || isClosedErr(rerr):
				return false, nil
			case errors.Is(rerr, io.EOF), errors.Is(rerr, syscall.EIO): // a pty master reads EIO once its slave is gone
				return true, nil
			}
			return false, fmt.Errorf("virtual: %s: %w", l.name, rerr)
		}
	}
}

func dropped(pending []byte) string {
	if len(pending) == 0 {
		return ""
	}
	return ", dropping " + strconv.Itoa(len(pending)) + " bytes of an incomplete command"
}

func (d *Device) isClosed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.closed
}

// nextRead waits until the link may read and says how much: what fits in
// the buffer, or one byte when nothing fits (so real-time requests still
// arrive). size 0 means DropAfter is due; ok false that the device closed.
func (d *Device) nextRead(l *link, pending int) (size int, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for {
		if d.closed {
			return 0, false
		}
		if d.stalled {
			d.cond.Wait()
			continue
		}
		if d.dropLeft == 0 {
			d.dropLeft = -1
			return 0, true
		}
		d.admitLocked(l, false)
		if l.held.len() == 0 {
			break
		}
		d.blockLocked(l)
	}
	size = 1
	if d.mayOwnLocked(l) {
		switch room := d.opt.BufferSize - d.used - pending; {
		case room > 0:
			size = room
		case d.used == 0:
			size = readChunk // the rest of a command larger than the buffer
		}
	}
	size = min(size, readChunk)
	if d.dropLeft > 0 {
		size = min(size, d.dropLeft)
	}
	return size, true
}

// take handles n new bytes at buf[start:]: real-time requests are answered,
// data commands wait in l.held. It returns where the incomplete rest
// begins and ends.
func (d *Device) take(l *link, dec *decode.Decoder, buf []byte, start, n int) (off, end int) {
	a := arrival{at: time.Now()}
	defer a.tell() // after the unlock below
	d.mu.Lock()
	defer d.mu.Unlock()
	a.hook = d.onRxTicket
	begin := func() { d.beginLocked(&a) }
	end = start + d.acceptLocked(n)
	// Commands the print head only prints travel as one run; status
	// requests and cuts travel alone.
	run := -1
	flush := func(at int) {
		if run >= 0 {
			l.held.push(job{op: decode.OpText, arg: -1, raw: buf[run:at], from: l})
			run = -1
		}
	}
	for off < end {
		if l.nvAck > 0 && isHandshake(buf[off]) {
			// The host's answer to a key list: no data for the printer.
			l.nvAck--
			off++
			continue
		}
		c, m, err := dec.Next(buf[off:end])
		if err != nil { // ErrShort: the command continues in the next read
			break
		}
		if isNVKeyList(&c) {
			// Answered in turn, like GS I (nvkeys.go).
			flush(off)
			l.held.push(job{op: c.Op, arg: nvKeyListArg, bad: c.Err != nil, raw: buf[off : off+m], from: l})
			l.nvAck++
			off += m
			continue
		}
		switch c.Op {
		case decode.OpRealtimeStatus, decode.OpRealtimeRequest, decode.OpRealtimeCommand:
			flush(off)
			d.realtimeLocked(l, &c)
		case decode.OpTransmitStatus, decode.OpPrinterID, decode.OpASB, decode.OpCut, decode.OpLegacyCut, decode.OpPulse, decode.OpBell:
			flush(off)
			l.held.push(job{op: c.Op, arg: c.Arg(0), bad: c.Err != nil, raw: buf[off : off+m], from: l})
			switch c.Op {
			case decode.OpCut, decode.OpLegacyCut:
				begin()
				d.rxOpen = d.rxOpen && c.Err != nil // a cut the printer does not know cuts nothing
			case decode.OpPulse, decode.OpBell:
				begin()
			}
		default:
			begin()
			if run < 0 {
				run = off
			}
		}
		off += m
	}
	flush(off)
	d.changed()
	return off, end
}

// arrival is what one read did to tickets, told to the OnTicketStart hook
// once the device's lock is released.
type arrival struct {
	at     time.Time
	hook   func(time.Time)
	starts int // tickets begun in this read
}

func (a *arrival) tell() {
	for ; a.hook != nil && a.starts > 0; a.starts-- {
		a.hook(a.at)
	}
}

// beginLocked marks a ticket begun, if none is open.
func (d *Device) beginLocked(a *arrival) {
	if !d.rxOpen {
		d.rxOpen = true
		a.starts++
	}
}

// acceptLocked takes n bytes of a read and returns how many the device
// keeps: fewer when a drop-after fault pulls the cable mid-read. It waits
// out a stall, so bytes read as the stall began wait with the rest.
func (d *Device) acceptLocked(n int) int {
	if d.dropLeft >= 0 && n > d.dropLeft {
		n = d.dropLeft // the cable was pulled before the rest arrived
	}
	if d.dropLeft > 0 {
		d.dropLeft -= n
	}
	d.received += int64(n)
	for d.stalled && !d.closed {
		d.cond.Wait()
	}
	return n
}

// mayOwnLocked reports whether l may put data in the buffer: nobody else
// owns it, or its owner left a ticket open and went quiet.
func (d *Device) mayOwnLocked(l *link) bool {
	o := d.owner
	return o == nil || o == l || d.idleLocked(o)
}

func (d *Device) idleLocked(o *link) bool {
	return d.opt.SwitchIdle > 0 && o.queued == 0 && o.held.len() == 0 && time.Since(o.lastData) >= d.opt.SwitchIdle
}

// admitLocked moves l's held commands into the buffer while they fit (force:
// regardless of its size, for bytes already received from a link that
// hung up).
func (d *Device) admitLocked(l *link, force bool) {
	moved := false
	for l.held.len() > 0 && d.mayOwnLocked(l) {
		n := len(l.held.peek().raw)
		if !force && d.used > 0 && d.used+n > d.opt.BufferSize {
			break
		}
		d.owner = l
		d.queue.push(l.held.pop())
		d.used += n
		l.queued += n
		moved = true
	}
	if moved {
		l.lastData = time.Now()
		d.flowLocked()
		d.changed()
	}
}

// blockLocked waits for room in the buffer or for the owner to let go.
func (d *Device) blockLocked(l *link) {
	l.blocked = true
	d.waiting++
	d.flowLocked()
	d.watch.Broadcast() // not cond: two blocked links would wake each other forever
	var t *time.Timer
	if o := d.owner; o != nil && o != l && d.opt.SwitchIdle > 0 && o.queued == 0 && o.held.len() == 0 {
		t = time.AfterFunc(time.Until(o.lastData.Add(d.opt.SwitchIdle)), d.broadcast)
	}
	d.cond.Wait()
	if t != nil {
		t.Stop()
	}
	d.waiting--
	l.blocked = false
	d.watch.Broadcast()
}

// flowLocked sends XOFF to a serial link that must stop and XON once the
// buffer drained.
func (d *Device) flowLocked() {
	if !d.opt.XonXoff {
		return
	}
	for l := range d.links {
		if !l.serial {
			continue
		}
		busy := l.blocked || (d.owner == l && d.used >= d.opt.XoffAt)
		switch {
		case busy && !l.xoff:
			l.xoff = true
			l.send([]byte{xoff})
			d.event(l, "XOFF")
		case !busy && l.xoff && d.used <= d.opt.XonAt:
			l.xoff = false
			l.send([]byte{xon})
			d.event(l, "XON")
		}
	}
}

// hangUp ends a link: what it sent still prints, and a ticket it left open
// is torn off after that.
func (d *Device) hangUp(l *link) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for l.held.len() > 0 && !d.closed {
		d.admitLocked(l, true)
		if l.held.len() > 0 {
			d.blockLocked(l) // another link owns the buffer
		}
	}
	if d.owner == l {
		d.owner = nil
		d.queue.push(job{tear: true, from: l, arg: -1})
		d.rxOpen = false
	}
	l.ended = true
	delete(d.links, l)
	d.changed()
}

// TCPMode is what a TCP listener does with a connection that comes while
// another is served: a printer's network card serves one host at a time.
type TCPMode uint8

const (
	// TCPQueue: the connect succeeds, but the connection is not read (its
	// requests are not answered) until the current one hangs up, as with
	// JetDirect's backlog.
	TCPQueue TCPMode = iota
	// TCPRefuse: the connection is closed at once, as print servers that
	// turn a second host away do.
	TCPRefuse
)

// ListenTCP accepts raw print connections (port 9100, "JetDirect") on addr
// until ctx ends or the device closes, one at a time (TCPQueue).
func (d *Device) ListenTCP(ctx context.Context, addr string) (net.Addr, error) {
	return d.ListenTCPMode(ctx, addr, TCPQueue)
}

// ListenTCPMode is ListenTCP with mode for a connection that comes while
// another is served.
func (d *Device) ListenTCPMode(ctx context.Context, addr string, mode TCPMode) (net.Addr, error) {
	if mode > TCPRefuse {
		return nil, fmt.Errorf("virtual: TCP mode %d", mode)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("virtual: %w", err)
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, errors.Join(ErrClosed, ln.Close())
	}
	d.closers = append(d.closers, ln)
	d.wg.Add(1)
	d.mu.Unlock()
	// Closing makes Accept fail, which ends the loop; Close reports errors.
	stop := context.AfterFunc(ctx, func() { _ = ln.Close() })
	go func() {
		defer d.wg.Done()
		defer stop()
		for {
			conn, err := ln.Accept()
			if err != nil {
				if !isClosedErr(err) {
					d.event(nil, "tcp listener: "+err.Error())
				}
				return
			}
			if mode == TCPRefuse {
				d.serveRefusing(ln, conn)
				return
			}
			if err := d.serve(conn, "tcp "+conn.RemoteAddr().String(), false); err != nil && !errors.Is(err, ErrClosed) {
				d.event(nil, err.Error())
			}
		}
	}()
	return ln.Addr(), nil
}

// serveRefusing serves conn, and every connection after it, while closing
// at once those that come while one is served, until ln closes.
func (d *Device) serveRefusing(ln net.Listener, conn net.Conn) {
	free := make(chan struct{}, 1)
	serve := func(c net.Conn) {
		defer func() { <-free }()
		if err := d.serve(c, "tcp "+c.RemoteAddr().String(), false); err != nil && !errors.Is(err, ErrClosed) {
			d.event(nil, err.Error())
		}
	}
	var served sync.WaitGroup
	defer served.Wait() // Close waits for the listener's goroutine: and so for these
	for {
		select {
		case free <- struct{}{}:
			served.Add(1)
			go func(c net.Conn) { defer served.Done(); serve(c) }(conn)
		default:
			d.event(nil, "tcp "+conn.RemoteAddr().String()+": refused, another host is connected")
			_ = conn.Close()
		}
		var err error
		if conn, err = ln.Accept(); err != nil {
			if !isClosedErr(err) {
				d.event(nil, "tcp listener: "+err.Error())
			}
			return
		}
	}
}

// OpenPTY makes a pseudo-terminal the printer's serial port and returns the
// path a host opens (e.g. /dev/pts/3). The line is raw: bytes pass
// unchanged, XON/XOFF included. The device keeps the host end open too, so
// a host that closes and reopens the port finds the printer still there;
// hence a pty never hangs up and its uncut paper is not torn off.
func (d *Device) OpenPTY() (string, error) {
	master, slave, err := pty.Open()
	if err != nil {
		return "", fmt.Errorf("virtual: %w", err)
	}
	if err := file.RawMode(slave); err != nil {
		return "", errors.Join(fmt.Errorf("virtual: raw mode on %s: %w", slave.Name(), err), master.Close(), slave.Close())
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return "", errors.Join(ErrClosed, master.Close(), slave.Close())
	}
	d.closers = append(d.closers, slave)
	d.mu.Unlock()
	name := slave.Name()
	if err := d.goServe(master, "pty "+name, true); err != nil {
		return "", err // Close came between and closed both ends
	}
	return name, nil
}

// Pipe connects an in-memory host end to the device, for the built-in
// virtual:// printer. Closing the returned end hangs up.
func (d *Device) Pipe(name string) net.Conn {
	host, dev := net.Pipe()
	if err := d.goServe(dev, name, false); err != nil {
		d.event(nil, "pipe "+name+": "+err.Error()) // dev is closed: host reads a hang-up
	}
	return host
}

// Conn connects an in-memory transport.Conn to the device: the host end of
// a buffered pipe with deadlines, for tests of code that prints.
func (d *Device) Conn(name string) transport.Conn {
	host, dev := transport.Pipe(name, "virtual", connBuffer)
	if err := d.goServe(dev, name, false); err != nil {
		d.event(nil, "conn "+name+": "+err.Error()) // dev is closed: host reads a hang-up
	}
	return host
}

// goServe attaches rw now, so the link counts in State at once, and serves
// it in the background.
func (d *Device) goServe(rw io.ReadWriteCloser, name string, serial bool) error {
	l, err := d.attach(rw, name, serial)
	if err != nil {
		return err
	}
	go func() {
		if err := d.run(l); err != nil {
			d.event(nil, err.Error())
		}
	}()
	return nil
}

// broadcast wakes every waiter (from timers).
func (d *Device) broadcast() {
	d.mu.Lock()
	d.changed()
	d.mu.Unlock()
}

// fifo is a queue of jobs that reuses its array.
type fifo struct {
	q    []job
	head int
}

func (f *fifo) len() int { return len(f.q) - f.head }

func (f *fifo) peek() *job { return &f.q[f.head] }

func (f *fifo) push(j job) {
	if f.head > 64 && f.head*2 > len(f.q) { // mostly consumed: move the rest to the front
		n := copy(f.q, f.q[f.head:])
		clear(f.q[n:])
		f.q, f.head = f.q[:n], 0
	}
	f.q = append(f.q, j)
}

func (f *fifo) pop() job {
	j := f.q[f.head]
	f.q[f.head] = job{} // let the bytes go
	f.head++
	if f.head == len(f.q) {
		f.q, f.head = f.q[:0], 0
	}
	return j
}

// changed wakes the data path and Wait callers; d.mu is held.
func (d *Device) changed() {
	d.cond.Broadcast()
	d.watch.Broadcast()
}
