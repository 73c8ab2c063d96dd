// Package spool is the print service's durable job queue: jobs are stored
// (fsync'd, in bbolt) before they are acknowledged, an idempotency key maps
// to exactly one job, one worker per printer sends jobs in order, and a job
// that may have been partly sent when the process died comes back as
// "unknown" — never silently printed twice.
package spool

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// State is where a job is in its life.
type State string

const (
	Queued   State = "queued"
	Printing State = "printing"
	Printed  State = "printed"
	Failed   State = "failed"
	Unknown  State = "unknown" // may have printed: a person decides
)

// Final reports whether the job will not change by itself any more.
func (s State) Final() bool { return s == Printed || s == Failed || s == Unknown }

// Valid reports whether s is one of the states.
func (s State) Valid() bool {
	switch s {
	case Queued, Printing, Printed, Failed, Unknown:
		return true
	}
	return false
}

// Job is one receipt to print.
type Job struct {
	ID            string `json:"id"`
	Printer       string `json:"printer"`
	Key           string `json:"idempotency_key"`
	TransactionID string `json:"transaction_id,omitempty"`
	State         State  `json:"state"`
	Reason        string `json:"reason,omitempty"`
	// Digest identifies the receipt's content (receipt.Receipt.Digest), so
	// a key used again for another receipt is told apart from a retry.
	Digest string `json:"receipt_digest,omitempty"`
	// Receipts is how many times the receipt repeats in the job's bytes
	// (a printer set to print copies); 0 means once.
	Receipts  int       `json:"receipts,omitempty"`
	Copy      bool      `json:"copy,omitempty"`
	CopyOf    string    `json:"copy_of,omitempty"`
	Attempts  int       `json:"attempts"`
	Sent      int       `json:"bytes_sent"`
	Size      int       `json:"bytes"`
	Warnings  []string  `json:"warnings,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// RetriedAt is when a person sent an unknown job again; its deadline
	// counts from then.
	RetriedAt time.Time `json:"retried_at,omitzero"`
	// Bytes are the rendered ESC/POS, stored so a retry or reprint sends
	// exactly what was accepted.
	Bytes []byte `json:"-"`
}

// ErrNotFound reports an unknown job ID.
var ErrNotFound = errors.New("spool: no such job")

var (
	bucketJobs  = []byte("jobs")  // id -> job JSON (without bytes)
	bucketBytes = []byte("bytes") // id -> ESC/POS
	bucketKeys  = []byte("keys")  // printer NUL key -> id
	bucketQueue = []byte("queue") // printer NUL id -> nothing, for queued jobs
	// printer NUL state -> number of jobs, kept in the transaction that
	// changes a state, so counting costs nothing per job
	bucketCounts = []byte("counts")
)

// Spool is the durable store plus change notification.
type Spool struct {
	db  *bolt.DB
	now func() time.Time

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change
	desks   map[string]*desk

	writes  chan writeReq // to the committer
	quit    chan struct{} // closed by Close
	stopped chan struct{} // closed when the committer has ended
}

// desk is where a printer's idle worker takes a job straight from Enqueue:
// the job is stored "printing" in its enqueue transaction, which saves the
// worker a commit before the first byte. Guarded by Spool.mu.
type desk struct {
	idle    bool     // the worker waits with its printer open, nothing queued
	pending bool     // a claimed job is being committed
	handed  *handoff // committed "printing", for the worker
}

type handoff struct {
	job   Job
	bytes []byte
}

func (s *Spool) deskLocked(printer string) *desk {
	d := s.desks[printer]
	if d == nil {
		d = &desk{}
		s.desks[printer] = d
	}
	return d
}

// claim takes an idle worker's desk for a job about to be stored.
func (s *Spool) claim(printer string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.deskLocked(printer)
	if !d.idle || d.pending || d.handed != nil {
		return false
	}
	d.idle, d.pending = false, true
	return true
}

// hand settles a claim: h is the committed job, nil when none was stored.
func (s *Spool) hand(printer string, h *handoff) {
	s.mu.Lock()
	d := s.deskLocked(printer)
	d.pending, d.handed = false, h
	s.mu.Unlock()
	s.notify()
}

// writeReq is one change waiting for the committer.
type writeReq struct {
	fn   func(*bolt.Tx) error
	done chan error
}

// maxBatch bounds how many changes share a transaction.
const maxBatch = 1024

// Open opens (creating) the spool file. Jobs found "printing" were cut off
// by a crash mid-send and become "unknown".
func Open(path string) (*Spool, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, InitialMmapSize: 64 << 20, NoFreelistSync: true})
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	s := &Spool{db: db, now: time.Now, changed: make(chan struct{}), desks: map[string]*desk{},
		writes: make(chan writeReq), quit: make(chan struct{}), stopped: make(chan struct{})}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketJobs, bucketBytes, bucketKeys, bucketQueue} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		// The counts are recounted at every start: a spool written before
		// they existed gets them too.
		if tx.Bucket(bucketCounts) != nil {
			if err := tx.DeleteBucket(bucketCounts); err != nil {
				return err
			}
		}
		if _, err := tx.CreateBucket(bucketCounts); err != nil {
			return err
		}
		jobs := tx.Bucket(bucketJobs)
		var cut []Job
		err := jobs.ForEach(func(k, v []byte) error {
			var j Job
			if err := json.Unmarshal(v, &j); err != nil {
				return fmt.Errorf("job %s: %w", k, err)
			}
			if j.State == Printing {
				cut = append(cut, j)
			}
			return count(tx, j.Printer, j.State, 1)
		})
		if err != nil {
			return err
		}
		for _, j := range cut {
			j.State, j.Reason, j.UpdatedAt = Unknown, "interrupted while printing: check the paper, then reprint or dismiss", s.now()
			if err := putJob(tx, Printing, j); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("spool: %w", err)
	}
	go s.commitLoop()
	return s, nil
}

// ErrClosed reports a change attempted after Close.
var ErrClosed = errors.New("spool: closed")

// Close waits for the changes in progress and closes the store.
func (s *Spool) Close() error {
	select {
	case <-s.quit:
	default:
		close(s.quit)
	}
	<-s.stopped
	return s.db.Close()
}

// write applies fn durably, in a transaction shared with the changes that
// arrive while the previous transaction is being written. Unlike bbolt's
// Batch, a lone change is committed at once instead of waiting for
// company: its latency is one commit, and under load the batches grow by
// themselves. fn may run more than once (when another change in its batch
// fails), so it must decide from the store each time.
func (s *Spool) write(fn func(*bolt.Tx) error) error {
	r := writeReq{fn: fn, done: make(chan error, 1)}
	select {
	case s.writes <- r:
	case <-s.quit:
		return ErrClosed
	}
	return <-r.done
}

// commitLoop is the single writer.
func (s *Spool) commitLoop() {
	defer close(s.stopped)
	batch := make([]writeReq, 0, maxBatch)
	for {
		select {
		case r := <-s.writes:
			batch = append(batch[:0], r)
		case <-s.quit:
			return
		}
	more: // whoever arrived meanwhile joins
		for len(batch) < maxBatch {
			select {
			case r := <-s.writes:
				batch = append(batch, r)
			default:
				break more
			}
		}
		s.commit(batch)
	}
}

// commit runs a batch in one transaction. A change that fails gets its
// error alone and the others are tried again without it.
func (s *Spool) commit(batch []writeReq) {
	for len(batch) > 0 {
		failed, ferr := -1, error(nil)
		err := s.db.Update(func(tx *bolt.Tx) error {
			for i, r := range batch {
				if err := r.fn(tx); err != nil {
					failed, ferr = i, err
					return err
				}
			}
			return nil
		})
		if failed < 0 { // committed, or the commit itself failed for all
			for _, r := range batch {
				r.done <- err
			}
			return
		}
		batch[failed].done <- ferr
		batch = append(batch[:failed], batch[failed+1:]...)
	}
}

// putJob stores j, which was in state old ("" for a new job), and keeps
// the queue index and the counts in step with its state.
func putJob(tx *bolt.Tx, old State, j Job) error {
	v, err := json.Marshal(j)
	if err != nil {
		return err
	}
	if old != j.State {
		if old != "" {
			if err := count(tx, j.Printer, old, -1); err != nil {
				return err
			}
		}
		if err := count(tx, j.Printer, j.State, 1); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bucketJobs).Put([]byte(j.ID), v); err != nil {
		return err
	}
	q := tx.Bucket(bucketQueue)
	if j.State == Queued {
		return q.Put(printerKey(j.Printer, j.ID), nil)
	}
	return q.Delete(printerKey(j.Printer, j.ID))
}

// count adds d to printer's number of jobs in state st.
func count(tx *bolt.Tx, printer string, st State, d int64) error {
	b := tx.Bucket(bucketCounts)
	k := printerKey(printer, string(st))
	var n int64
	if v := b.Get(k); len(v) == 8 {
		n = int64(binary.BigEndian.Uint64(v))
	}
	n += d
	if n <= 0 {
		return b.Delete(k)
	}
	return b.Put(k, binary.BigEndian.AppendUint64(nil, uint64(n)))
}

// Counts returns how many jobs each printer has in each state.
func (s *Spool) Counts() (map[string]map[State]int, error) {
	out := map[string]map[State]int{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCounts).ForEach(func(k, v []byte) error {
			printer, st, ok := strings.Cut(string(k), "\x00")
			if !ok || len(v) != 8 {
				return fmt.Errorf("spool: bad count %q", k)
			}
			if out[printer] == nil {
				out[printer] = map[State]int{}
			}
			out[printer][State(st)] = int(binary.BigEndian.Uint64(v))
			return nil
		})
	})
	return out, err
}

func (s *Spool) notify() {
	s.mu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

// Changed returns a channel closed at the next change of any job.
func (s *Spool) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

func idFor(seq uint64) string {
	return "j" + strconv.FormatUint(1e12+seq, 10) // sorts by creation
}

// printerKey is a per-printer bucket key: printer NUL s.
func printerKey(printer, s string) []byte { return []byte(printer + "\x00" + s) }

// MaxKeyLen bounds an idempotency key; the store's own key limit is far
// above it.
const MaxKeyLen = 1024

// ErrBadKey reports an idempotency key that is empty or over MaxKeyLen.
var ErrBadKey = errors.New("spool: idempotency key must be 1 to 1024 bytes")

// Enqueue stores a job durably and returns it; when printer already has a
// job with key, that job is returned with existing=true and nothing is
// stored. Concurrent calls share one commit (see write).
func (s *Spool) Enqueue(printer, key, txID string, bytes []byte, warnings []string) (job Job, existing bool, err error) {
	return s.EnqueueJob(printer, key, Job{TransactionID: txID, Warnings: warnings}, bytes)
}

// EnqueueJob is Enqueue for a job shaped like proto: its transaction,
// warnings, receipts and copy marks are stored with it in one commit; its
// identity, state and times are the spool's to set.
func (s *Spool) EnqueueJob(printer, key string, proto Job, bytes []byte) (job Job, existing bool, err error) {
	if key == "" || len(key) > MaxKeyLen {
		return Job{}, false, ErrBadKey
	}
	claimed := false // this job is to be handed to the idle worker
	err = s.write(func(tx *bolt.Tx) error {
		// write may run this twice: decide from the store each time.
		existing = false
		keys := tx.Bucket(bucketKeys)
		k := printerKey(printer, key)
		if id := keys.Get(k); id != nil {
			j, err := getJob(tx, string(id))
			if err != nil {
				return err
			}
			job, existing = j, true
			return nil
		}
		seq, err := tx.Bucket(bucketJobs).NextSequence()
		if err != nil {
			return err
		}
		now := s.now()
		job = proto
		job.ID, job.Printer, job.Key, job.State = idFor(seq), printer, key, Queued
		job.Size, job.CreatedAt, job.UpdatedAt = len(bytes), now, now
		// Only a job with none queued ahead of it may skip the queue.
		if claimed || (queueEmpty(tx, printer) && s.claim(printer)) {
			claimed = true
			job.State, job.Attempts = Printing, 1
		}
		if err := putJob(tx, "", job); err != nil {
			return err
		}
		if err := tx.Bucket(bucketBytes).Put([]byte(job.ID), bytes); err != nil {
			return err
		}
		return keys.Put(k, []byte(job.ID))
	})
	if claimed {
		var h *handoff
		if err == nil && !existing {
			h = &handoff{job: job, bytes: bytes}
		}
		s.hand(printer, h)
	}
	if err != nil {
		return Job{}, false, fmt.Errorf("spool: enqueue: %w", err)
	}
	if !existing {
		s.notify()
	}
	return job, existing, nil
}

// queueEmpty reports whether printer has no queued job.
func queueEmpty(tx *bolt.Tx, printer string) bool {
	for range queued(tx, printer) {
		return false
	}
	return true
}

// queued yields the ids of printer's queued jobs, oldest first.
func queued(tx *bolt.Tx, printer string) iter.Seq[string] {
	return func(yield func(string) bool) {
		prefix := printerKey(printer, "")
		c := tx.Bucket(bucketQueue).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if !yield(string(k[len(prefix):])) {
				return
			}
		}
	}
}

func getJob(tx *bolt.Tx, id string) (Job, error) {
	v := tx.Bucket(bucketJobs).Get([]byte(id))
	if v == nil {
		return Job{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	var j Job
	if err := json.Unmarshal(v, &j); err != nil {
		return Job{}, err
	}
	return j, nil
}

// Get returns a job without its bytes.
func (s *Spool) Get(id string) (Job, error) {
	var j Job
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		j, err = getJob(tx, id)
		return err
	})
	return j, err
}

// Bytes returns a job's ESC/POS.
func (s *Spool) Bytes(id string) ([]byte, error) {
	var b []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketBytes).Get([]byte(id))
		if v == nil {
			return fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		b = append([]byte(nil), v...)
		return nil
	})
	return b, err
}

// List returns the newest limit jobs (all when limit is 0) of printer in
// state, each filter ignored when empty, oldest first. It reads from the
// newest end, so a page of recent jobs costs the same however long the
// spool's history.
func (s *Spool) List(printer string, state State, limit int) ([]Job, error) {
	var out []Job
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketJobs).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var j Job
			if err := json.Unmarshal(v, &j); err != nil {
				return err
			}
			if (printer == "" || j.Printer == printer) && (state == "" || j.State == state) {
				out = append(out, j)
				if limit > 0 && len(out) == limit {
					break
				}
			}
		}
		return nil
	})
	slices.Reverse(out)
	return out, err
}

// FailQueued fails every job queued for printer (one no worker serves any
// more: it left the configuration) with reason, and returns how many.
// Nothing of them was sent, so failed is the truth, and each can be
// reprinted elsewhere.
func (s *Spool) FailQueued(printer, reason string) (int, error) {
	n := 0
	err := s.write(func(tx *bolt.Tx) error {
		n = 0 // write may run this twice
		// Collected before putJob changes the queue under the cursor.
		ids := slices.Collect(queued(tx, printer))
		for _, id := range ids {
			j, err := getJob(tx, id)
			if err != nil {
				return err
			}
			j.State, j.Reason, j.UpdatedAt = Failed, reason, s.now()
			if err := putJob(tx, Queued, j); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("spool: %w", err)
	}
	if n > 0 {
		s.notify()
	}
	return n, nil
}

// pruneBatch bounds the jobs one prune commit deletes, so enqueues are
// never held behind a long transaction.
const pruneBatch = 512

// Prune deletes the jobs that were created and finished (printed, failed
// or unknown) before cutoff, with their bytes and idempotency keys, and
// returns how many went. A job not yet final is kept however old. Its key
// goes too: the same key after pruning is a new job.
func (s *Spool) Prune(cutoff time.Time) (int, error) {
	total := 0
	for {
		n := 0
		err := s.write(func(tx *bolt.Tx) error {
			n = 0 // write may run this twice
			c := tx.Bucket(bucketJobs).Cursor()
			var doomed []Job
			for k, v := c.First(); k != nil && len(doomed) < pruneBatch; k, v = c.Next() {
				var j Job
				if err := json.Unmarshal(v, &j); err != nil {
					return err
				}
				if !j.CreatedAt.Before(cutoff) {
					break // ids follow creation: the rest are newer
				}
				if j.State.Final() && j.UpdatedAt.Before(cutoff) {
					doomed = append(doomed, j)
				}
			}
			for _, j := range doomed {
				if err := deleteJob(tx, j); err != nil {
					return err
				}
			}
			n = len(doomed)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("spool: prune: %w", err)
		}
		total += n
		if n < pruneBatch {
			return total, nil
		}
	}
}

// deleteJob removes a final job and everything kept for it.
func deleteJob(tx *bolt.Tx, j Job) error {
	id := []byte(j.ID)
	if err := count(tx, j.Printer, j.State, -1); err != nil {
		return err
	}
	if err := tx.Bucket(bucketBytes).Delete(id); err != nil {
		return err
	}
	keys := tx.Bucket(bucketKeys)
	k := printerKey(j.Printer, j.Key)
	if got := keys.Get(k); string(got) == j.ID {
		if err := keys.Delete(k); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketJobs).Delete(id)
}

// update applies f to a stored job durably.
func (s *Spool) update(id string, f func(*Job) error) (Job, error) {
	var j Job
	err := s.write(func(tx *bolt.Tx) error {
		var err error
		if j, err = getJob(tx, id); err != nil {
			return err
		}
		old := j.State
		if err := f(&j); err != nil {
			return err
		}
		j.UpdatedAt = s.now()
		return putJob(tx, old, j)
	})
	if err == nil {
		s.notify()
	}
	return j, err
}

// Decision is what a person found about a job in state unknown.
type Decision string

const (
	// DecidedPrinted: the receipt is on paper; the job is printed.
	DecidedPrinted Decision = "printed"
	// DecidedNotPrinted: it is not, and it should not print now; failed.
	DecidedNotPrinted Decision = "not_printed"
	// DecidedRetry: it is not; send the original again (no copy mark).
	DecidedRetry Decision = "retry"
)

// ErrNotUnknown reports a decision on a job that is not waiting for one.
var ErrNotUnknown = errors.New("spool: only a job in state unknown takes a decision")

// ErrBadDecision reports a decision that is not one of the three.
var ErrBadDecision = errors.New("spool: decision is printed, not_printed or retry")

// Decide settles a job in state unknown as a person found it.
func (s *Spool) Decide(id string, d Decision) (Job, error) {
	var reason string
	var st State
	switch d {
	case DecidedPrinted:
		st, reason = Printed, "confirmed printed by a person"
	case DecidedNotPrinted:
		st, reason = Failed, "confirmed not printed by a person"
	case DecidedRetry:
		st, reason = Queued, "sent again: a person found it not printed"
	default:
		return Job{}, ErrBadDecision
	}
	return s.update(id, func(j *Job) error {
		if j.State != Unknown {
			return fmt.Errorf("%w: %s is %s", ErrNotUnknown, j.ID, j.State)
		}
		j.State, j.Reason = st, reason
		if d == DecidedRetry {
			j.RetriedAt = s.now()
		}
		return nil
	})
}

// due is when the job's wait for its printer began.
func (j Job) due() time.Time {
	if j.RetriedAt.After(j.CreatedAt) {
		return j.RetriedAt
	}
	return j.CreatedAt
}

// Reprint queues a copy of a job, marked as such: mark (a printed "copy"
// banner) goes before the original receipt's bytes. A copy asked for
// again with the same non-empty key is the same copy; an empty key always
// makes a new one.
func (s *Spool) Reprint(id, key string, mark []byte) (Job, error) {
	orig, err := s.Get(id)
	if err != nil {
		return Job{}, err
	}
	b, err := s.Bytes(id)
	if err != nil {
		return Job{}, err
	}
	if key == "" {
		key = strconv.FormatInt(s.now().UnixNano(), 36)
	}
	if n := orig.Receipts; n > 1 && len(b)%n == 0 {
		b = b[:len(b)/n] // one copy, headed by the mark, not n with one mark
	}
	j, _, err := s.EnqueueJob(orig.Printer, "copy:"+id+":"+key,
		Job{TransactionID: orig.TransactionID, Digest: orig.Digest, Copy: true, CopyOf: id}, append(mark[:len(mark):len(mark)], b...))
	return j, err
}

// Wait blocks until the job reaches a final state or ctx ends, and returns
// it as it is then.
func (s *Spool) Wait(ctx context.Context, id string) (Job, error) {
	for {
		ch := s.Changed()
		j, err := s.Get(id)
		if err != nil || j.State.Final() {
			return j, err
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return j, nil
		}
	}
}

// next returns the oldest queued job of printer that is due.
func (s *Spool) next(printer string) (Job, bool, error) {
	var found Job
	ok := false
	err := s.db.View(func(tx *bolt.Tx) error {
		for id := range queued(tx, printer) {
			var err error
			found, err = getJob(tx, id)
			ok = err == nil
			return err
		}
		return nil
	})
	return found, ok, err
}
