package spool

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
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
func (s State) Final() bool {
	return s == Printed || s == Failed || s == Unknown || s == Cancelled
}

// Valid reports whether s is one of the states.
func (s State) Valid() bool {
	switch s {
	case Queued, Printing, Printed, Failed, Unknown, Cancelled:
		return true
	}
	return false
}

// Source is the entrance a job came in through. A record written before
// jobs had a source reads as SourceAPI: the JSON API was the only one.
type Source string

const (
	SourceAPI       Source = "api"       // receiptd's JSON API (and its web page)
	SourceEPOS      Source = "epos"      // Epson ePOS-Print XML from a web till
	SourceCloudPRNT Source = "cloudprnt" // a Star printer pulling its jobs
	SourceSDP       Source = "sdp"       // an Epson printer pulling (Server Direct Print)
	SourceFleet     Source = "fleet"     // the fleet hub (NATS JetStream)
)

// Valid reports whether s is one of the sources.
func (s Source) Valid() bool {
	switch s {
	case SourceAPI, SourceEPOS, SourceCloudPRNT, SourceSDP, SourceFleet:
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
	// Source is the entrance the job came in through; a copy keeps its
	// original's.
	Source Source `json:"source"`
	Reason string `json:"reason,omitempty"`
	// Digest identifies the receipt's content (receipt.Receipt.Digest), so
	// a key used again for another receipt is told apart from a retry.
	Digest string `json:"receipt_digest,omitempty"`
	// Receipts is how many times the receipt repeats in the job's bytes
	// (a printer set to print copies); 0 means once.
	Receipts int    `json:"receipts,omitempty"`
	Copy     bool   `json:"copy,omitempty"`
	CopyOf   string `json:"copy_of,omitempty"`
	// Attempt counts the times the job was queued as the original: 1,
	// then one more each time a failed attempt is tried again (Retry, or
	// its key posted again). A record written before attempts reads as 1.
	Attempt int `json:"attempt"`
	// History is the end of each earlier attempt, oldest first (at most
	// maxHistory kept).
	History []Attempt `json:"history,omitempty"`
	// Attempts counts the sends to the printer, over every attempt.
	Attempts  int       `json:"attempts"`
	Sent      int       `json:"bytes_sent"`
	Size      int       `json:"bytes"`
	Warnings  []string  `json:"warnings,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// RetriedAt is when the job was last queued again (an unknown job
	// sent again, a failed one tried again); its deadline counts from then.
	RetriedAt time.Time `json:"retried_at,omitzero"`
	// NotAfter, when set, is the last moment the job may start printing
	// (a fleet job's deadline, stamped by the hub): past it the worker
	// fails it with ReasonExpired and sends nothing.
	NotAfter time.Time `json:"not_after,omitzero"`
	// Bytes are the rendered ESC/POS, stored so a retry or reprint sends
	// exactly what was accepted.
	Bytes []byte `json:"-"`
}

// ErrNotFound reports an unknown job ID.
var ErrNotFound = errors.New("spool: no such job")

// putJob stores j, which was in state old ("" for a new job), and keeps
// the queue index and the counts in step with its state.
func (s *Spool) putJob(tx *bolt.Tx, old State, j Job) error {
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
		if err := reindex(tx, j.Printer, j.ID, old, j.State); err != nil {
			return err
		}
		s.record(tx, j, j.State)
		if err := noteReport(tx, j); err != nil {
			return err
		}
	}
	if err := indexNotAfter(tx, old, j); err != nil {
		return err
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

// decodes counts job records read: what a listing costs, for the tests.
var decodes atomic.Int64

// decodeJob reads a stored job record.
func decodeJob(v []byte, j *Job) error {
	decodes.Add(1)
	if err := json.Unmarshal(v, j); err != nil {
		return err
	}
	if j.Source == "" {
		j.Source = SourceAPI // written before jobs had a source
	}
	if j.Attempt == 0 {
		j.Attempt = 1 // written before attempts
	}
	return nil
}

func getJob(tx *bolt.Tx, id string) (Job, error) {
	v := tx.Bucket(bucketJobs).Get([]byte(id))
	if v == nil {
		return Job{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	var j Job
	if err := decodeJob(v, &j); err != nil {
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

// Bytes returns a job's ESC/POS, checked against the checksum stored
// with them (ErrBadBytes).
func (s *Spool) Bytes(id string) ([]byte, error) {
	var b []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		b, err = readBytes(tx, id)
		return err
	})
	return b, err
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
				continue // damaged: the worker or the next start sets it aside
			}
			j.State, j.Reason, j.UpdatedAt = Failed, reason, s.now()
			if err := s.putJob(tx, Queued, j); err != nil {
				return err
			}
			n++
		}
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
				j, err := parseRecord(k, v)
				if err != nil {
					continue // damaged: set aside at the next start, not pruned unseen
				}
				if !j.CreatedAt.Before(cutoff) {
					break // ids follow creation: the rest are newer
				}
				if j.State.Final() && j.UpdatedAt.Before(cutoff) {
					doomed = append(doomed, j)
				}
			}
			for _, j := range doomed {
				if err := s.deleteJob(tx, j); err != nil {
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
func (s *Spool) deleteJob(tx *bolt.Tx, j Job) error {
	id := []byte(j.ID)
	if err := count(tx, j.Printer, j.State, -1); err != nil {
		return err
	}
	if err := reindex(tx, j.Printer, j.ID, j.State, ""); err != nil {
		return err
	}
	if err := deleteBytes(tx, j.ID); err != nil {
		return err
	}
	if err := keyRefOf(j).forget(tx, j.ID); err != nil {
		return err
	}
	if err := indexNotAfter(tx, Queued, j); err != nil { // a final job: never indexed, but be sure
		return err
	}
	if err := tx.Bucket(bucketReports).Delete(printerKey(j.Printer, j.ID)); err != nil {
		return err
	}
	s.record(tx, j, "")
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
		return s.putJob(tx, old, j)
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
	return s.decide(id, d, time.Time{})
}

// decide is Decide that also sets the job's NotAfter when it sends it
// again and notAfter is set.
func (s *Spool) decide(id string, d Decision, notAfter time.Time) (Job, error) {
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
			if notAfter.IsZero() {
				if err := pastFleetDeadline(*j, s.now()); err != nil {
					return err
				}
			}
			j.RetriedAt = s.now()
			if !notAfter.IsZero() {
				j.NotAfter = notAfter
			}
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
