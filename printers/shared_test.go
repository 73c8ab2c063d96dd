package printers_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/virtual"
)

// A status read honours its deadline while a job holds the printer: it
// answers ErrBusy instead of waiting for the job.
func TestStatusDoesNotWaitBehindAJob(t *testing.T) {
	job := golden(t, "card-topup")
	f, host := newFake(t, with(ready, func(s *script) { s.noGSR = true }), 0)
	p := printers.NewConnPrinter("fake", dialOnce(host), printers.ConnOptions{Timeout: time.Minute, Poll: 150 * time.Millisecond})
	defer p.Close()
	go p.Print(context.Background(), job)
	require.Eventually(t, func() bool { return len(f.Data()) == len(job) }, 5*time.Second, time.Millisecond)
	got := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := p.Status(ctx)
		got <- err
	}()
	select {
	case err := <-got:
		assert.ErrorIs(t, err, printers.ErrBusy)
	case <-time.After(10 * time.Second):
		t.Fatal("Status waits for the job in progress, past its deadline")
	}
}

// askStatus is another host: it connects to addr, asks DLE EOT 1 and
// reports whether an answer came within wait.
func askStatus(t *testing.T, addr string, wait time.Duration) bool {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(addr, "tcp://"))
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte{0x10, 0x04, 1})
	require.NoError(t, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(wait)))
	var b [1]byte
	_, err = c.Read(b[:])
	return err == nil && escpos.IsRealtimeStatus(b[0])
}

// A network printer is shared by default: the link is closed after each
// job and status read, so another host can print in between; KeepOpen
// holds it.
func TestNetworkPrinterIsShared(t *testing.T) {
	job := golden(t, "cash-start")
	for _, keep := range []bool{false, true} {
		d := device(t, virtual.Options{})
		addr := tcpAddress(t, d)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		p, err := printers.Open(ctx, addr, printers.OpenOptions{Conn: fast, KeepOpen: keep})
		require.NoError(t, err)
		_, err = p.Status(ctx)
		require.NoError(t, err)
		r := p.Print(ctx, job)
		require.Equal(t, printers.OutcomePrinted, r.Outcome, "%v", r)
		assert.Equal(t, !keep, askStatus(t, addr, time.Second), "keep open %v: another host gets an answer", keep)
		require.NoError(t, p.Close())
		cancel()
	}
}

// A network printer held by another host is busy, not a bare timeout;
// nothing of the job was sent, and it prints once the other host lets go.
func TestPrinterHeldByAnotherHostIsBusy(t *testing.T) {
	job := golden(t, "cash-start")
	for _, mode := range []virtual.TCPMode{virtual.TCPQueue, virtual.TCPRefuse} {
		d := device(t, virtual.Options{})
		a, err := d.ListenTCPMode(context.Background(), "127.0.0.1:0", mode)
		require.NoError(t, err)
		addr := "tcp://" + a.String()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		p, err := printers.Open(ctx, addr, printers.OpenOptions{Conn: fast})
		require.NoError(t, err)
		// The printer has answered this host before. (A refusing printer
		// turns away a host that comes back before it noticed the hang-up
		// of Open's check.)
		require.Eventually(t, func() bool { _, err := p.Status(ctx); return err == nil }, 5*time.Second, 10*time.Millisecond)
		require.Eventually(t, func() bool { return d.Status().Links == 0 }, 5*time.Second, time.Millisecond)

		other, err := net.Dial("tcp", a.String()) // another till holds it
		require.NoError(t, err)
		require.Eventually(t, func() bool { return d.Status().Links == 1 }, 5*time.Second, time.Millisecond)
		r := p.Print(ctx, job)
		assert.Equal(t, printers.OutcomeFailed, r.Outcome, "mode %v: %v", mode, r)
		assert.Equal(t, printers.ReasonBusy, r.Reason, "mode %v: %v", mode, r)
		assert.Zero(t, r.Sent)
		assert.ErrorIs(t, r.Err, printers.ErrBusy)
		_, err = p.Status(ctx)
		assert.ErrorIs(t, err, printers.ErrBusy, "mode %v", mode)

		require.NoError(t, other.Close())
		require.Eventually(t, func() bool { return d.Status().Links == 0 }, 5*time.Second, time.Millisecond)
		for r = p.Print(ctx, job); r.Reason == printers.ReasonBusy; r = p.Print(ctx, job) {
			time.Sleep(10 * time.Millisecond) // as the spool retries a job of which nothing was sent
		}
		assert.Equal(t, printers.OutcomePrinted, r.Outcome, "mode %v: %v", mode, r)
		assert.Len(t, d.Tickets(), 1, "mode %v: printed once", mode)
		require.NoError(t, p.Close())
		cancel()
	}
}
