package fleet

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/secuprint/receipt/receipt"
)

// Errors a hub answers with.
var (
	ErrUnknownSite    = errors.New("fleet: no such site has announced itself")
	ErrUnknownPrinter = errors.New("fleet: the site has announced no such printer")
	ErrUnknownJob     = errors.New("fleet: no such job")
	ErrNoKey          = errors.New("fleet: no idempotency key, and the transaction has no id")
	// ErrTooLate: the job is printing or finished; it cannot be cancelled.
	ErrTooLate = errors.New("fleet: the job is printing or finished")
)

// InvalidError is a transaction the hub's parser refused: nothing was
// published.
type InvalidError struct{ Err error }

func (e *InvalidError) Error() string { return e.Err.Error() }
func (e *InvalidError) Unwrap() error { return e.Err }

// KeyReusedError: the key already names a job that prints another
// receipt; nothing was published.
type KeyReusedError struct{ Job Record }

func (e *KeyReusedError) Error() string {
	return "this idempotency key already names job " + e.Job.ID + ", which prints another receipt; nothing was queued"
}

// HubOptions configure a hub.
type HubOptions struct {
	// Replicas of the streams and buckets (3 in production).
	Replicas int
	// JobTTL is how long a job may wait for its site before it may no
	// longer print (its deadline); 15 minutes when 0.
	JobTTL time.Duration
	// SiteTimeout: a site without a heartbeat for this long is shown
	// offline; 30 s when 0.
	SiteTimeout time.Duration
	Log         *slog.Logger
	Now         func() time.Time
}

// Hub publishes jobs to sites and folds their events into job states.
// Hubs keep no state of their own: any number run side by side.
type Hub struct {
	js                   jetstream.JetStream
	opt                  HubOptions
	jobs, sites, cancels jetstream.KeyValue
	// Folded counts events applied; Stale those ignored as older than
	// the state held.
	Folded, Stale atomic.Int64
	// seen caches the sites' announcements for a moment: a burst of
	// jobs for one site reads its announcement once.
	mu   sync.Mutex
	seen map[string]siteSeen
	// waiters are the Waits by job id.
	waiters map[string][]chan struct{}
	// index is what GET /v1/jobs lists (index.go).
	index *jobIndex
}

type siteSeen struct {
	info SiteInfo
	at   time.Time
}

// announceCache is how long a hub trusts an announcement it read.
const announceCache = 2 * time.Second

