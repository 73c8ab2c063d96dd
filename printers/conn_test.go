package printers_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/virtual"
)

var documented = []string{"cash-start", "pay-missing-sum", "card-topup", "capture-step4"}

func golden(t testing.TB, doc string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "golden", doc, "TM-T88V-42col.bin"))
	require.NoError(t, err)
	return b
}

var fast = printers.ConnOptions{Timeout: 2 * time.Second, Poll: 50 * time.Millisecond}

func device(t *testing.T, opt virtual.Options) *virtual.Device {
	t.Helper()
	p, err := printers.Lookup("TM-T88V")
	require.NoError(t, err)
	opt.Profile = p
	d, err := virtual.New(opt)
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	return d
}

// patient is for tests of jobs that print: a passing job is confirmed the
// moment the printer's answer arrives, so a long Poll costs it nothing,
// while a loaded machine (a pty at 9600 baud behind a full buffer) may
// take more than fast's 50 ms to answer a real-time request.
var patient = printers.ConnOptions{Timeout: 20 * time.Second, Poll: time.Second}

func open(t *testing.T, address string) printers.Printer {
	t.Helper()
	return openWith(t, address, fast)
}

func openWith(t *testing.T, address string, opt printers.ConnOptions) printers.Printer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, err := printers.Open(ctx, address, printers.OpenOptions{Conn: opt})
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	return p
}

func tcpAddress(t *testing.T, d *virtual.Device) string {
	t.Helper()
	a, err := d.ListenTCP(context.Background(), "127.0.0.1:0")
	require.NoError(t, err)
	return "tcp://" + a.String()
}

// TestEndToEnd prints every documented receipt over TCP and over a serial
// line (a pty) at 9600 and 115200 baud: each is confirmed printed and the
// virtual printer's ticket is byte-identical to the golden file.
func TestEndToEnd(t *testing.T) {
	links := []struct {
		name string
		addr func(*testing.T, *virtual.Device) string
	}{
		{"tcp", tcpAddress},
		{"serial-9600", func(t *testing.T, d *virtual.Device) string {
			path, err := d.OpenPTY()
			require.NoError(t, err)
			return "serial://" + path + "?baud=9600"
		}},
		{"serial-115200", func(t *testing.T, d *virtual.Device) string {
			path, err := d.OpenPTY()
			require.NoError(t, err)
			return "serial://" + path + "?baud=115200"
		}},
	}
	for _, l := range links {
		t.Run(l.name, func(t *testing.T) {
			d := device(t, virtual.Options{})
			p := openWith(t, l.addr(t, d), patient)
			for i, doc := range documented {
				job := golden(t, doc)
				r := p.Print(context.Background(), job)
				require.Equal(t, printers.OutcomePrinted, r.Outcome, "%s: %v", doc, r)
				assert.Equal(t, len(job), r.Sent)
				tickets := d.Tickets()
				require.Len(t, tickets, i+1)
				assert.Equal(t, job, tickets[i].Raw, "%s arrives byte for byte", doc)
			}
			st, err := p.Status(context.Background())
			require.NoError(t, err)
			assert.True(t, st.Ready(), st.String())
		})
	}
}

