package spool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/secuprint/receipt/printers"
)

// WorkerOptions tune a printer's worker.
type WorkerOptions struct {
	// Deadline bounds how long a job may wait for a printer that is out of
	// paper, open or offline before it fails. Default 10 minutes.
	Deadline time.Duration
	// Backoff is the first retry delay; it doubles up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
	Logger              *slog.Logger
	// Observe, when set, sees every finished attempt (metrics).
	Observe func(j Job, r printers.Result, took time.Duration)
	// OnFault, when set, is called on every fault the worker meets and
	// retries (a failed spool write or read, a printer that fails): for a
	// counter. See Spool.Health for the current state.
	OnFault func(printer string, err error)
}

// The faults a worker meets and retries (WorkerOptions.OnFault's errors
// wrap one of them; Health.Err begins with its text).
var (
	// ErrStoreFault: a spool read or write failed (a full disk, an I/O
	// error): the service cannot keep its promise until it is fixed.
	ErrStoreFault = errors.New("spool: store fault")
	// ErrPrinterFault: the printer could not be opened, or failed a job
	// of which nothing was sent (paper end, cover open, printer error).
	ErrPrinterFault = errors.New("spool: printer fault")
)

// storeRetryMax caps the wait between attempts at a spool write that
// failed: the store is local, so trying it often costs little, and a
// disk that has room again should be noticed soon.
const storeRetryMax = 2 * time.Second

// resend reports results after which the job may simply be sent again:
// no byte of it left the host, so it cannot have printed, whatever the
// printer said (paper end, cover open, an autocutter or other error).
func resend(r printers.Result) bool {
	return r.Outcome != printers.OutcomePrinted && r.Sent == 0 && !r.Refused
}

// worker is one printer's Run.
type worker struct {
	s       *Spool
	printer string
	open    func(context.Context) (printers.Printer, error)
	opt     WorkerOptions
	log     *slog.Logger
	p       printers.Printer // nil until opened

	backoff      time.Duration // before the next attempt at the printer
	storeBackoff time.Duration // before the next attempt at a failed store call
}