// NewHub creates or updates the fleet's streams and buckets.
func NewHub(ctx context.Context, js jetstream.JetStream, opt HubOptions) (*Hub, error) {
	if opt.Replicas == 0 {
		opt.Replicas = 3
	}
	if opt.JobTTL == 0 {
		opt.JobTTL = 15 * time.Minute
	}
	if opt.SiteTimeout == 0 {
		opt.SiteTimeout = 30 * time.Second
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if err := Ensure(ctx, js, opt.Replicas); err != nil {
		return nil, err
	}
	h := &Hub{js: js, opt: opt, seen: map[string]siteSeen{}, waiters: map[string][]chan struct{}{}, index: newJobIndex()}
	var err error
	if h.jobs, err = js.KeyValue(ctx, JobsBucket); err != nil {
		return nil, fmt.Errorf("fleet: %w", err)
	}
	if h.sites, err = js.KeyValue(ctx, SitesBucket); err != nil {
		return nil, fmt.Errorf("fleet: %w", err)
	}
	if h.cancels, err = js.KeyValue(ctx, CancelsBucket); err != nil {
		return nil, fmt.Errorf("fleet: %w", err)
	}
	return h, nil
}

// Submission is a job a hub accepted: new, or the one its key named.
type Submission struct {
	Job      Record
	Existing bool
}

// Submit validates body (a JSON transaction) with the receipt parser and
// publishes it as a job for printer at site. It returns once JetStream
// has stored the job on a quorum of the stream's replicas. The same key
// (or, without one, the transaction's id and content) is the same job on
// every hub; posting it again after the job failed is a new attempt.
func (h *Hub) Submit(ctx context.Context, site, printer, key string, body []byte) (Submission, error) {
	tx, err := receipt.ParseTransaction(body)
	if err != nil {
		return Submission{}, &InvalidError{err}
	}
	sum := tx.Digest()
	digest := hex.EncodeToString(sum[:16])
	if key == "" {
		if tx.ID == "" {
			return Submission{}, ErrNoKey
		}
		key = tx.ID + ":" + hex.EncodeToString(sum[:8])
	}
	if err := h.known(ctx, site, printer); err != nil {
		return Submission{}, err
	}
	for attempt := 1; ; attempt++ {
		id := JobID(site, printer, key, attempt)
		// Create first: a new job, the usual case, costs one write.
		now := h.opt.Now().UTC()
		rec := Record{ID: id, Site: site, Printer: printer, Key: key, TransactionID: tx.ID, Digest: digest,
			Attempt: attempt, State: Queued, Deadline: now.Add(h.opt.JobTTL), CreatedAt: now, UpdatedAt: now}
		v, _ := json.Marshal(rec)
		_, err := h.jobs.Create(ctx, id, v)
		if err == nil {
			return Submission{Job: rec}, h.publish(ctx, rec, body)
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return Submission{}, fmt.Errorf("fleet: record job %s: %w", id, err)
		}
		// A retry, here or on another hub.
		if rec, _, err = h.get(ctx, id); err != nil {
			return Submission{}, err
		}
		if rec.Digest != digest {
			return Submission{}, &KeyReusedError{Job: rec}
		}
		if h.view(rec).State == Failed {
			continue // a failed job's key posted again: a new attempt
		}
		if !rec.AtSite && !rec.State.Final() {
			// The first hub may have died between recording the job and
			// JetStream's ack: publish again under the same id (dropped as a
			// duplicate within DedupWindow, by the site's spool after).
			if err := h.publish(ctx, rec, body); err != nil {
				return Submission{}, err
			}
		}
		return Submission{Job: h.view(rec), Existing: true}, nil
	}
}

func (h *Hub) publish(ctx context.Context, rec Record, body []byte) error {
	job := Job{ID: rec.ID, Key: rec.Key, Site: rec.Site, Printer: rec.Printer, Attempt: rec.Attempt,
		Created: rec.CreatedAt, Deadline: rec.Deadline, Transaction: body}
	data, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("fleet: %w", err)
	}
	if _, err := h.js.Publish(ctx, JobSubject(rec.Site, rec.Printer), data, jetstream.WithMsgID(rec.ID)); err != nil {
		return fmt.Errorf("fleet: publish job %s: %w", rec.ID, err)
	}
	return nil
}

// known checks that site announced printer.
func (h *Hub) known(ctx context.Context, site, printer string) error {
	if !ValidName(site) {
		return ErrUnknownSite
	}
	h.mu.Lock()
	seen, ok := h.seen[site]
	h.mu.Unlock()
	if !ok || time.Since(seen.at) > announceCache {
		info, err := h.site(ctx, site)
		if err != nil {
			return err
		}
		seen = siteSeen{info, time.Now()}
		h.mu.Lock()
		h.seen[site] = seen
		h.mu.Unlock()
	}
	info := seen.info
	if !slices.ContainsFunc(info.Printers, func(p PrinterStatus) bool { return p.Name == printer }) {
		return ErrUnknownPrinter
	}
	return nil
}

func (h *Hub) site(ctx context.Context, site string) (SiteInfo, error) {
	info, _, err := h.siteEntry(ctx, site)
	return info, err
}

// siteEntry is site's announcement and when NATS stored it (the
// cluster's clock, against which the site's own is judged).
func (h *Hub) siteEntry(ctx context.Context, site string) (SiteInfo, time.Time, error) {
	e, err := h.sites.Get(ctx, site)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return SiteInfo{}, time.Time{}, ErrUnknownSite
	}
	if err != nil {
		return SiteInfo{}, time.Time{}, fmt.Errorf("fleet: read site %s: %w", site, err)
	}
	var info SiteInfo
	if err := json.Unmarshal(e.Value(), &info); err != nil {
		return SiteInfo{}, time.Time{}, fmt.Errorf("fleet: site %s: %w", site, err)
	}
	return info, e.Created(), nil
}

func (h *Hub) get(ctx context.Context, id string) (Record, uint64, error) {
	if id == "" || strings.ContainsAny(id, ".*> ") {
		return Record{}, 0, ErrUnknownJob
	}
	e, err := h.jobs.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Record{}, 0, ErrUnknownJob
	}
	if err != nil {
		return Record{}, 0, fmt.Errorf("fleet: read job %s: %w", id, err)
	}
	var rec Record
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		return Record{}, 0, fmt.Errorf("fleet: job %s: %w", id, err)
	}
	return rec, e.Revision(), nil
}