func TestFaults(t *testing.T) {
	job := golden(t, "card-topup")
	t.Run("paper end before the job", func(t *testing.T) {
		d := device(t, virtual.Options{})
		p := open(t, tcpAddress(t, d))
		d.SetFault(virtual.PaperEnd, true)
		r := p.Print(context.Background(), job)
		assert.Equal(t, printers.OutcomeFailed, r.Outcome)
		assert.Equal(t, printers.ReasonPaperEnd, r.Reason)
		assert.Zero(t, r.Sent, "nothing sent to a printer without paper")
	})
	t.Run("paper end mid-job, then recovery", func(t *testing.T) {
		d := device(t, virtual.Options{})
		p := open(t, tcpAddress(t, d))
		// Two tickets in one job; the paper runs out after the first.
		d.FaultAfterTicket(1, virtual.PaperEnd)
		two := append(append([]byte{}, job...), job...)
		r := p.Print(context.Background(), two)
		assert.Equal(t, printers.OutcomeFailed, r.Outcome, r.String())
		assert.Equal(t, printers.ReasonPaperEnd, r.Reason)
		require.NotNil(t, r.Status)
		assert.True(t, r.Status.PaperEnd)
		assert.Len(t, d.Tickets(), 1, "the second ticket waits in the buffer")
		d.SetFault(virtual.PaperEnd, false)
		r = p.Print(context.Background(), job)
		assert.Equal(t, printers.OutcomePrinted, r.Outcome, r.String())
		assert.Len(t, d.Tickets(), 3, "the held ticket finished after recovery, then the next job")
	})
	t.Run("cover open", func(t *testing.T) {
		d := device(t, virtual.Options{})
		p := open(t, tcpAddress(t, d))
		d.SetFault(virtual.CoverOpen, true)
		r := p.Print(context.Background(), job)
		assert.Equal(t, printers.ReasonCoverOpen, r.Reason)
	})
	t.Run("offline", func(t *testing.T) {
		d := device(t, virtual.Options{})
		p := open(t, tcpAddress(t, d))
		d.SetFault(virtual.Offline, true)
		r := p.Print(context.Background(), job)
		assert.Equal(t, printers.OutcomeFailed, r.Outcome)
		assert.Equal(t, printers.ReasonOffline, r.Reason)
	})
	t.Run("dropped connection mid-job", func(t *testing.T) {
		d := device(t, virtual.Options{})
		p := open(t, tcpAddress(t, d))
		require.Equal(t, printers.OutcomePrinted, p.Print(context.Background(), job).Outcome)
		d.DropAfter(100)
		r := p.Print(context.Background(), job)
		assert.Equal(t, printers.OutcomeUnknown, r.Outcome, "part of the job may have printed: %v", r)
		assert.Equal(t, printers.ReasonDisconnected, r.Reason)
		// The next job reconnects.
		r = p.Print(context.Background(), job)
		assert.Equal(t, printers.OutcomePrinted, r.Outcome, r.String())
	})
	t.Run("printer stops answering", func(t *testing.T) {
		// On a link kept open, a timeout; on a shared one, a fresh link
		// without an answer looks like another host holding the printer.
		for keep, want := range map[bool]printers.Reason{true: printers.ReasonTimeout, false: printers.ReasonBusy} {
			d := device(t, virtual.Options{})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			p, err := printers.Open(ctx, tcpAddress(t, d), printers.OpenOptions{Conn: fast, KeepOpen: keep})
			cancel()
			require.NoError(t, err)
			require.Equal(t, printers.OutcomePrinted, p.Print(context.Background(), job).Outcome)
			d.Stall(true)
			start := time.Now()
			r := p.Print(context.Background(), job)
			assert.Equal(t, printers.OutcomeFailed, r.Outcome)
			assert.Zero(t, r.Sent, "the precheck had no answer: nothing of the job left")
			assert.Equal(t, want, r.Reason, r.String())
			assert.Less(t, time.Since(start), 10*time.Second, "nothing hangs")
			d.Stall(false)
			require.NoError(t, p.Close())
		}
	})
	t.Run("wrong status byte", func(t *testing.T) {
		d := device(t, virtual.Options{})
		p := open(t, tcpAddress(t, d))
		d.WrongStatus(0xFF, true)
		r := p.Print(context.Background(), job)
		assert.Equal(t, printers.OutcomeFailed, r.Outcome)
		assert.Equal(t, printers.ReasonNoConfirmation, r.Reason)
		assert.ErrorIs(t, r.Err, printers.ErrNotStatus)
	})
	t.Run("write-only device file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "lp0")
		p := open(t, "file://"+path)
		r := p.Print(context.Background(), job)
		assert.Equal(t, printers.OutcomeUnknown, r.Outcome, "bytes left, but nobody can say they printed")
		assert.Equal(t, printers.ReasonNoConfirmation, r.Reason)
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, job, b)
	})
	t.Run("nothing listening", func(t *testing.T) {
		_, err := printers.Open(context.Background(), "tcp://127.0.0.1:1", printers.OpenOptions{})
		assert.Error(t, err)
	})
}

func TestVirtualAddress(t *testing.T) {
	dir := t.TempDir()
	p := open(t, "virtual://?out="+dir+"&model=ZJ-5870")
	r := p.Print(context.Background(), []byte("\x1b@Hallo\n\x1dVA\x00"))
	require.Equal(t, printers.OutcomePrinted, r.Outcome, r.String())
	v, ok := p.(*virtual.Printer)
	require.True(t, ok)
	require.Len(t, v.Device.Tickets(), 1)
	txt, err := os.ReadFile(filepath.Join(dir, "0001.txt"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(txt), "Hallo\n"))
}

func BenchmarkPrintRoundTrip(b *testing.B) {
	p, err := printers.Open(context.Background(), "virtual://", printers.OpenOptions{Conn: fast})
	require.NoError(b, err)
	defer p.Close()
	job := golden(b, "pay-missing-sum")
	for b.Loop() {
		if r := p.Print(context.Background(), job); r.Outcome != printers.OutcomePrinted {
			b.Fatal(r)
		}
	}
}
