package printers_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/transport"
)

// Answers of a healthy printer to DLE EOT 1–4 (fixed bits only) and GS r 1.
var (
	healthy     = [4]byte{0x12, 0x12, 0x12, 0x12}
	paperOut    = [4]byte{0x1A, 0x32, 0x12, 0x7E} // offline; stopped by paper end; sensor: end + near end
	coverOpen   = [4]byte{0x1A, 0x16, 0x12, 0x12} // offline; cover open
	offlineOnly = [4]byte{0x1A, 0x12, 0x12, 0x12}
	cutterError = [4]byte{0x1A, 0x52, 0x1A, 0x12} // offline; error; autocutter
	asbReady    = []byte{0x10, 0x00, 0x00, 0x00}  // an ASB packet: online, nothing wrong
)

const (
	xon  = 0x11
	xoff = 0x13
)

// script is what a fake printer does. The zero value answers nothing; start
// from a copy of ready.
type script struct {
	status [4]byte // answers to DLE EOT 1–4 while healthy
	gsr    byte    // answer to GS r 1 once the bytes before it are taken
	noGSR  bool    // ignores GS r (some clones do)

	// fault, when set, replaces status once faultAfter job bytes were
	// taken; from then on the printer holds GS r (the job waits in its
	// buffer) until Recover.
	fault      *[4]byte
	faultAfter int

	// silent: no answer to anything once silentAfter job bytes were taken.
	silent      bool
	silentAfter int

	// stall stops reading once stallAfter job bytes were taken: the
	// printer's buffer is full and it holds the line busy.
	stall      bool
	stallAfter int

	// drop closes the link once dropAfter job bytes were taken.
	drop      bool
	dropAfter int
	// dropAtRequest closes the link instead of answering the k-th request
	// (DLE EOT or GS r, counted from 1).
	dropAtRequest int

	wrong  map[int]byte // DLE EOT n answered with this byte instead
	before []byte       // sent ahead of every answer (ASB packets, XON/XOFF)
	stale  []byte       // already waiting when the host connects
}

var ready = script{status: healthy}

// fake is a scripted ESC/POS printer on the far end of a transport.Pipe:
// it takes job bytes, answers DLE EOT n at once (real time, even when the
// job is held) and GS r n in sequence after the bytes before it.
type fake struct {
	sc   script
	conn *transport.PipeConn
	done chan struct{}
	quit chan struct{}

	mu      sync.Mutex // guards everything below and serialises writes
	data    []byte     // job bytes taken: everything but DLE EOT n / GS r n
	reqs    []string   // requests in order of arrival
	faulted bool
	silent  bool
	held    int // GS r requests held by a fault
	handed  int // after a drop: bytes the host handed to the link
	stalled bool
	late    int // GS r answers released by Resume, sent at the next job byte
}

// newFake starts a fake printer on a fresh pipe and returns it with the
// host's end. bufSize is the pipe's per-direction buffer (0: default).
func newFake(t testing.TB, sc script, bufSize int) (*fake, *transport.PipeConn) {
	host, dev := transport.Pipe("fake", "host", bufSize)
	f := &fake{sc: sc, conn: dev, done: make(chan struct{}), quit: make(chan struct{})}
	f.faulted = sc.fault != nil && sc.faultAfter == 0
	f.silent = sc.silent && sc.silentAfter == 0
	if len(sc.stale) > 0 {
		if _, err := dev.Write(sc.stale); err != nil {
			t.Fatalf("fake: stale bytes: %v", err)
		}
	}
	go f.run()
	t.Cleanup(func() {
		close(f.quit)
		f.conn.Close()
		<-f.done
	})
	return f, host
}

// run parses the host's bytes until the link closes.
func (f *fake) run() {
	defer close(f.done)
	var in [256]byte
	var pend []byte // a request begun but not complete
	for {
		chunk := in[:]
		if f.sc.drop || f.sc.stall {
			// One byte at a time, so the drop or stall lands exactly.
			chunk = in[:1]
		}
		n, err := f.conn.Read(chunk)
		if err != nil {
			return
		}
		for _, b := range chunk[:n] {
			pend = append(pend, b)
			if !f.step(&pend) {
				return
			}
		}
		f.mu.Lock()
		stalled := f.stalled
		f.mu.Unlock()
		if stalled {
			<-f.quit
			return
		}
	}
}