// view is rec as answered: a job its site never took before its
// deadline is failed, site_offline (the site refuses it as expired).
func (h *Hub) view(rec Record) Record { return viewAt(rec, h.opt.Now()) }

// Job is job id's state as its site last reported it.
func (h *Hub) Job(ctx context.Context, id string) (Record, error) {
	rec, _, err := h.get(ctx, id)
	if err != nil {
		return Record{}, err
	}
	return h.view(rec), nil
}

// Wait waits until job id is final or ctx ends, and returns its state.
// It is woken by the hub's one watch of the jobs bucket (Run), not a
// watch of its own: a consumer per waiting request would load the
// cluster's meta layer at every POST ?wait.
func (h *Hub) Wait(ctx context.Context, id string) (Record, error) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	h.waiters[id] = append(h.waiters[id], ch)
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		ws := slices.DeleteFunc(h.waiters[id], func(c chan struct{}) bool { return c == ch })
		if len(ws) == 0 {
			delete(h.waiters, id)
		} else {
			h.waiters[id] = ws
		}
		h.mu.Unlock()
	}()
	for {
		rec, err := h.Job(ctx, id)
		if err != nil || rec.State.Final() {
			return rec, err
		}
		// The watch may be down (NATS reconnecting): read again now and then.
		t := time.NewTimer(time.Second)
		select {
		case <-ctx.Done():
			t.Stop()
			return rec, nil
		case <-ch:
		case <-t.C:
		}
		t.Stop()
	}
}

// watchJobs wakes the waiters of each job the bucket changes and keeps
// the hub's job index current, from the bucket's tail on (index.go).
func (h *Hub) watchJobs(ctx context.Context) {
	for ctx.Err() == nil {
		from, err := h.index.resume(ctx, h.js)
		var w jetstream.KeyWatcher
		if err == nil {
			w, err = h.jobs.WatchAll(ctx, from)
		}
		if err != nil {
			sleep(ctx, time.Second)
			continue
		}
		for e := range w.Updates() {
			if e == nil {
				h.index.caughtUp()
				continue
			}
			h.index.apply(e, h.opt.Now())
			h.mu.Lock()
			for _, c := range h.waiters[e.Key()] {
				select {
				case c <- struct{}{}:
				default:
				}
			}
			h.mu.Unlock()
		}
		_ = w.Stop()
	}
}

// SiteView is a site as GET /v1/sites shows it.
type SiteView struct {
	SiteInfo
	Online bool `json:"online"`
	// ClockSkew is the site's clock minus the cluster's when it last
	// announced itself (network delay included), in milliseconds;
	// ClockWrong flags more than MaxClockSkew: the site judges deadlines
	// by its own clock.
	ClockSkew  int64 `json:"clock_skew_ms"`
	ClockWrong bool  `json:"clock_wrong,omitempty"`
}

// MaxClockSkew is the skew a site's clock may have before the hubs flag
// it: a site whose clock is late by d prints a job up to d past its
// deadline; one that is early refuses it up to d before.
const MaxClockSkew = 30 * time.Second

// Sites lists every site that announced itself, by name.
func (h *Hub) Sites(ctx context.Context) ([]SiteView, error) {
	keys, err := h.sites.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("fleet: %w", err)
	}
	var out []SiteView
	for k := range keys.Keys() {
		info, stored, err := h.siteEntry(ctx, k)
		if err != nil {
			continue // deleted since listed
		}
		skew := info.Heartbeat.Sub(stored)
		out = append(out, SiteView{SiteInfo: info, Online: h.opt.Now().Sub(stored) < h.opt.SiteTimeout,
			ClockSkew: skew.Milliseconds(), ClockWrong: skew > MaxClockSkew || skew < -MaxClockSkew})
	}
	slices.SortFunc(out, func(a, b SiteView) int { return strings.Compare(a.Site, b.Site) })
	return out, nil
}

// Cancel records a cancel of job id for its site, which honours it
// before printing; the job's state turns cancelled when the site reports
// it. ErrTooLate when the site already reported it printing or final.
func (h *Hub) Cancel(ctx context.Context, id string) (Record, error) {
	rec, err := h.Job(ctx, id)
	if err != nil {
		return Record{}, err
	}
	if rec.State != Queued {
		return rec, ErrTooLate
	}
	at, _ := h.opt.Now().UTC().MarshalText()
	if _, err := h.cancels.Put(ctx, rec.Site+"."+rec.ID, at); err != nil {
		return rec, fmt.Errorf("fleet: record cancel of %s: %w", id, err)
	}
	rec.CancelRequested = true
	return rec, h.update(ctx, id, func(r *Record) bool { r.CancelRequested = true; return true })
}

