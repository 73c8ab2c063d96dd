package spool

import (
	"bytes"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"
)

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

// MaxKeyLen bounds an idempotency key; the store's own key limit is far
// above it.
const MaxKeyLen = 1024

// ErrBadKey reports an idempotency key that is empty or over MaxKeyLen.
var ErrBadKey = errors.New("spool: idempotency key must be 1 to 1024 bytes")

// ErrBadSource reports a job whose source is none of the Source values.
var ErrBadSource = errors.New("spool: unknown job source")

// Enqueue stores a job durably and returns it; when printer already has a
// job with key, that job is returned with existing=true and nothing is
// stored. Concurrent calls share one commit (see write).
func (s *Spool) Enqueue(printer, key, txID string, bytes []byte, warnings []string) (job Job, existing bool, err error) {
	return s.EnqueueJob(printer, key, Job{TransactionID: txID, Warnings: warnings}, bytes)
}

// EnqueueJob is Enqueue for a job shaped like proto: its transaction,
// source (SourceAPI when empty), warnings, receipts and copy marks are
// stored with it in one commit; its identity, state and times are the
// spool's to set.
func (s *Spool) EnqueueJob(printer, key string, proto Job, bytes []byte) (job Job, existing bool, err error) {
	if key == "" || len(key) > MaxKeyLen {
		return Job{}, false, ErrBadKey
	}
	if proto.Source != "" && !proto.Source.Valid() {
		return Job{}, false, fmt.Errorf("%w %q", ErrBadSource, proto.Source)
	}
	return s.enqueue(printer, clientKey(printer, key), key, proto, bytes)
}

// keyRef is where an idempotency key is kept: the clients' keys and the
// reprint keys live in buckets of their own, so no key of one kind can
// stand for the other. legacy, when set, is where a spool written before
// keys were the service's may still hold it (bucketKeys, per printer).
type keyRef struct{ bucket, key, legacy []byte }

// clientKey is a client's key: one namespace for the whole service, so a
// key sent for another printer is told apart from a retry.
func clientKey(printer, key string) keyRef {
	return keyRef{bucketClientKeys, []byte(key), printerKey(printer, key)}
}

// copyKey is a reprint's key: the original's id and the key it was asked
// with.
func copyKey(orig, key string) keyRef {
	return keyRef{bucket: bucketCopyKeys, key: printerKey(orig, key)}
}

// lookup returns the id ref names, nil when none.
func (ref keyRef) lookup(tx *bolt.Tx) []byte {
	if ref.legacy != nil {
		if id := tx.Bucket(bucketKeys).Get(ref.legacy); id != nil {
			return id
		}
	}
	return tx.Bucket(ref.bucket).Get(ref.key)
}

// forget deletes ref where it names id.
func (ref keyRef) forget(tx *bolt.Tx, id string) error {
	for _, at := range []struct{ bucket, key []byte }{{bucketKeys, ref.legacy}, {ref.bucket, ref.key}} {
		if at.key == nil {
			continue
		}
		b := tx.Bucket(at.bucket)
		if string(b.Get(at.key)) == id {
			if err := b.Delete(at.key); err != nil {
				return err
			}
		}
	}
	return nil
}

// copyKeyPrefix begins the shown key of a copy (Job.Key), as it always has.
func copyKeyPrefix(orig string) string { return "copy:" + orig + ":" }

// keyRefOf is where j's key is kept.
func keyRefOf(j Job) keyRef {
	if j.Copy {
		return copyKey(j.CopyOf, strings.TrimPrefix(j.Key, copyKeyPrefix(j.CopyOf)))
	}
	return clientKey(j.Printer, j.Key)
}

// enqueue stores a job under ref (shown as key) unless ref already names
// one.
func (s *Spool) enqueue(printer string, ref keyRef, key string, proto Job, bytes []byte) (job Job, existing bool, err error) {
	claimed := false // this job is to be handed to the idle worker
	err = s.write(func(tx *bolt.Tx) error {
		// write may run this twice: decide from the store each time.
		var err error
		job, existing, err = s.insert(tx, printer, ref, key, proto, bytes, &claimed)
		return err
	})
	if claimed {
		var h *handoff
		if err == nil && !existing && job.State == Printing {
			h = &handoff{job: job, bytes: bytes}
		}
		s.hand(printer, h)
	}
	if err != nil {
		return Job{}, false, fmt.Errorf("spool: enqueue: %w", err)
	}
	if !existing || job.State == Queued { // new, or a failed job queued again
		s.notify()
	}
	return job, existing, nil
}

