// Package spool is the print service's durable job queue: jobs are stored
// (fsync'd, in bbolt) before they are acknowledged, an idempotency key maps
// to exactly one job, one worker per printer sends jobs in order, and a job
// that may have been partly sent when the process died comes back as
// "unknown" — never silently printed twice.
package spool

import (
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketJobs  = []byte("jobs")  // id -> job JSON (without bytes)
	bucketBytes = []byte("bytes") // id -> ESC/POS
	// printer NUL key -> id: the clients' keys as spools kept them while
	// keys counted per printer; only keys two printers shared stay here
	// (migrateClientKeys)
	bucketKeys = []byte("keys")
	// client key -> id: one namespace for the whole service
	bucketClientKeys = []byte("client_keys")
	bucketQueue      = []byte("queue") // printer NUL id -> nothing, for queued jobs
	// printer NUL state -> number of jobs, kept in the transaction that
	// changes a state, so counting costs nothing per job
	bucketCounts = []byte("counts")
	// original id NUL key -> copy id: reprint keys, apart from the
	// clients' keys so that neither can stand for the other
	bucketCopyKeys = []byte("copykeys")
	// secondary indexes for listing: printer NUL id, state NUL id,
	// printer NUL state NUL id -> nothing
	bucketByPrinter      = []byte("by_printer")
	bucketByState        = []byte("by_state")
	bucketByPrinterState = []byte("by_printer_state")
	// schema version and other facts about the spool itself
	bucketMeta = []byte("meta")
)

// Spool is the durable store plus change notification.
type Spool struct {
	db  *bolt.DB
	now func() time.Time

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change
	feed    feed          // which jobs changed (feed.go)
	desks   map[string]*desk
	health  map[string]*Health // each worker's, by printer

	// failCommit, when set, makes every commit fail with its error: the
	// tests' full disk.
	failCommit atomic.Pointer[error]

	writes  chan writeReq // to the committer
	quit    chan struct{} // closed by Close
	stopped chan struct{} // closed when the committer has ended
	swept   chan struct{} // closed when the deadline sweep has ended
	log     *slog.Logger  // the sweep's
}

// writeReq is one change waiting for the committer.
type writeReq struct {
	fn   func(*bolt.Tx) error
	done chan error
}

// maxBatch bounds how many changes share a transaction.
const maxBatch = 1024

// Open opens (creating) the spool file: OpenWith with no options.
func Open(path string) (*Spool, error) { return OpenWith(path, Options{}) }

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
	<-s.swept
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
	if err := s.failCommit.Load(); err != nil {
		for _, r := range batch {
			r.done <- *err
		}
		return
	}
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