// step consumes what pend holds; false ends the fake.
func (f *fake) step(pend *[]byte) bool {
	p := *pend
	switch {
	case len(p) == 1 && (p[0] == 0x10 || p[0] == 0x1D):
		return true // maybe a request: wait for more
	case len(p) == 2 && (p[0] == 0x10 && p[1] == 0x04 || p[0] == 0x1D && p[1] == 'r'):
		return true
	case len(p) == 3 && p[0] == 0x10 && p[1] == 0x04 && p[2] >= 1 && p[2] <= 4:
		*pend = p[:0]
		return f.realtime(int(p[2]))
	case len(p) == 3 && p[0] == 0x1D && p[1] == 'r' && (p[2] == 1 || p[2] == 2):
		*pend = p[:0]
		return f.transmit()
	}
	// Not a request after all: the first byte is data, the rest is looked
	// at again.
	rest := append([]byte(nil), p[1:]...)
	*pend = p[:0]
	if !f.take(p[0]) {
		return false
	}
	for _, b := range rest {
		*pend = append(*pend, b)
		if !f.step(pend) {
			return false
		}
	}
	return true
}

// take records one job byte and lets the faults strike.
func (f *fake) take(b byte) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for ; f.late > 0; f.late-- {
		if !f.answerLocked(f.sc.gsr) {
			return false
		}
	}
	f.data = append(f.data, b)
	taken := len(f.data)
	if f.sc.fault != nil && taken == f.sc.faultAfter {
		f.faulted = true
	}
	if f.sc.silent && taken == f.sc.silentAfter {
		f.silent = true
	}
	if f.sc.stall && taken == f.sc.stallAfter {
		f.stalled = true
	}
	if f.sc.drop && taken == f.sc.dropAfter {
		f.dropLocked()
		return false
	}
	return true
}

func (f *fake) dropLocked() {
	f.conn.Close()
	// What the host handed over: what was read plus what still waits in
	// the pipe, which nobody will read now.
	f.handed = len(f.data) + f.conn.Buffered()
}

// request records a request; false when the script drops the link here.
func (f *fake) request(name string) bool {
	f.reqs = append(f.reqs, name)
	if len(f.reqs) == f.sc.dropAtRequest {
		f.dropLocked()
		return false
	}
	return true
}

func (f *fake) realtime(n int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.request(fmt.Sprintf("DLE EOT %d", n)) {
		return false
	}
	if f.silent {
		return true
	}
	b := f.sc.status[n-1]
	if f.faulted {
		b = f.sc.fault[n-1]
	}
	if w, ok := f.sc.wrong[n]; ok {
		b = w
	}
	return f.answerLocked(b)
}

func (f *fake) transmit() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.request("GS r") {
		return false
	}
	switch {
	case f.silent, f.sc.noGSR:
		return true
	case f.faulted:
		f.held++ // processed after recovery
		return true
	}
	return f.answerLocked(f.sc.gsr)
}

func (f *fake) answerLocked(b byte) bool {
	out := append(append([]byte{}, f.sc.before...), b)
	_, err := f.conn.Write(out)
	return err == nil
}

// Recover clears the fault: the held job prints and its GS r answers go out.
func (f *fake) Recover() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faulted = false
	for ; f.held > 0; f.held-- {
		if _, err := f.conn.Write(append(append([]byte{}, f.sc.before...), f.sc.gsr)); err != nil {
			return err
		}
	}
	return nil
}

// Resume clears the fault without answering the held GS r requests yet:
// they go out at the next job byte, as when the held job finishes printing
// while the next one arrives. refault > 0 strikes the fault again after that
// many more job bytes.
func (f *fake) Resume(refault int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faulted = false
	f.late += f.held
	f.held = 0
	if refault > 0 {
		f.sc.faultAfter = len(f.data) + refault
	}
}

// Send writes unsolicited bytes (an ASB packet) to the host.
func (f *fake) Send(b []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, err := f.conn.Write(b)
	return err
}

// Wait waits until the fake has read everything up to the host's Close.
func (f *fake) Wait() { <-f.done }

func (f *fake) Data() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]byte(nil), f.data...)
}

func (f *fake) Requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.reqs...)
}

func (f *fake) Handed() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.handed
}

// dialOnce is a Dialer that hands out conn once; a reconnect finds nobody.
func dialOnce(conn transport.Conn) printers.Dialer {
	var once sync.Once
	return func(context.Context) (transport.Conn, error) {
		var c transport.Conn
		once.Do(func() { c = conn })
		if c == nil {
			return nil, fmt.Errorf("fake: dial again: %w", transport.ErrNotFound)
		}
		return c, nil
	}
}

// writeOnly is a link with no return channel, like a device file.
type writeOnly struct{ *transport.PipeConn }

func (w writeOnly) Read([]byte) (int, error) {
	return 0, fmt.Errorf("%s: read: %w", w.Name(), transport.ErrUnsupported)
}
