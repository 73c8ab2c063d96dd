package printers_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/transport"
)

// streamConn plays back an answer stream without goroutines or clocks, so a
// fuzzed stream gives the same result every time. The stream is segments of
// a length byte (mod 8) and that many bytes; the first segment waits from
// the start (stale bytes) and each Write releases the next, as if it
// answered that request. A read with nothing released times out at once.
type streamConn struct {
	script []byte
	avail  []byte
}

func newStreamConn(script []byte) *streamConn {
	c := &streamConn{script: script}
	c.release()
	return c
}

func (c *streamConn) release() {
	if len(c.script) == 0 {
		return
	}
	n := min(int(c.script[0]%8), len(c.script)-1)
	c.avail = append(c.avail, c.script[1:1+n]...)
	c.script = c.script[1+n:]
}

func (c *streamConn) Read(p []byte) (int, error) {
	if len(c.avail) == 0 {
		return 0, fmt.Errorf("stream: read: %w", transport.ErrTimeout)
	}
	n := copy(p, c.avail)
	c.avail = c.avail[n:]
	return n, nil
}

func (c *streamConn) Write(p []byte) (int, error) {
	c.release()
	return len(p), nil
}

func (c *streamConn) Close() error                     { return nil }
func (c *streamConn) Name() string                     { return "stream" }
func (c *streamConn) SetReadDeadline(time.Time) error  { return nil }
func (c *streamConn) SetWriteDeadline(time.Time) error { return nil }

// seg builds a stream segment.
func seg(b ...byte) []byte { return append([]byte{byte(len(b))}, b...) }

func stream(segs ...[]byte) []byte {
	var out []byte
	for _, s := range segs {
		out = append(out, s...)
	}
	return out
}

var streamSeeds = [][]byte{
	// healthy: no stale bytes, DLE EOT 1 (online), the job, GS r
	stream(seg(), seg(0x12), seg(), seg(0x00)),
	// stale ASB and XOFF, ASB before an answer
	stream(seg(0x10, 0, 0, 0, 0x13), seg(0x10, 0, 0, 0, 0x12), seg(), seg(0x11, 0x03)),
	// paper end before the job
	stream(seg(), seg(0x1A), seg(0x32), seg(0x12), seg(0x7E)),
	// paper end mid-job: no GS r answer, DLE EOT 1 says offline
	stream(seg(), seg(0x12), seg(), seg(), seg(0x1A), seg(0x32), seg(0x12), seg(0x7E)),
	// garbage
	stream(seg(), seg(0xFF)),
	stream(seg(), seg(0x12), seg(), seg(0xFF)),
}

// FuzzAnswerStream feeds arbitrary printer answers to a ConnPrinter: it
// must end, and may say "printed" only with a clean, whole confirmation.
func FuzzAnswerStream(f *testing.F) {
	for _, s := range streamSeeds {
		f.Add(s)
	}
	job := []byte("\x1b@Hallo\n\x1dVA\x00")
	f.Fuzz(func(t *testing.T, script []byte) {
		c := newStreamConn(script)
		p := printers.NewConnPrinter("stream", dialOnce(c), printers.ConnOptions{Timeout: time.Hour, Poll: time.Hour})
		r := p.Print(context.Background(), job)
		if r.Outcome > printers.OutcomeFailed || r.Reason > printers.ReasonNoConfirmation {
			t.Fatalf("out of range: %#v", r)
		}
		if r.Sent != 0 && r.Sent != len(job) {
			t.Fatalf("sent %d of %d on a link whose writes never fail", r.Sent, len(job))
		}
		if r.Outcome != printers.OutcomePrinted {
			if r.Reason == printers.ReasonNone || r.Err == nil {
				t.Fatalf("%v without reason or error: %#v", r.Outcome, r)
			}
			if r.Outcome == printers.OutcomeFailed && r.Sent > 0 && r.Status == nil {
				t.Fatalf("failed after sending, but no status says why: %v", r)
			}
			return
		}
		if r.Reason != printers.ReasonNone || r.Err != nil || r.Status == nil || r.Sent != len(job) {
			t.Fatalf("printed, but %#v", r)
		}
		gsr := false
		for _, b := range script {
			gsr = gsr || b&0x90 == 0 && b != 0
		}
		if !gsr && !containsZero(script) {
			t.Fatalf("printed without any GS r answer in %x", script)
		}
	})
}

func containsZero(b []byte) bool {
	for _, x := range b {
		if x == 0 {
			return true
		}
	}
	return false
}

// TestAnswerStreamSeeds pins the seeds' outcomes, so the fuzz corpus also
// documents the parser.
func TestAnswerStreamSeeds(t *testing.T) {
	want := []struct {
		outcome printers.Outcome
		reason  printers.Reason
	}{
		{printers.OutcomePrinted, printers.ReasonNone},
		{printers.OutcomePrinted, printers.ReasonNone},
		{printers.OutcomeFailed, printers.ReasonPaperEnd},
		{printers.OutcomeFailed, printers.ReasonPaperEnd},
		{printers.OutcomeFailed, printers.ReasonNoConfirmation},
		{printers.OutcomeUnknown, printers.ReasonNoConfirmation},
	}
	job := []byte("\x1b@Hallo\n\x1dVA\x00")
	for i, s := range streamSeeds {
		p := printers.NewConnPrinter("stream", dialOnce(newStreamConn(s)), printers.ConnOptions{Timeout: time.Hour, Poll: time.Hour})
		r := p.Print(context.Background(), job)
		if r.Outcome != want[i].outcome || r.Reason != want[i].reason {
			t.Errorf("seed %d: %v, want %v: %v", i, r, want[i].outcome, want[i].reason)
		}
	}
}

// TestLateAnswersAreCounted: the confirmation arrives while a DLE EOT 1
// poll is outstanding, and the poll's answer (here: offline, paper end)
// arrives only later; the next job must take it for the old poll's, not for
// its own status check, and print without a pause for draining.
func TestLateAnswersAreCounted(t *testing.T) {
	job := []byte("\x1b@Hallo\n\x1dVA\x00")
	c := newStreamConn(stream(
		seg(),           // nothing stale
		seg(0x12),       // job 1: DLE EOT 1: online
		seg(),           // the job
		seg(),           // GS r: not yet
		seg(0x00, 0x1A), // the poll: GS r's answer, then the poll's (late)
		seg(0x12),       // job 2: DLE EOT 1: online
		seg(),           // the job
		seg(0x00),       // GS r
	))
	p := printers.NewConnPrinter("stream", dialOnce(c), printers.ConnOptions{Timeout: time.Hour, Poll: time.Hour})
	for i := 1; i <= 2; i++ {
		r := p.Print(context.Background(), job)
		if r.Outcome != printers.OutcomePrinted {
			t.Fatalf("job %d: %v", i, r)
		}
	}
}
