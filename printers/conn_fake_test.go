package printers_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/transport"
)

// scripted are the options for printers on a fake: answers come at once, so
// Poll only matters where the fake stays silent; it is wide enough that a
// loaded machine never mistakes a slow goroutine for a stalled printer.
var scripted = printers.ConnOptions{Timeout: 1500 * time.Millisecond, Poll: 150 * time.Millisecond}

// The check before a job: DLE EOT 1 says whether the printer can print;
// only an offline printer is asked 2–4 for the cause.
var (
	readyCheck = []string{"DLE EOT 1"}
	precheck   = []string{"DLE EOT 1", "DLE EOT 2", "DLE EOT 3", "DLE EOT 4"}
)

func with(base script, edit func(*script)) script {
	edit(&base)
	return base
}

func fault(f [4]byte) *[4]byte { return &f }

// TestConnPrinterFaults runs one job against a scripted printer per fault
// and checks the exact outcome, reason, byte count and what the printer got.
func TestConnPrinterFaults(t *testing.T) {
	job := golden(t, "card-topup")
	const pipeBuf = 64
	tests := []struct {
		name    string
		sc      script
		outcome printers.Outcome
		reason  printers.Reason
		sent    int // -1: whatever the fake says it was handed
		notStat bool
		reqs    []string // requests the printer saw; nil: not checked
		status  func(*testing.T, *printers.Status)
	}{
		{name: "printed", sc: ready, outcome: printers.OutcomePrinted, sent: len(job),
			reqs: append(readyCheck, "GS r"),
			status: func(t *testing.T, s *printers.Status) {
				assert.Equal(t, printers.Status{Online: true}, *s)
			}},
		{name: "printed, paper near end",
			sc:      with(ready, func(s *script) { s.status[3], s.gsr = 0x1E, 0x03 }),
			outcome: printers.OutcomePrinted, sent: len(job),
			status: func(t *testing.T, s *printers.Status) {
				assert.True(t, s.PaperNearEnd)
				assert.True(t, s.Ready())
			}},
		{name: "printed through ASB packets and XON/XOFF",
			sc: with(ready, func(s *script) {
				s.before = append(append([]byte{}, asbReady...), xoff, xon)
				s.stale = []byte{0xAB, 0x10, 0x00, xoff}
			}),
			outcome: printers.OutcomePrinted, sent: len(job), reqs: append(readyCheck, "GS r")},
		{name: "paper end before the job", sc: with(ready, func(s *script) { s.fault = fault(paperOut) }),
			outcome: printers.OutcomeFailed, reason: printers.ReasonPaperEnd, sent: 0, reqs: precheck,
			status: func(t *testing.T, s *printers.Status) {
				assert.True(t, s.PaperEnd)
				assert.False(t, s.Online)
			}},
		{name: "cover open before the job", sc: with(ready, func(s *script) { s.fault = fault(coverOpen) }),
			outcome: printers.OutcomeFailed, reason: printers.ReasonCoverOpen, sent: 0, reqs: precheck},
		{name: "offline before the job", sc: with(ready, func(s *script) { s.fault = fault(offlineOnly) }),
			outcome: printers.OutcomeFailed, reason: printers.ReasonOffline, sent: 0, reqs: precheck},
		{name: "autocutter error before the job", sc: with(ready, func(s *script) { s.fault = fault(cutterError) }),
			outcome: printers.OutcomeFailed, reason: printers.ReasonPrinterError, sent: 0, reqs: precheck,
			status: func(t *testing.T, s *printers.Status) { assert.True(t, s.AutocutterError) }},
		{name: "paper end mid-job",
			sc:      with(ready, func(s *script) { s.fault, s.faultAfter = fault(paperOut), 200 }),
			outcome: printers.OutcomeFailed, reason: printers.ReasonPaperEnd, sent: len(job),
			reqs: append(readyCheck, "GS r", "DLE EOT 1", "DLE EOT 2", "DLE EOT 3", "DLE EOT 4"),
			status: func(t *testing.T, s *printers.Status) {
				assert.True(t, s.PaperEnd)
				assert.False(t, s.Online)
			}},
		{name: "cover opened mid-job",
			sc:      with(ready, func(s *script) { s.fault, s.faultAfter = fault(coverOpen), 10 }),
			outcome: printers.OutcomeFailed, reason: printers.ReasonCoverOpen, sent: len(job)},
		{name: "no answer at all", sc: with(ready, func(s *script) { s.silent = true }),
			outcome: printers.OutcomeFailed, reason: printers.ReasonTimeout, sent: 0,
			reqs: []string{"DLE EOT 1"}},
		{name: "no answer after the job",
			sc:      with(ready, func(s *script) { s.silent, s.silentAfter = true, len(job) }),
			outcome: printers.OutcomeUnknown, reason: printers.ReasonTimeout, sent: len(job),
			reqs: append(readyCheck, "GS r", "DLE EOT 1")},
		{name: "answers status but never GS r", sc: with(ready, func(s *script) { s.noGSR = true }),
			outcome: printers.OutcomeUnknown, reason: printers.ReasonNoConfirmation, sent: len(job)},
		{name: "disconnect mid-job",
			sc:      with(ready, func(s *script) { s.drop, s.dropAfter = true, 100 }),
			outcome: printers.OutcomeUnknown, reason: printers.ReasonDisconnected, sent: -1},
		{name: "disconnect during the status check",
			sc:      with(ready, func(s *script) { s.fault, s.dropAtRequest = fault(coverOpen), 3 }),
			outcome: printers.OutcomeFailed, reason: printers.ReasonDisconnected, sent: 0},
		{name: "disconnect before the confirmation",
			sc:      with(ready, func(s *script) { s.dropAtRequest = 2 }),
			outcome: printers.OutcomeUnknown, reason: printers.ReasonDisconnected, sent: len(job)},
		{name: "garbage status byte", sc: with(ready, func(s *script) { s.wrong = map[int]byte{1: 0xFF} }),
			outcome: printers.OutcomeFailed, reason: printers.ReasonNoConfirmation, sent: 0, notStat: true,
			reqs: []string{"DLE EOT 1"}},
		{name: "fixed bits wrong in DLE EOT 3", sc: with(ready, func(s *script) { s.fault, s.wrong = fault(coverOpen), map[int]byte{3: 0x92} }),
			outcome: printers.OutcomeFailed, reason: printers.ReasonNoConfirmation, sent: 0, notStat: true},
		{name: "garbage confirmation byte", sc: with(ready, func(s *script) { s.gsr = 0xFF }),
			outcome: printers.OutcomeUnknown, reason: printers.ReasonNoConfirmation, sent: len(job), notStat: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, host := newFake(t, tt.sc, pipeBuf)
			p := printers.NewConnPrinter("fake", dialOnce(host), scripted)
			t.Cleanup(func() { p.Close() })

			r := p.Print(context.Background(), job)

			assert.Equal(t, tt.outcome, r.Outcome, "%v", r)
			assert.Equal(t, tt.reason, r.Reason, "%v", r)
			if tt.outcome == printers.OutcomePrinted {
				assert.NoError(t, r.Err)
			} else {
				assert.Error(t, r.Err)
			}
			if tt.notStat {
				assert.ErrorIs(t, r.Err, printers.ErrNotStatus)
			}
			if tt.sent >= 0 {
				assert.Equal(t, tt.sent, r.Sent)
			} else {
				// Dropped mid-job: what the printer read plus what was
				// left in the link, no more, no less.
				assert.Equal(t, f.Handed(), r.Sent)
				assert.Greater(t, r.Sent, tt.sc.dropAfter)
				assert.Less(t, r.Sent, len(job))
			}
			p.Close()
			f.Wait() // the fake has all it will get
			if tt.sent == len(job) {
				assert.Equal(t, job, f.Data(), "the job arrives byte for byte")
			}
			if tt.sent == 0 {
				assert.Empty(t, f.Data(), "nothing of the job reaches a printer that cannot print")
			}
			if tt.reqs != nil {
				assert.Equal(t, tt.reqs, f.Requests())
			}
			if tt.status != nil {
				require.NotNil(t, r.Status)
				tt.status(t, r.Status)
			}
		})
	}
}

