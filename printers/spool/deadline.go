package spool

import (
	"bytes"
	"encoding/binary"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketNotAfter indexes the queued jobs that have a NotAfter by it:
// NotAfter (unix ns, big-endian) NUL id -> nothing. The sweep reads only
// the front, the jobs due, however many wait.
var bucketNotAfter = []byte("not_after")

// sweepEvery is how often the spool looks for queued jobs past their
// NotAfter: a job fails expired at most this long after its deadline,
// even while its printer is unreachable.
const sweepEvery = time.Second

// expireBatch bounds the jobs one sweep transaction expires.
const expireBatch = 1024

func notAfterKey(j Job) []byte {
	ns := max(j.NotAfter.UnixNano(), 0)
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 9+len(j.ID)), uint64(ns))
	return append(append(k, 0), j.ID...)
}

// indexNotAfter keeps j's entry in the NotAfter index in step with its
// state, j having been in state old: there while it is queued. A
// NotAfter moved while the job stays queued leaves its old entry behind,
// which the sweep drops when it reaches it.
func indexNotAfter(tx *bolt.Tx, old State, j Job) error {
	if j.NotAfter.IsZero() {
		return nil
	}
	b := tx.Bucket(bucketNotAfter)
	switch {
	case j.State == Queued:
		return b.Put(notAfterKey(j), nil)
	case old == Queued || old == "":
		return b.Delete(notAfterKey(j))
	}
	return nil
}

// migrateNotAfter indexes the queued jobs of a spool from before the
// index.
func migrateNotAfter(tx *bolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketNotAfter); err != nil {
		return err
	}
	var queued []Job
	err := tx.Bucket(bucketJobs).ForEach(func(k, v []byte) error {
		var j Job
		if decodeJob(v, &j) != nil {
			return nil // quarantined at load
		}
		if j.State == Queued && !j.NotAfter.IsZero() {
			queued = append(queued, j)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, j := range queued {
		if err := indexNotAfter(tx, "", j); err != nil {
			return err
		}
	}
	return nil
}

// ExpireQueued fails every queued job whose NotAfter has passed, with
// ReasonExpired, nothing of it sent, and returns how many. The worker
// checks a job's NotAfter only as it is about to send it; this ends the
// ones that wait behind a printer that does not answer. It races no
// worker: like Cancel it changes only a job still queued, in the same
// transaction as its check, and a job the worker holds is printing.
func (s *Spool) ExpireQueued() (int, error) {
	total := 0
	for {
		now := s.now()
		n, seen := 0, 0
		err := s.write(func(tx *bolt.Tx) error {
			n, seen = 0, 0 // write may run this twice
			idx := tx.Bucket(bucketNotAfter)
			if idx == nil {
				return nil // not made yet: a spool being opened
			}
			var due [][]byte
			c := idx.Cursor()
			for k, _ := c.First(); k != nil && len(due) < expireBatch; k, _ = c.Next() {
				if len(k) < 9 || int64(binary.BigEndian.Uint64(k[:8])) > now.UnixNano() {
					break
				}
				due = append(due, bytes.Clone(k))
			}
			seen = len(due)
			for _, k := range due {
				j, err := getJob(tx, string(k[9:]))
				if err != nil && !errors.Is(err, ErrNotFound) {
					return err
				}
				if err != nil || j.State != Queued || !bytes.Equal(k, notAfterKey(j)) || !expired(j, now) {
					if err := idx.Delete(k); err != nil { // left behind, or moved
						return err
					}
					continue
				}
				j.State, j.Reason, j.UpdatedAt = Failed, ReasonExpired, now
				if err := s.putJob(tx, Queued, j); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if seen < expireBatch {
			break
		}
	}
	if total > 0 {
		s.notify()
	}
	return total, nil
}

// nextNotAfter is the earliest NotAfter of a queued job; false when none.
func (s *Spool) nextNotAfter() (time.Time, bool) {
	var t time.Time
	ok := false
	_ = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketNotAfter)
		if b == nil {
			return nil
		}
		if k, _ := b.Cursor().First(); len(k) >= 9 {
			t, ok = time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))), true
		}
		return nil
	})
	return t, ok
}

// sweepLoop expires queued jobs past their NotAfter until the spool
// closes.
func (s *Spool) sweepLoop() {
	defer close(s.swept)
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
		}
		if next, ok := s.nextNotAfter(); !ok || next.After(s.now()) {
			continue
		}
		if n, err := s.ExpireQueued(); err != nil && !errors.Is(err, ErrClosed) {
			s.log.Warn("spool: expiring queued jobs past their deadline; retrying", "err", err)
		} else if n > 0 {
			s.log.Info("spool: queued jobs past their deadline failed", "reason", ReasonExpired, "jobs", n)
		}
	}
}
