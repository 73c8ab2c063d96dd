package fleet

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secuprint/receipt/printers/spool"
)

// Control is the fake site's LocalControl, with the spool's rules: a
// copy by its fleet id, a decision only from unknown, a retry of a
// failed attempt once.
func (l *fakeLocal) Control(ctx context.Context, cmd Command) (Change, bool, error) {
	if d := time.Duration(l.stall.Load()); d > 0 {
		time.Sleep(d) // a site that answers too late
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	j, ok := l.jobs[cmd.ID]
	if !ok {
		return Change{}, false, ErrNotAtSite
	}
	queue := func(j *fakeJob) {
		j.state = Queued
		l.queue <- j.job.ID
	}
	switch cmd.Op {
	case OpReprint:
		if c, ok := l.jobs[cmd.Copy]; ok {
			return c.change(""), true, nil
		}
		c := &fakeJob{job: Job{ID: cmd.Copy, Printer: j.job.Printer, Deadline: cmd.Deadline}}
		l.jobs[cmd.Copy] = c
		queue(c)
		return c.change(""), false, nil
	case OpDecide:
		if j.state != Unknown {
			return Change{}, false, spool.ErrNotUnknown
		}
		switch spool.Decision(cmd.Decision) {
		case spool.DecidedPrinted:
			j.state = Printed
		case spool.DecidedNotPrinted:
			j.state = Failed
		case spool.DecidedRetry:
			j.retried, j.job.Deadline = time.Now(), cmd.Deadline
			queue(j)
		}
		return j.change(""), false, nil
	case OpRetry:
		switch at := max(j.attempt, 1); {
		case cmd.Attempt != 0 && cmd.Attempt < at:
			return j.change(""), true, nil
		case cmd.Attempt != 0 && cmd.Attempt > at || j.state != Failed:
			return Change{}, false, spool.ErrNotFailed
		}
		j.history = append(j.history, Attempt{Attempt: max(j.attempt, 1), State: Failed, At: time.Now()})
		j.attempt = max(j.attempt, 1) + 1
		j.retried, j.job.Deadline = time.Now(), cmd.Deadline
		queue(j)
		return j.change(""), false, nil
	}
	return Change{}, false, errors.New("no such command")
}

func (l *fakeLocal) times(id string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.printed[id]
}

func (l *fakeLocal) setOutcome(printer string, s State) {
	l.mu.Lock()
	l.outcome[printer] = s
	l.mu.Unlock()
}

// waitState waits until job id reads state on every hub.
func (f *fleet) waitState(id string, state State) Record {
	f.t.Helper()
	end := time.Now().Add(20 * time.Second)
	var rec Record
	for _, h := range f.hubs {
		for {
			var err error
			rec, err = h.Job(f.ctx, id)
			if err == nil && rec.State == state {
				break
			}
			if time.Now().After(end) {
				f.t.Fatalf("job %s: %+v %v, want %s", id, rec, err, state)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return rec
}

// Reprints, decisions and retries go from either hub to the job's site,
// and the job's state at both hubs follows the site: a copy is a job of
// its own printed once however often it is asked for, a decision is
// taken once, a retried attempt prints once.
func TestControlRoutedToSite(t *testing.T) {
	var skew atomic.Int64 // the hubs' clock, moved on to see sites offline
	f := startFleet(t, HubOptions{Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }},
		map[string][]string{"S": {"p", "u", "x"}})
	l := f.locals["S"]
	h0, h1 := f.hubs[0], f.hubs[1]
	ctx := f.ctx

	t.Run("reprint", func(t *testing.T) {
		orig := f.submit("S", "p", "r-orig", 0)
		f.waitState(orig.Job.ID, Printed)
		if _, err := h0.Reprint(ctx, orig.Job.ID, ""); !errors.Is(err, ErrNoReprintKey) {
			t.Fatalf("no key: %v", err)
		}
		cp, err := h0.Reprint(ctx, orig.Job.ID, "copy-1")
		if err != nil || cp.Existing || cp.Job.ID != CopyID(orig.Job.ID, "copy-1") || !cp.Job.Copy || cp.Job.CopyOf != orig.Job.ID || !cp.Job.AtSite {
			t.Fatalf("reprint: %+v %v", cp, err)
		}
		again, err := h1.Reprint(ctx, orig.Job.ID, "copy-1")
		if err != nil || !again.Existing || again.Job.ID != cp.Job.ID {
			t.Fatalf("the same reprint on the other hub: %+v %v", again, err)
		}
		rec := f.waitState(cp.Job.ID, Printed)
		if rec.Site != "S" || rec.Printer != "p" || rec.Key != "copy-1" {
			t.Fatalf("copy: %+v", rec)
		}
		if _, err := h0.Reprint(ctx, orig.Job.ID, "copy-1"); err != nil {
			t.Fatal(err)
		}
		if n := l.times(cp.Job.ID); n != 1 {
			t.Fatalf("copy printed %d times", n)
		}
		if n := l.times(orig.Job.ID); n != 1 {
			t.Fatalf("original printed %d times", n)
		}
		if _, err := h0.Reprint(ctx, "fnosuchjob", "k"); !errors.Is(err, ErrUnknownJob) {
			t.Fatalf("reprint of no job: %v", err)
		}
	})

	t.Run("decision", func(t *testing.T) {
		l.setOutcome("u", Unknown)
		ids := map[string]string{}
		for _, d := range []string{"printed", "not_printed", "retry"} {
			ids[d] = f.submit("S", "u", "d-"+d, 0).Job.ID
			f.waitState(ids[d], Unknown)
		}
		if _, err := h0.Decide(ctx, ids["printed"], "maybe"); !errors.Is(err, spool.ErrBadDecision) {
			t.Fatalf("bad decision: %v", err)
		}
		l.setOutcome("u", "") // the printer works again
		for _, c := range []struct {
			decision string
			state    State
		}{{"printed", Printed}, {"not_printed", Failed}, {"retry", Queued}} {
			rec, err := h0.Decide(ctx, ids[c.decision], c.decision)
			if err != nil || (rec.State != c.state && !(c.decision == "retry" && rec.State == Printed)) {
				t.Fatalf("decide %s: %+v %v", c.decision, rec, err)
			}
			if _, err := h1.Decide(ctx, ids[c.decision], c.decision); !errors.Is(err, spool.ErrNotUnknown) {
				t.Fatalf("decided twice: %v", err)
			}
		}
		f.waitState(ids["printed"], Printed)
		f.waitState(ids["not_printed"], Failed)
		rec := f.waitState(ids["retry"], Printed)
		if rec.Attempt != 1 || rec.RetriedAt.IsZero() {
			t.Fatalf("sent again: %+v", rec)
		}
		for d, id := range ids {
			want := 0
			if d == "retry" {
				want = 1
			}
			if n := l.times(id); n != want {
				t.Errorf("%s: printed %d times, want %d", d, n, want)
			}
		}
	})

	t.Run("retry", func(t *testing.T) {
		l.setOutcome("x", Failed)
		id := f.submit("S", "x", "t-1", 0).Job.ID
		f.waitState(id, Failed)
		if _, _, err := h0.Retry(ctx, id, 2); !errors.Is(err, spool.ErrNotFailed) {
			t.Fatalf("retry of an attempt not made: %v", err)
		}
		l.setOutcome("x", "")
		rec, existing, err := h0.Retry(ctx, id, 1)
		if err != nil || existing || rec.Attempt != 2 {
			t.Fatalf("retry: %+v %v %v", rec, existing, err)
		}
		rec = f.waitState(id, Printed)
		if rec.Attempt != 2 || len(rec.History) != 1 || rec.History[0].Attempt != 1 || rec.History[0].State != Failed {
			t.Fatalf("retried: %+v", rec)
		}
		again, existing, err := h1.Retry(ctx, id, 1)
		if err != nil || !existing || again.State != Printed {
			t.Fatalf("the same retry again: %+v %v %v", again, existing, err)
		}
		if _, _, err := h1.Retry(ctx, id, 0); !errors.Is(err, spool.ErrNotFailed) {
			t.Fatalf("retry of a printed job: %v", err)
		}
		if n := l.times(id); n != 1 {
			t.Fatalf("printed %d times", n)
		}
		// A failed job whose key was posted again is not tried again too.
		l.setOutcome("x", Failed)
		first := f.submit("S", "x", "t-2", 0).Job.ID
		f.waitState(first, Failed)
		l.setOutcome("x", "")
		second := f.submit("S", "x", "t-2", 1)
		if second.Job.ID == first || second.Job.Attempt != 2 {
			t.Fatalf("posted again: %+v", second)
		}
		if _, _, err := h0.Retry(ctx, first, 1); !errors.Is(err, ErrKeyPostedAgain) {
			t.Fatalf("retry after the key was posted again: %v", err)
		}
		f.waitState(second.Job.ID, Printed)
	})

	t.Run("site does not answer", func(t *testing.T) {
		orig := f.submit("S", "p", "late-orig", 0)
		f.waitState(orig.Job.ID, Printed)
		l.stall.Store(int64(ControlTimeout + 2*time.Second))
		start := time.Now()
		_, err := h0.Reprint(ctx, orig.Job.ID, "late")
		if !errors.Is(err, ErrSiteUnreachable) || time.Since(start) > ControlTimeout+2*time.Second {
			t.Fatalf("a site that does not answer: %v after %v", err, time.Since(start))
		}
		l.stall.Store(0)
		// The site did it late: the same request again is the same copy.
		cp, err := h1.Reprint(ctx, orig.Job.ID, "late")
		if err != nil || !cp.Existing {
			t.Fatalf("again: %+v %v", cp, err)
		}
		f.waitState(cp.Job.ID, Printed)
		if n := l.times(cp.Job.ID); n != 1 {
			t.Fatalf("copy printed %d times", n)
		}
	})

	t.Run("site offline", func(t *testing.T) {
		orig := f.submit("S", "p", "off-orig", 0)
		f.waitState(orig.Job.ID, Printed)
		l.setOutcome("x", Unknown)
		unk := f.submit("S", "x", "off-unknown", 0).Job.ID
		f.waitState(unk, Unknown)
		f.stopSite("S")
		// The heartbeat is fresh, but no site process listens.
		if _, err := h0.Reprint(ctx, orig.Job.ID, "off"); !errors.Is(err, ErrSiteOffline) {
			t.Fatalf("no site listening: %v", err)
		}
		if _, err := h0.Job(ctx, CopyID(orig.Job.ID, "off")); !errors.Is(err, ErrUnknownJob) {
			t.Fatalf("a copy recorded for a site that never heard of it: %v", err)
		}
		// No heartbeat for a while: refused at once, nothing sent. A job
		// the site never took (failed site_offline) cannot be tried there.
		never := f.submit("S", "p", "off-never", 0).Job.ID
		skew.Store(int64(time.Hour))
		start := time.Now()
		if _, err := h1.Decide(ctx, unk, "printed"); !errors.Is(err, ErrSiteOffline) {
			t.Fatalf("decision at an offline site: %v", err)
		}
		if _, err := h1.Reprint(ctx, orig.Job.ID, "off2"); !errors.Is(err, ErrSiteOffline) {
			t.Fatalf("reprint at an offline site: %v", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("refusing took %v", d)
		}
		rec, _, err := h0.Retry(ctx, never, 0)
		if !errors.Is(err, ErrNotAtSite) || rec.State != Failed || rec.Reason != ReasonSiteOffline {
			t.Fatalf("retry of a job never taken: %+v %v", rec, err)
		}
		skew.Store(0)
		if n := l.times(unk); n != 0 {
			t.Fatalf("unknown job printed %d times", n)
		}
	})
}
