package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/secuprint/receipt/receipt"
)

// Local is the seam to the receiptd a site runs in: its stations and
// spool. The fleet job id is the job's id and idempotency key there.
type Local interface {
	// Submit stores job as a durable local job of job.Printer under
	// job.ID and returns once it is durable; the same id again is the
	// same job (nil). The job must not start printing past job.Deadline
	// (it fails, reason expired). A *RenderError is the receipt's fault
	// (reported as failed); any other error is retried later.
	Submit(ctx context.Context, job Job, tx *receipt.Transaction) error
	// Cancel cancels local job id if it has not started printing: false
	// when too late or unknown.
	Cancel(ctx context.Context, id string) (bool, error)
	// Printers are the site's printers and their last status.
	Printers() []PrinterStatus
	// Jobs are the fleet jobs the site holds, in their current states:
	// published again when the site starts, so nothing a crash kept from
	// the hubs is lost.
	Jobs(ctx context.Context) ([]Change, error)
}

// RenderError: the site's template or printer refused the receipt.
type RenderError struct{ Err error }

func (e *RenderError) Error() string { return e.Err.Error() }
func (e *RenderError) Unwrap() error { return e.Err }

// ErrNoPrinter is Local's answer for a printer it does not have.
var ErrNoPrinter = errors.New("fleet: no such printer at this site")

// SiteOptions configure a site.
type SiteOptions struct {
	Site  string
	Local Local
	// Heartbeat is how often the site announces itself; 5 s when 0.
	Heartbeat time.Duration
	Log       *slog.Logger
	Now       func() time.Time
}

// Site takes its jobs from its durable consumer into Local and reports
// their states back.
type Site struct {
	js      jetstream.JetStream
	opt     SiteOptions
	sites   jetstream.KeyValue
	cancels jetstream.KeyValue
	out     chan Change
	// Terminated counts messages that were not a job of this site,
	// terminated with a reason; Expired those refused past their deadline.
	Terminated, Expired atomic.Int64
	mu                  sync.Mutex
	lastTerm            string
	// cancelled are the site's job ids with a cancel recorded at the
	// hub, as its watch of the cancel bucket delivered them; synced is
	// closed once the watch delivered what the bucket held at start, and
	// no job is taken before.
	cancelled map[string]bool
	synced    chan struct{}
	// stopped is closed when Run's context ends: no one publishes any
	// more, so Report stops waiting (what it drops stays marked
	// unreported in the spool and is published at the next start).
	stopped     chan struct{}
	stoppedOnce sync.Once
}

// NewSite prepares site name on js; the hubs created the streams.
func NewSite(ctx context.Context, js jetstream.JetStream, opt SiteOptions) (*Site, error) {
	if !ValidName(opt.Site) {
		return nil, fmt.Errorf("fleet: site name %q: letters, digits, '-' and '_', at most 64", opt.Site)
	}
	if opt.Local == nil {
		return nil, errors.New("fleet: a site needs its Local")
	}
	if opt.Heartbeat == 0 {
		opt.Heartbeat = 5 * time.Second
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	s := &Site{js: js, opt: opt, out: make(chan Change, 4096), cancelled: map[string]bool{}, synced: make(chan struct{}), stopped: make(chan struct{})}
	var err error
	if s.sites, err = js.KeyValue(ctx, SitesBucket); err != nil {
		return nil, fmt.Errorf("fleet: %w (has a hub started?)", err)
	}
	if s.cancels, err = js.KeyValue(ctx, CancelsBucket); err != nil {
		return nil, fmt.Errorf("fleet: %w (has a hub started?)", err)
	}
	return s, nil
}

// Report queues a change of a fleet job for the hubs (Local calls it on
// every state change); it never blocks the printer's worker for long.
func (s *Site) Report(ch Change) {
	ch.Site = s.opt.Site
	if ch.At.IsZero() {
		ch.At = s.opt.Now().UTC()
	}
	select {
	case s.out <- ch:
	case <-s.stopped:
	}
}

// Synced is closed once the site knows every cancel the hubs recorded
// for it: receiptd starts its printers' workers after it (or after a
// bounded wait when the uplink is down), so a cancel recorded while the
// site was stopped is honoured before a job already in its spool prints.
func (s *Site) Synced() <-chan struct{} { return s.synced }

// LastTerminated is the reason the last message was terminated with.
func (s *Site) LastTerminated() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastTerm
}