// update applies f to job id's record with compare-and-set, again on a
// conflict with another hub; f returns false to leave it.
func (h *Hub) update(ctx context.Context, id string, f func(*Record) bool) error {
	for {
		rec, rev, err := h.get(ctx, id)
		if err != nil {
			return err
		}
		if !f(&rec) {
			return nil
		}
		v, _ := json.Marshal(rec)
		_, err = h.jobs.Update(ctx, id, v, rev)
		if err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyRevisionMismatch) && !errors.Is(err, jetstream.ErrKeyExists) {
			return fmt.Errorf("fleet: update job %s: %w", id, err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// Run folds the sites' events into job states until ctx ends: every hub
// runs it on the one shared consumer, so each event is folded once (and
// folding twice is harmless: a state never moves back). It also watches
// the job states for Wait.
func (h *Hub) Run(ctx context.Context) error {
	cons, err := h.js.Consumer(ctx, EventsStream, HubConsumer)
	if err != nil {
		return fmt.Errorf("fleet: %w", err)
	}
	// Consume, not Messages: the iterator's buffer holds one batch and
	// drops what overflows it (a slow consumer), and after a reconnect
	// the server may still answer the old pull as well as the new one;
	// each dropped event then waited AckWait (30 s), and a hub read a
	// job's state that late (TestFleetFaultClusterRestart caught it).
	// Folding is a read and a compare-and-set write through the bucket's
	// stream leader per event: one at a time, a hub folds a few hundred
	// events a second. foldWorkers fold side by side, a job's events
	// always on the same one, in the order they came.
	var folders sync.WaitGroup
	queues := make([]chan jetstream.Msg, foldWorkers)
	for i := range queues {
		queues[i] = make(chan jetstream.Msg, 64)
		folders.Go(func() {
			for msg := range queues[i] {
				h.fold(ctx, msg)
			}
		})
	}
	defer func() {
		for _, q := range queues {
			close(q)
		}
		folders.Wait()
	}()
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		select {
		case queues[foldShard(msg.Data())] <- msg:
		case <-ctx.Done(): // not acked: folded by a hub after
		}
	},
		jetstream.PullMaxMessages(256), jetstream.PullExpiry(5*time.Second),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			if ctx.Err() == nil {
				h.opt.Log.Warn("fleet: events", "err", err)
			}
		}))
	if err != nil {
		return fmt.Errorf("fleet: %w", err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { h.watchJobs(ctx) })
	<-ctx.Done()
	cc.Stop()
	<-cc.Closed()
	wg.Wait()
	return ctx.Err()
}

// foldWorkers is how many events a hub folds at once.
const foldWorkers = 8

// foldShard is the folder of an event: by its job id, so that one job's
// events are folded in the order they came.
func foldShard(data []byte) int {
	var ev struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(data, &ev) // not an event: fold refuses it on any folder
	f := fnv.New32a()
	_, _ = f.Write([]byte(ev.ID))
	return int(f.Sum32() % foldWorkers)
}

func (h *Hub) fold(ctx context.Context, msg jetstream.Msg) {
	var ch Change
	parts := strings.Split(msg.Subject(), ".")
	if err := json.Unmarshal(msg.Data(), &ch); err != nil || len(parts) != 4 || ch.Site != parts[2] || ch.ID == "" {
		// Not an event, or one site speaking for another.
		_ = msg.TermWithReason("not an event of this site")
		return
	}
	err := h.apply(ctx, ch)
	switch {
	case errors.Is(err, ErrUnknownJob):
		_ = msg.TermWithReason("no such job")
	case err != nil:
		h.opt.Log.Warn("fleet: fold event", "job", ch.ID, "err", err)
		_ = msg.NakWithDelay(time.Second)
	default:
		h.Folded.Add(1)
		_ = msg.Ack()
	}
}

// apply folds ch into its job's record (fold: by generation, then state).
func (h *Hub) apply(ctx context.Context, ch Change) error {
	return h.update(ctx, ch.ID, func(r *Record) bool {
		if r.Site != ch.Site || ch.State.rank() == 0 {
			return false
		}
		if !fold(r, ch) {
			h.Stale.Add(1)
			return false
		}
		return true
	})
}