func TestConnPrinterWriteOnly(t *testing.T) {
	job := golden(t, "cash-start")
	f, host := newFake(t, ready, 0)
	p := printers.NewConnPrinter("lp0", dialOnce(writeOnly{host}), scripted)
	defer p.Close()
	r := p.Print(context.Background(), job)
	assert.Equal(t, printers.OutcomeUnknown, r.Outcome, "%v", r)
	assert.Equal(t, printers.ReasonNoConfirmation, r.Reason)
	assert.Equal(t, len(job), r.Sent)
	_, err := p.Status(context.Background())
	assert.ErrorIs(t, err, transport.ErrUnsupported)
	p.Close()
	f.Wait()
	assert.Equal(t, job, f.Data())
	assert.Empty(t, f.Requests(), "no status request goes to a link that cannot answer")
}

// TestConnPrinterDeadline: a printer that stops taking bytes (buffer full)
// holds the write until the caller's deadline; part of the job is out, so
// the outcome is unknown.
func TestConnPrinterDeadline(t *testing.T) {
	job := golden(t, "card-topup")
	f, host := newFake(t, with(ready, func(s *script) { s.stall, s.stallAfter = true, 50 }), 64)
	p := printers.NewConnPrinter("fake", dialOnce(host), scripted)
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	r := p.Print(ctx, job)
	assert.Equal(t, printers.OutcomeUnknown, r.Outcome, "%v", r)
	assert.Equal(t, printers.ReasonTimeout, r.Reason)
	assert.Equal(t, 50+64, r.Sent, "what the printer took plus the full link")
	assert.ErrorIs(t, r.Err, transport.ErrTimeout)
	assert.Len(t, f.Data(), 50)
}