// insert stores a new job in tx, or returns the one ref names. claimed,
// when not nil, lets the job go straight to printer's idle worker.
func (s *Spool) insert(tx *bolt.Tx, printer string, ref keyRef, key string, proto Job, bytes []byte, claimed *bool) (job Job, existing bool, err error) {
	if id := ref.lookup(tx); id != nil {
		if isQuarantined(tx, string(id)) {
			return Job{}, false, fmt.Errorf("%w: %s", ErrQuarantined, id)
		}
		j, err := getJob(tx, string(id))
		if err != nil {
			return Job{}, false, err
		}
		if j.Printer != printer || j.Digest != "" && proto.Digest != "" && j.Digest != proto.Digest {
			// A retry sends the same receipt to the same printer; anything
			// else under a used key is a client bug that would otherwise
			// lose this receipt silently.
			return Job{}, false, &KeyReusedError{Job: j, Printer: printer}
		}
		if j.State == Failed && j.Source != SourceEPOS && j.Source != SourceFleet {
			// A failed job printed nothing: the client's retry is the
			// original's next attempt. (An ePOS job's client was told it
			// did not print: it sends a new job, never this key again; a
			// fleet job's key is its fleet id, and the hub's next attempt
			// has an id of its own: the same id again is a redelivery.)
			if err := s.requeue(tx, &j); err != nil {
				return Job{}, false, err
			}
		}
		return j, true, nil
	}
	seq, err := tx.Bucket(bucketJobs).NextSequence()
	if err != nil {
		return Job{}, false, err
	}
	now := s.now()
	job = proto
	if job.Source == "" {
		job.Source = SourceAPI
	}
	job.ID, job.Printer, job.Key, job.State, job.Attempt, job.History = idFor(seq), printer, key, Queued, 1, nil
	job.Size, job.CreatedAt, job.UpdatedAt = len(bytes), now, now
	if expired(job, now) { // stored, so the key names it, but never sent
		job.State, job.Reason = Failed, ReasonExpired
	} else if claimed != nil && (*claimed || (queueEmpty(tx, printer) && s.claim(printer))) {
		// Only a job with none queued ahead of it may skip the queue.
		*claimed = true
		job.State, job.Attempts = Printing, 1
	}
	if err := s.putJob(tx, "", job); err != nil {
		return Job{}, false, err
	}
	if err := putBytes(tx, job.ID, bytes); err != nil {
		return Job{}, false, err
	}
	return job, false, tx.Bucket(ref.bucket).Put(ref.key, []byte(job.ID))
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

// Reprint queues a copy of a job, marked as such: mark (a printed "copy"
// banner) goes before the original receipt's bytes. A copy asked for
// again with the same non-empty key is the same copy; an empty key always
// makes a new one.
func (s *Spool) Reprint(id, key string, mark []byte) (Job, error) {
	j, _, err := s.ReprintJob(id, key, mark)
	return j, err
}

// ReprintJob is Reprint that also says whether the key named a copy
// already (existing: nothing new was stored).
func (s *Spool) ReprintJob(id, key string, mark []byte) (job Job, existing bool, err error) {
	orig, err := s.Get(id)
	if err != nil {
		return Job{}, false, err
	}
	b, err := s.Bytes(id)
	if err != nil {
		return Job{}, false, err
	}
	if len(key) > MaxKeyLen {
		return Job{}, false, ErrBadKey
	}
	if key == "" {
		key = strconv.FormatInt(s.now().UnixNano(), 36)
	}
	if n := orig.Receipts; n > 1 && len(b)%n == 0 {
		b = b[:len(b)/n] // one copy, headed by the mark, not n with one mark
	}
	return s.enqueue(orig.Printer, copyKey(id, key), copyKeyPrefix(id)+key, Job{TransactionID: orig.TransactionID, Digest: orig.Digest, Source: orig.Source, Copy: true, CopyOf: id}, append(mark[:len(mark):len(mark)], b...))
}

// next returns the oldest queued job of printer. A record found
// unreadable is set aside (quarantined) and the next one taken.
func (s *Spool) next(printer string) (Job, bool, error) {
	for {
		var found Job
		ok, bad := false, ""
		var why error
		err := s.db.View(func(tx *bolt.Tx) error {
			for id := range queued(tx, printer) {
				v := tx.Bucket(bucketJobs).Get([]byte(id))
				if v == nil {
					bad, why = id, errors.New("queued job without a record")
					return nil
				}
				j, err := parseRecord([]byte(id), v)
				if err != nil {
					bad, why = id, err
					return nil
				}
				found, ok = j, true
				return nil
			}
			return nil
		})
		if err != nil || bad == "" {
			return found, ok, err
		}
		if err := s.quarantineNow(bad, why); err != nil {
			return Job{}, false, err
		}
	}
}
