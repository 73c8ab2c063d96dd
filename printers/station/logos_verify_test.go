package station

import (
	"io"
	"net"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/printers/virtual/virtualtest"
	"github.com/secuprint/receipt/receipt"
)

// swapSocket is one printer address on loopback whose unit can be
// swapped: each connection goes to the unit plugged in when it is made.
type swapSocket struct {
	mu     sync.Mutex
	target string
	ln     net.Listener
}

func newSwapSocket(t *testing.T, target string) *swapSocket {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &swapSocket{target: target, ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			target := s.target
			s.mu.Unlock()
			go pipeTo(c, target)
		}
	}()
	return s
}

func pipeTo(c net.Conn, target string) {
	defer c.Close()
	u, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer u.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(u, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, u); done <- struct{}{} }()
	<-done
}

func (s *swapSocket) plug(target string) {
	s.mu.Lock()
	s.target = target
	s.mu.Unlock()
}

func (s *swapSocket) addr() string { return "tcp://" + s.ln.Addr().String() }

// Issue 22 item 3: a printer whose NV memory was wiped between two jobs
// (a reset to factory settings) gets the logo defined again; the second
// receipt prints it.
func TestStoredLogoWipedBetweenJobs(t *testing.T) {
	r := newLogoRig(t, "TM-T88V")
	st := r.station(t, bakery, 0)
	r.run(t, st)
	assert.Equal(t, spool.Printed, r.wait(t, r.submit(t, st, "one").ID).State)
	r.dev.WipeNV()
	assert.Equal(t, spool.Printed, r.wait(t, r.submit(t, st, "two").ID).State)
	tickets := r.dev.Tickets()
	require.Len(t, tickets, 2)
	assert.NotEmpty(t, logoOf(tickets[1]), "the receipt after the wipe prints its logo")
	assert.Equal(t, logoOf(tickets[0]), logoOf(tickets[1]))
	assert.Equal(t, 2, r.dev.Store().Writes(), "defined again once")
	ls := st.Logos()
	require.NotNil(t, ls)
	assert.Equal(t, []string{"LG"}, ls.Held)
	assert.False(t, ls.Verified.IsZero(), "checked against the printer's key list")
}

// Issue 22 item 3: the printer behind the address swapped for another
// unit of the same model, or another model, whose NV memory does not hold
// the logo: the next receipt defines it.
func TestStoredLogoSwappedPrinter(t *testing.T) {
	for _, model := range []string{"TM-T88V", "TM-T88VI"} {
		t.Run(model, func(t *testing.T) {
			r := newLogoRig(t, "TM-T88V")
			sock := newSwapSocket(t, r.addr[len("tcp://"):])
			r.addr = sock.addr()
			st := r.station(t, bakery, 0)
			r.run(t, st)
			assert.Equal(t, spool.Printed, r.wait(t, r.submit(t, st, "one").ID).State)

			prof, err := printers.Lookup(model)
			require.NoError(t, err)
			other, addr := virtualtest.TCP(t, virtual.Options{Profile: prof})
			other.SetSerial("SWAPPED0001")
			sock.plug(addr[len("tcp://"):])
			assert.Equal(t, spool.Printed, r.wait(t, r.submit(t, st, "two").ID).State)
			tickets := other.Tickets()
			require.Len(t, tickets, 1)
			assert.NotEmpty(t, logoOf(tickets[0]), "the new unit prints the logo")
			assert.Equal(t, 1, other.Store().Writes())
		})
	}
}

// Issue 22 item 3: the printer resets in the middle of the define (the
// link drops): nothing of the receipt went out, so it is sent again,
// defining again, and prints with its logo, once.
func TestStoredLogoResetMidDefine(t *testing.T) {
	r := newLogoRig(t, "TM-T88V")
	st := r.station(t, bakery, 0)
	job, err := st.Render(transaction(t, "pay-missing-sum"))
	require.NoError(t, err)
	define, err := receipt.AppendDefineLogos(nil, job.Report.Logos)
	require.NoError(t, err)
	r.dev.DropAfter(len(define) / 2)
	r.run(t, st)
	j := r.wait(t, r.submit(t, st, "one").ID)
	assert.Equal(t, spool.Printed, j.State, j.Reason)
	assert.GreaterOrEqual(t, j.Attempts, 2, "the first attempt was cut off")
	var withLogo int
	for _, tk := range r.dev.Tickets() {
		if logoOf(tk) != "" {
			withLogo++
		}
	}
	assert.Equal(t, 1, withLogo, "the receipt printed once, with its logo")
	assert.Equal(t, []string{"LG"}, r.dev.Store().Keys())
}