// Run takes jobs, reports changes, honours cancels and announces the
// site until ctx ends.
func (s *Site) Run(ctx context.Context) error {
	context.AfterFunc(ctx, func() { s.stoppedOnce.Do(func() { close(s.stopped) }) })
	var wg sync.WaitGroup
	// Publishing first: a spool may hold more jobs than Report buffers.
	wg.Go(func() { s.publishLoop(ctx) })
	if jobs, err := s.opt.Local.Jobs(ctx); err == nil {
		for _, ch := range jobs {
			s.Report(ch)
		}
	} else {
		s.opt.Log.Warn("fleet: local jobs", "err", err)
	}
	wg.Go(func() { s.heartbeatLoop(ctx) })
	wg.Go(func() { s.cancelLoop(ctx) })
	if lc, ok := s.opt.Local.(LocalControl); ok {
		// After Jobs: the local knows every fleet job (copies too) first.
		wg.Go(func() { s.controlLoop(ctx, lc) })
	}
	select {
	case <-s.synced:
	case <-ctx.Done():
	}
	err := s.takeLoop(ctx)
	wg.Wait()
	return err
}

func (s *Site) consumer(ctx context.Context) (jetstream.Consumer, error) {
	return s.js.CreateOrUpdateConsumer(ctx, JobsStream, jetstream.ConsumerConfig{
		Durable:       SiteConsumer(s.opt.Site),
		Description:   "jobs of site " + s.opt.Site,
		FilterSubject: JobsSubject + "." + s.opt.Site + ".>",
		AckPolicy:     jetstream.AckExplicitPolicy,
		// One job in flight: a job lost on the wire by a dropped
		// connection comes again after AckWait, and with more in flight
		// the ones behind it would have been stored first, out of order.
		// In order per printer costs a round trip per job and, after a
		// cut, up to AckWait before the backlog moves.
		AckWait:       10 * time.Second,
		MaxAckPending: 1,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
}

// takeLoop takes jobs one by one, in order: a printer's backlog reaches
// its spool in the order the hubs accepted it.
func (s *Site) takeLoop(ctx context.Context) error {
	for ctx.Err() == nil {
		cons, err := s.consumer(ctx)
		if err != nil {
			s.opt.Log.Warn("fleet: consumer", "err", err)
			sleep(ctx, time.Second)
			continue
		}
		it, err := cons.Messages(jetstream.PullMaxMessages(8), jetstream.PullExpiry(5*time.Second))
		if err != nil {
			s.opt.Log.Warn("fleet: consume", "err", err)
			sleep(ctx, time.Second)
			continue
		}
		stop := context.AfterFunc(ctx, it.Stop)
		for {
			msg, err := it.Next()
			if err != nil {
				if ctx.Err() == nil && !errors.Is(err, jetstream.ErrMsgIteratorClosed) {
					s.opt.Log.Warn("fleet: take", "err", err)
					if !errors.Is(err, jetstream.ErrConsumerDeleted) && !errors.Is(err, jetstream.ErrConsumerNotFound) {
						continue
					}
				}
				break
			}
			s.take(ctx, msg)
		}
		stop()
		it.Stop()
	}
	return ctx.Err()
}

func (s *Site) term(msg jetstream.Msg, reason string) {
	s.Terminated.Add(1)
	s.mu.Lock()
	s.lastTerm = reason
	s.mu.Unlock()
	s.opt.Log.Warn("fleet: message terminated", "subject", msg.Subject(), "reason", reason)
	_ = msg.TermWithReason(reason)
}

// take stores one job locally, then acknowledges it.
func (s *Site) take(ctx context.Context, msg jetstream.Msg) {
	var job Job
	parts := strings.Split(msg.Subject(), ".")
	if err := json.Unmarshal(msg.Data(), &job); err != nil {
		s.term(msg, "not a job: "+err.Error())
		return
	}
	if job.ID == "" || job.Deadline.IsZero() || len(parts) != 4 || job.Site != s.opt.Site || parts[2] != job.Site || parts[3] != job.Printer {
		s.term(msg, "not a job of this site's subject")
		return
	}
	if msg.Headers().Get(jetstream.MsgIDHeader) != job.ID {
		s.term(msg, "message id is not the job id")
		return
	}
	fail := func(reason string) {
		s.Report(Change{ID: job.ID, Printer: job.Printer, State: Failed, Reason: reason})
		_ = msg.Ack()
	}
	s.mu.Lock()
	cancelled := s.cancelled[job.ID]
	s.mu.Unlock()
	if cancelled {
		s.Report(Change{ID: job.ID, Printer: job.Printer, State: Cancelled, Reason: ReasonCancelled})
		_ = msg.Ack()
		return
	}
	if !s.opt.Now().Before(job.Deadline) {
		s.Expired.Add(1)
		fail(ReasonExpired)
		return
	}
	tx, err := receipt.ParseTransaction(job.Transaction)
	if err != nil {
		fail(ReasonBadTransaction)
		return
	}
	err = s.opt.Local.Submit(ctx, job, tx)
	var re *RenderError
	switch {
	case errors.Is(err, ErrNoPrinter):
		fail(ReasonUnknownPrinter)
	case errors.As(err, &re):
		fail(ReasonRender)
	case err != nil:
		s.opt.Log.Warn("fleet: store job", "job", job.ID, "err", err)
		_ = msg.NakWithDelay(time.Second)
	default:
		// Stored: only now may the message go. An ack lost here brings
		// the job again, and the spool's key makes it the same job.
		if err := msg.Ack(); err != nil {
			s.opt.Log.Warn("fleet: ack", "job", job.ID, "err", err)
		}
	}
}

// publishLoop publishes the changes, up to 256 at a time without
// waiting for each ack, each again until JetStream has stored it (the
// hubs fold them in any order: a state never moves back).
func (s *Site) publishLoop(ctx context.Context) {
	var batch []Change
	for {
		if len(batch) == 0 {
			select {
			case <-ctx.Done():
				return
			case ch := <-s.out:
				batch = append(batch, ch)
			}
		}
	fill:
		for len(batch) < 256 {
			select {
			case ch := <-s.out:
				batch = append(batch, ch)
			default:
				break fill
			}
		}
		batch = s.publishBatch(ctx, batch)
		if ctx.Err() != nil {
			// Stopped: what is unpublished stays marked in the spool and is
			// published at the next start. (A connection that refuses every
			// publish made this loop spin for ever once ctx ended.)
			return
		}
		if len(batch) > 0 {
			sleep(ctx, 200*time.Millisecond)
		}
	}
}

// publishWait is how long a batch of events waits for JetStream's acks.
var publishWait = 10 * time.Second

// publishBatch publishes batch and returns what JetStream did not store.
func (s *Site) publishBatch(ctx context.Context, batch []Change) []Change {
	futures := make([]jetstream.PubAckFuture, len(batch))
	var failed []Change
	for i, ch := range batch {
		data, _ := json.Marshal(ch)
		f, err := s.js.PublishAsync(EventSubject(s.opt.Site), data)
		if err != nil {
			failed = append(failed, ch)
			continue
		}
		futures[i] = f
	}
	// One wait (publishWait) for the whole batch. An ack lost with a stream
	// leader that stopped never comes: once the wait is over, what has
	// not answered is failed at once (waiting on the fired timer again
	// hung the loop, and with it every report of the site, for good).
	timeout := time.NewTimer(publishWait)
	defer timeout.Stop()
	expired := false
	for i, f := range futures {
		if f == nil {
			continue
		}
		if expired {
			select {
			case <-f.Ok():
				published(s.opt.Local, batch[i])
			default:
				failed = append(failed, batch[i])
			}
			continue
		}
		select {
		case <-f.Ok():
			published(s.opt.Local, batch[i])
		case err := <-f.Err():
			s.opt.Log.Warn("fleet: report", "job", batch[i].ID, "err", err)
			failed = append(failed, batch[i])
		case <-timeout.C:
			expired = true
			failed = append(failed, batch[i])
		case <-ctx.Done():
			return nil
		}
	}
	return failed
}

// Announce publishes the site's printers and heartbeat once. A printer
// name that is not a subject token, or one announced twice, is refused:
// the hubs could not tell which printer a job is for.
func (s *Site) Announce(ctx context.Context) error {
	info := SiteInfo{Site: s.opt.Site, Heartbeat: s.opt.Now().UTC(), Printers: s.opt.Local.Printers()}
	seen := map[string]bool{}
	for _, p := range info.Printers {
		if !ValidName(p.Name) {
			return fmt.Errorf("fleet: printer name %q: letters, digits, '-' and '_', at most 64", p.Name)
		}
		if seen[p.Name] {
			return fmt.Errorf("fleet: printer %q announced twice", p.Name)
		}
		seen[p.Name] = true
	}
	data, _ := json.Marshal(info)
	_, err := s.sites.Put(ctx, s.opt.Site, data)
	return err
}

func (s *Site) heartbeatLoop(ctx context.Context) {
	t := time.NewTicker(s.opt.Heartbeat)
	defer t.Stop()
	for {
		if err := s.Announce(ctx); err != nil && ctx.Err() == nil {
			s.opt.Log.Warn("fleet: announce", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// cancelLoop honours cancels recorded at the hub for jobs already in the
// local spool (a job still on the stream is checked as it is taken).
func (s *Site) cancelLoop(ctx context.Context) {
	var once sync.Once
	for ctx.Err() == nil {
		w, err := s.cancels.Watch(ctx, s.opt.Site+".*")
		if err != nil {
			s.opt.Log.Warn("fleet: watch cancels", "err", err)
			sleep(ctx, time.Second)
			continue
		}
		for e := range w.Updates() {
			if e == nil { // what the bucket held is delivered
				once.Do(func() { close(s.synced) })
				continue
			}
			if e.Operation() != jetstream.KeyValuePut {
				continue
			}
			id := strings.TrimPrefix(e.Key(), s.opt.Site+".")
			s.mu.Lock()
			s.cancelled[id] = true
			s.mu.Unlock()
			ok, err := s.opt.Local.Cancel(ctx, id)
			if err != nil {
				s.opt.Log.Warn("fleet: cancel", "job", id, "err", err)
			} else if ok {
				s.Report(Change{ID: id, State: Cancelled, Reason: ReasonCancelled})
			}
		}
		_ = w.Stop()
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