func TestConnPrinterStatus(t *testing.T) {
	tests := []struct {
		name string
		sc   script
		want printers.Status
		err  error
	}{
		{"ready", ready, printers.Status{Online: true}, nil},
		{"paper out, with ASB noise", with(ready, func(s *script) {
			s.fault = fault(paperOut)
			s.before = asbReady
		}), printers.Status{PaperEnd: true, PaperNearEnd: true}, nil},
		{"garbage", with(ready, func(s *script) { s.wrong = map[int]byte{2: 0x00} }), printers.Status{}, printers.ErrNotStatus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, host := newFake(t, tt.sc, 0)
			p := printers.NewConnPrinter("fake", dialOnce(host), scripted)
			defer p.Close()
			st, err := p.Status(context.Background())
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, st)
		})
	}
}

// TestConnPrinterHeldJob: a job held by a paper end answers its GS r after
// recovery, in the middle of the next job; that late answer must not
// confirm the next job, which is held by the paper running out again.
func TestConnPrinterHeldJob(t *testing.T) {
	for _, asb := range []bool{false, true} {
		name := "plain"
		if asb {
			name = "ASB packet at recovery"
		}
		t.Run(name, func(t *testing.T) {
			job := golden(t, "cash-start")
			f, host := newFake(t, with(ready, func(s *script) { s.fault, s.faultAfter = fault(paperOut), 100 }), 0)
			p := printers.NewConnPrinter("fake", dialOnce(host), scripted)
			defer p.Close()

			r := p.Print(context.Background(), job)
			require.Equal(t, printers.ReasonPaperEnd, r.Reason, "%v", r)

			f.Resume(1) // the job finishes later; the paper runs out again at once
			if asb {
				require.NoError(t, f.Send(asbReady))
			}
			r = p.Print(context.Background(), job)
			assert.Equal(t, printers.OutcomeFailed, r.Outcome, "%v", r)
			assert.Equal(t, printers.ReasonPaperEnd, r.Reason, "%v", r)
		})
	}
}

// TestConnPrinterCloseUnblocks: Close returns at once and makes a Print
// blocked on the link return, whether it waits for the confirmation or for
// the printer to take more bytes.
func TestConnPrinterCloseUnblocks(t *testing.T) {
	job := golden(t, "card-topup")
	tests := []struct {
		name    string
		sc      script
		outcome printers.Outcome
	}{
		{"waiting for the confirmation", with(ready, func(s *script) { s.noGSR = true }), printers.OutcomeUnknown},
		{"writing to a full link", with(ready, func(s *script) { s.stall, s.stallAfter = true, 50 }), printers.OutcomeUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, host := newFake(t, tt.sc, 64)
			p := printers.NewConnPrinter("fake", dialOnce(host), printers.ConnOptions{Timeout: time.Minute, Poll: 150 * time.Millisecond})
			res := make(chan printers.Result, 1)
			go func() { res <- p.Print(context.Background(), job) }()
			require.Eventually(t, func() bool { return len(f.Data()) >= 50 }, 5*time.Second, time.Millisecond)

			closed := make(chan error, 1)
			go func() { closed <- p.Close() }()
			select {
			case err := <-closed:
				assert.NoError(t, err)
			case <-time.After(5 * time.Second):
				t.Fatal("Close blocks while a job is in progress")
			}
			select {
			case r := <-res:
				assert.Equal(t, tt.outcome, r.Outcome, "%v", r)
				assert.Equal(t, printers.ReasonDisconnected, r.Reason, "%v", r)
				assert.ErrorIs(t, r.Err, transport.ErrClosed)
			case <-time.After(5 * time.Second):
				t.Fatal("Print still blocked after Close")
			}
		})
	}
}

// TestConnPrinterCancel: cancelling the context ends a Print blocked on a
// printer that takes no more bytes (no deadline involved).
func TestConnPrinterCancel(t *testing.T) {
	job := golden(t, "card-topup")
	f, host := newFake(t, with(ready, func(s *script) { s.stall, s.stallAfter = true, 50 }), 64)
	p := printers.NewConnPrinter("fake", dialOnce(host), scripted)
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	res := make(chan printers.Result, 1)
	go func() { res <- p.Print(ctx, job) }()
	require.Eventually(t, func() bool { return len(f.Data()) >= 50 }, 5*time.Second, time.Millisecond)
	cancel()
	select {
	case r := <-res:
		assert.Equal(t, printers.OutcomeUnknown, r.Outcome, "%v", r)
		assert.Equal(t, printers.ReasonNoConfirmation, r.Reason, "%v", r)
		assert.Equal(t, 50+64, r.Sent)
		assert.ErrorIs(t, r.Err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("Print ignores the cancelled context")
	}
}

// BenchmarkPrintPipe is one confirmed job over an in-memory link to the
// fake: the precheck, the job and the GS r round-trip.
func BenchmarkPrintPipe(b *testing.B) {
	job := golden(b, "pay-missing-sum")
	_, host := newFake(b, ready, 0)
	p := printers.NewConnPrinter("fake", dialOnce(host), scripted)
	defer p.Close()
	b.ReportAllocs()
	b.SetBytes(int64(len(job)))
	for b.Loop() {
		if r := p.Print(context.Background(), job); r.Outcome != printers.OutcomePrinted {
			b.Fatal(r)
		}
	}
}

var _ transport.Conn = writeOnly{}
