package spool

import (
	"context"
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
}

// retryable reports results after which the job may simply be sent again:
// nothing of it was sent, and the printer said why.
func retryable(r printers.Result) bool {
	if r.Outcome != printers.OutcomeFailed || r.Sent > 0 {
		return false
	}
	switch r.Reason {
	case printers.ReasonPaperEnd, printers.ReasonCoverOpen, printers.ReasonOffline,
		printers.ReasonDisconnected, printers.ReasonTimeout:
		return true
	}
	return false
}

// Run prints printer's jobs in order until ctx ends. open is called to get
// the printer (again after it failed to open). The job in hand when ctx ends
// finishes its attempt; a job not yet sent stays queued.
func (s *Spool) Run(ctx context.Context, printer string, open func(context.Context) (printers.Printer, error), opt WorkerOptions) (runErr error) {
	if opt.Deadline <= 0 {
		opt.Deadline = 10 * time.Minute
	}
	if opt.Backoff <= 0 {
		opt.Backoff = 200 * time.Millisecond
	}
	if opt.MaxBackoff <= 0 {
		opt.MaxBackoff = 10 * time.Second
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var p printers.Printer
	defer func() {
		if p != nil {
			p.Close()
		}
	}()
	defer func() {
		if err := s.closeDesk(printer); err != nil && runErr == nil {
			runErr = fmt.Errorf("spool: %s: %w", printer, err)
		}
	}()
	backoff := opt.Backoff
	for {
		changed := s.Changed()
		job, bytes, handed := s.takeHanded(printer)
		if !handed {
			var ok bool
			var err error
			if job, ok, err = s.next(printer); err != nil {
				return fmt.Errorf("spool: %s: %w", printer, err)
			}
			if !ok {
				// Idle. With the printer open, the next job may come
				// straight from Enqueue, already stored as printing.
				s.setIdle(printer, p != nil)
				select {
				case <-changed:
					s.setIdle(printer, false)
					continue
				case <-ctx.Done():
					return nil
				}
			}
			if p == nil {
				if p, err = open(ctx); err != nil {
					p = nil
					log.Warn("printer not available", "printer", printer, "err", err)
					if !s.waitOrExpire(ctx, job, "waiting: printer not reachable: "+err.Error(), backoff, opt.Deadline) {
						return nil
					}
					backoff = min(backoff*2, opt.MaxBackoff)
					continue
				}
			}
			if bytes, err = s.Bytes(job.ID); err != nil {
				return fmt.Errorf("spool: %s: %w", printer, err)
			}
			// Durably "printing" before the first byte leaves: a crash from
			// here on makes the job unknown, never a silent second print.
			if _, err := s.update(job.ID, func(j *Job) error { j.State, j.Reason = Printing, ""; j.Attempts++; return nil }); err != nil {
				return fmt.Errorf("spool: %s: %w", printer, err)
			}
		}
		start := time.Now()
		// The attempt runs to its end even when ctx is cancelled: a job is
		// never abandoned half-sent.
		res := p.Print(context.WithoutCancel(ctx), bytes)
		took := time.Since(start)
		if opt.Observe != nil {
			opt.Observe(job, res, took)
		}
		log.Info("job", "id", job.ID, "printer", printer, "result", res.String(), "took", took)
		switch {
		case res.Outcome == printers.OutcomePrinted:
			backoff = opt.Backoff
			s.finish(job.ID, Printed, "", res.Sent)
		case retryable(res):
			if res.Reason == printers.ReasonDisconnected || res.Reason == printers.ReasonTimeout {
				p.Close()
				p = nil
			}
			if _, err := s.update(job.ID, func(j *Job) error {
				j.State, j.Reason = Queued, "waiting: "+res.Reason.String()
				return nil
			}); err != nil {
				return fmt.Errorf("spool: %s: %w", printer, err)
			}
			if !s.waitOrExpire(ctx, job, "", backoff, opt.Deadline) {
				return nil
			}
			backoff = min(backoff*2, opt.MaxBackoff)
		case res.Outcome == printers.OutcomeUnknown:
			s.finish(job.ID, Unknown, res.String(), res.Sent)
			if res.Reason == printers.ReasonDisconnected || res.Reason == printers.ReasonTimeout {
				p.Close()
				p = nil
			}
		case res.Sent > 0:
			// The printer stopped with the job in its buffer (paper end,
			// cover open mid-job): it prints the rest once it recovers, so
			// "failed" would invite a second copy. A person checks.
			s.finish(job.ID, Unknown, "held in the printer by "+res.Reason.String()+
				": the rest prints when the printer recovers; check the receipt before reprinting", res.Sent)
		default:
			s.finish(job.ID, Failed, res.String(), res.Sent)
		}
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
		_, _ = s.update(job.ID, func(j *Job) error { j.Reason = reason; return nil }) // best effort: only the shown reason
	}
	if time.Since(job.due()) > deadline {
		cur, err := s.Get(job.ID)
		if err == nil {
			s.finish(job.ID, Failed, "gave up after "+deadline.String()+": "+cur.Reason, cur.Sent)
		}
		return ctx.Err() == nil
	}
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