// Run prints printer's jobs in order until ctx ends, and only then
// returns (nil). open is called to get the printer (again after it failed
// to open). A fault — a spool read or write that fails, a printer that
// cannot be opened or fails a job — is logged, counted (OnFault), shown
// by Health and retried with backoff; the worker carries on by itself once
// the cause is gone. The job in hand when ctx ends finishes its attempt; a
// job not yet sent stays queued.
func (s *Spool) Run(ctx context.Context, printer string, open func(context.Context) (printers.Printer, error), opt WorkerOptions) error {
	if opt.Deadline <= 0 {
		opt.Deadline = 10 * time.Minute
	}
	if opt.Backoff <= 0 {
		opt.Backoff = 200 * time.Millisecond
	}
	if opt.MaxBackoff <= 0 {
		opt.MaxBackoff = 10 * time.Second
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	w := &worker{s: s, printer: printer, open: open, opt: opt, log: opt.Logger,
		backoff: opt.Backoff, storeBackoff: min(opt.Backoff, storeRetryMax)}
	defer w.drop()
	defer func() {
		if err := s.closeDesk(printer); err != nil {
			// The job handed over stays "printing" and comes back unknown
			// at the next start: never printed twice unseen.
			w.log.Error("spool: handed job not returned to the queue", "printer", printer, "err", err)
		}
	}()
	for ctx.Err() == nil {
		w.step(ctx)
	}
	return nil
}

// drop closes the printer.
func (w *worker) drop() {
	if w.p != nil {
		w.p.Close()
		w.p = nil
	}
}

// storeFault records a failed spool call and waits before the next try;
// false when ctx ended meanwhile.
func (w *worker) storeFault(ctx context.Context, what string, err error) bool {
	err = fmt.Errorf("%w: %s: %s: %w", ErrStoreFault, w.printer, what, err)
	w.s.fault(w.printer, err)
	if w.opt.OnFault != nil {
		w.opt.OnFault(w.printer, err)
	}
	d := w.storeBackoff
	w.storeBackoff = min(2*d, w.opt.MaxBackoff, storeRetryMax)
	w.log.Error("spool fault, retrying", "printer", w.printer, "err", err, "retry_in", d)
	return sleep(ctx, d)
}

// printerFault records a printer that failed (nothing of the job sent).
func (w *worker) printerFault(err error) {
	w.s.fault(w.printer, err)
	if w.opt.OnFault != nil {
		w.opt.OnFault(w.printer, err)
	}
}

// ok marks the worker healthy after progress.
func (w *worker) ok() {
	w.storeBackoff = min(w.opt.Backoff, storeRetryMax)
	w.s.recovered(w.printer)
}

// step takes the next job and tries it once. The no-loss promise rests
// on its order: a job is durably "printing" before its first byte leaves
// (next), and its outcome is recorded after the attempt however long the
// store refuses (attempt). A crash in between leaves it "printing", which
// the next start turns unknown: never printed twice unseen.
func (w *worker) step(ctx context.Context) {
	job, b, ok := w.next(ctx)
	if !ok {
		return
	}
	w.attempt(ctx, job, b)
}

// next yields a job durably marked printing, with its checked bytes, and
// the printer open: the one Enqueue handed over (stored printing in its
// enqueue commit) or the oldest queued one. false: nothing to print now
// (the worker waited idle, waited out a fault, or settled a damaged job).
func (w *worker) next(ctx context.Context) (Job, []byte, bool) {
	s, printer := w.s, w.printer
	changed := s.Changed()
	if job, b, handed := s.takeHanded(printer); handed {
		return job, b, true
	}
	job, ok, err := s.next(printer)
	if err != nil {
		w.storeFault(ctx, "read the queue", err)
		return Job{}, nil, false
	}
	if !ok {
		w.idle(ctx, changed)
		return Job{}, nil, false
	}
	if !w.openPrinter(ctx, job) {
		return Job{}, nil, false
	}
	b, ok := w.load(ctx, job)
	if !ok || !w.markPrinting(ctx, job) {
		return Job{}, nil, false
	}
	return job, b, true
}

// idle waits for a change with nothing queued. With the printer open, the
// next job may come straight from Enqueue, already stored as printing.
func (w *worker) idle(ctx context.Context, changed <-chan struct{}) {
	w.ok() // nothing waits: no fault stands
	w.s.setIdle(w.printer, w.p != nil)
	select {
	case <-changed:
	case <-ctx.Done():
	}
	w.s.setIdle(w.printer, false)
}

// openPrinter opens the printer for job unless it is open; false when it
// could not be (the job waits, or fails past its deadline).
func (w *worker) openPrinter(ctx context.Context, job Job) bool {
	if w.p != nil {
		return true
	}
	p, err := w.open(ctx)
	if err != nil {
		w.log.Warn("printer not available", "printer", w.printer, "err", err)
		w.printerFault(fmt.Errorf("%w: %s: not reachable: %w", ErrPrinterFault, w.printer, err))
		if w.s.waitOrExpire(ctx, job, "waiting: printer not reachable: "+err.Error(), w.backoff, w.opt.Deadline) {
			w.backoff = min(w.backoff*2, w.opt.MaxBackoff)
		}
		return false
	}
	w.p = p
	return true
}

// load reads job's bytes, checked against their checksum. Nothing is sent
// that is not what was accepted: damaged or missing bytes fail the job.
func (w *worker) load(ctx context.Context, job Job) ([]byte, bool) {
	s := w.s
	b, err := s.Bytes(job.ID)
	switch {
	case errors.Is(err, ErrBadBytes) || errors.Is(err, ErrNotFound):
		w.log.Error("spool: job bytes damaged; job failed, nothing sent", "printer", w.printer, "id", job.ID, "err", err)
		if _, uerr := s.update(job.ID, func(j *Job) error {
			if err := stillQueued(j); err != nil {
				return err
			}
			j.State, j.Reason = Failed, "not sent: "+err.Error()+"; reprint it from the till"
			return nil
		}); uerr != nil && !errors.Is(uerr, ErrNotQueued) {
			w.storeFault(ctx, "fail job "+job.ID, uerr)
		}
		return nil, false
	case err != nil:
		w.storeFault(ctx, "read job "+job.ID, err)
		return nil, false
	}
	return b, true
}

// markPrinting stores job "printing" before the first byte leaves: a
// crash from here on makes the job unknown, never a silent second print.
// Only a job still queued: one cancelled since next read it is left alone
// (false), so a job is never both cancelled and printed.
func (w *worker) markPrinting(ctx context.Context, job Job) bool {
	stored, err := w.s.update(job.ID, func(j *Job) error {
		if err := stillQueued(j); err != nil {
			return err
		}
		if expired(*j, w.s.now()) { // failed instead, nothing sent
			j.State, j.Reason = Failed, ReasonExpired
			return nil
		}
		j.State, j.Reason = Printing, ""
		j.Attempts++
		return nil
	})
	switch {
	case err == nil && stored.State == Failed:
		w.log.Info("job", "id", job.ID, "printer", w.printer, "state", string(Failed), "reason", ReasonExpired)
		return false
	case errors.Is(err, ErrNotQueued):
		return false
	case err != nil:
		w.storeFault(ctx, "mark job "+job.ID+" printing", err)
		return false
	}
	return true
}

// attempt prints a job marked printing once, records the outcome, and
// after a refusal with nothing sent waits before the job's next attempt.
func (w *worker) attempt(ctx context.Context, job Job, b []byte) {
	start := time.Now()
	// The attempt runs to its end even when ctx is cancelled: a job is
	// never abandoned half-sent.
	res := w.p.Print(context.WithoutCancel(ctx), b)
	took := time.Since(start)
	if w.opt.Observe != nil {
		w.opt.Observe(job, res, took)
	}
	if res.Reason == printers.ReasonDisconnected || res.Reason == printers.ReasonTimeout {
		w.drop() // opened afresh for the next attempt
	}
	st, reason := outcome(res)
	// The log says what the API shows: a job the printer turned away with
	// nothing sent is "queued: waiting: paper end", not "failed".
	w.log.Info("job", "id", job.ID, "printer", w.printer, "state", string(st), "reason", reason, "attempt", res.String(), "took", took)
	if !w.record(ctx, job, st, reason, res) {
		return
	}
	if st != Queued {
		if res.Outcome == printers.OutcomePrinted {
			w.backoff = w.opt.Backoff
		}
		w.ok()
		return
	}
	// Nothing was sent: the same job again after a pause, until its
	// deadline.
	w.printerFault(fmt.Errorf("%w: %s: %s", ErrPrinterFault, w.printer, res.String()))
	if w.s.waitOrExpire(ctx, job, "", w.backoff, w.opt.Deadline) {
		w.backoff = min(w.backoff*2, w.opt.MaxBackoff)
		w.clearError(ctx, res)
	}
}

// record stores an attempt's outcome. It is known only here, so it is
// retried however long the store refuses; false when ctx ended first:
// the job stays "printing" and comes back unknown at the next start.
func (w *worker) record(ctx context.Context, job Job, st State, reason string, res printers.Result) bool {
	for {
		_, err := w.s.update(job.ID, func(j *Job) error {
			j.State, j.Reason = st, reason
			if st != Queued {
				j.Sent = res.Sent
			}
			return nil
		})
		if err == nil {
			return true
		}
		if !w.storeFault(ctx, "record the outcome of job "+job.ID, err) {
			w.log.Error("spool: outcome not recorded; the job will be unknown at the next start",
				"printer", w.printer, "id", job.ID, "result", res.String())
			return false
		}
	}
}

// Recoverer is a printer that can clear a recoverable error itself (the
// way Epson documents: DLE ENQ 2, which also empties the printer's
// buffers). The worker asks it to, before sending again a job of which
// nothing was sent and whose printer reported a recoverable or autocutter
// error: nothing of the job is in the buffers to lose.
type Recoverer interface {
	Recover(ctx context.Context) error
}

// clearError clears the recoverable error res reported, when the printer
// can.
func (w *worker) clearError(ctx context.Context, res printers.Result) {
	r, ok := w.p.(Recoverer)
	if !ok || res.Sent != 0 || res.Status == nil || !(res.Status.Recoverable || res.Status.AutocutterError) {
		return
	}
	if err := r.Recover(ctx); err != nil {
		w.log.Warn("printer did not recover", "printer", w.printer, "err", err)
	}
}

// outcome is the state (and reason) a job takes after an attempt.
func outcome(res printers.Result) (State, string) {
	switch {
	case res.Outcome == printers.OutcomePrinted:
		return Printed, ""
	case res.Refused && res.Sent == 0:
		return Failed, "not sent: " + res.String()
	case resend(res):
		if res.Reason != printers.ReasonNone {
			return Queued, "waiting: " + res.Reason.String()
		}
		return Queued, "waiting: " + res.String()
	case res.Outcome == printers.OutcomeUnknown:
		return Unknown, res.String()
	default:
		// Bytes sent and the printer stopped (paper end, cover open
		// mid-job): it prints the rest once it recovers, so "failed" would
		// invite a second copy. A person checks.
		return Unknown, "held in the printer by " + res.Reason.String() +
			": the rest prints when the printer recovers; check the receipt before reprinting"
	}
}

func (s *Spool) finish(id string, st State, reason string, sent int) {
	// A store that cannot record the end is reported by the next update.
	_, _ = s.update(id, func(j *Job) error { j.State, j.Reason, j.Sent = st, reason, sent; return nil })
}

// waitOrExpire waits d (or until ctx ends: false); a job older than the
// deadline fails instead.
func (s *Spool) waitOrExpire(ctx context.Context, job Job, reason string, d, deadline time.Duration) bool {
	if reason != "" {
		// Best effort: only the shown reason, of a job still queued.
		_, _ = s.update(job.ID, func(j *Job) error {
			if err := stillQueued(j); err != nil {
				return err
			}
			j.Reason = reason
			return nil
		})
	}
	if time.Since(job.due()) > deadline {
		// Should this fail, the job is still queued and the next step
		// tries again.
		// A job cancelled meanwhile stays cancelled.
		_, _ = s.update(job.ID, func(j *Job) error {
			if err := stillQueued(j); err != nil {
				return err
			}
			j.State, j.Reason = Failed, "gave up after "+deadline.String()+": "+j.Reason
			return nil
		})
		return ctx.Err() == nil
	}
	return sleep(ctx, d)
}

// sleep waits d or until ctx ends (false).
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// setIdle says whether printer's worker waits for a job with its printer
// open.
func (s *Spool) setIdle(printer string, idle bool) {
	s.mu.Lock()
	s.deskLocked(printer).idle = idle
	s.mu.Unlock()
}

// takeHanded takes the job Enqueue handed to printer's worker, if any.
func (s *Spool) takeHanded(printer string) (Job, []byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.deskLocked(printer)
	h := d.handed
	if h == nil {
		return Job{}, nil, false
	}
	d.handed = nil
	return h.job, h.bytes, true
}

// closeDesk ends handoffs to printer's worker as it stops. A job handed
// but not begun goes back to the queue: nothing of it was sent.
func (s *Spool) closeDesk(printer string) error {
	for {
		s.mu.Lock()
		d := s.deskLocked(printer)
		d.idle = false
		pending, changed := d.pending, s.changed
		s.mu.Unlock()
		if !pending {
			break
		}
		<-changed // hand() notifies when the claim is settled
	}
	job, _, ok := s.takeHanded(printer)
	if !ok {
		return nil
	}
	_, err := s.update(job.ID, func(j *Job) error {
		j.State, j.Attempts = Queued, j.Attempts-1
		return nil
	})
	return err
}
