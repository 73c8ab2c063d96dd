package spool

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ReasonExpired is the reason of a job that reached its NotAfter before
// it started printing: nothing of it was sent.
const ReasonExpired = "expired"

// expired reports whether j may no longer start printing at now.
func expired(j Job, now time.Time) bool {
	return !j.NotAfter.IsZero() && !now.Before(j.NotAfter)
}

// pastFleetDeadline refuses to queue again, without a new deadline, a
// fleet job whose hub's deadline has passed: it would only fail expired
// again, and the hub has told its client it failed (so the client may
// have sent it anew). Through the hub it gets a fresh deadline.
func pastFleetDeadline(j Job, now time.Time) error {
	if j.Source == SourceFleet && expired(j, now) {
		return fmt.Errorf("%w: %s is a fleet job past its hub's deadline; try it again through the hub, which gives it a new one", ErrNotRetryable, j.ID)
	}
	return nil
}

// KeyJob is the job printer holds under the client key key (ErrNotFound
// when none, or when the key names another printer's job): an entrance
// whose own ids are the keys (the fleet) finds its jobs with it.
func (s *Spool) KeyJob(printer, key string) (Job, error) {
	var j Job
	err := s.db.View(func(tx *bolt.Tx) error {
		id := clientKey(printer, key).lookup(tx)
		if id == nil {
			return ErrNotFound
		}
		var err error
		if j, err = getJob(tx, string(id)); err == nil && j.Printer != printer {
			return ErrNotFound
		}
		return err
	})
	return j, err
}

// RetryUntil is Retry of a fleet job whose new attempt may start
// printing until notAfter (the hub's fresh deadline: the old one may have
// passed). The deadline is set in the same write that queues the job, so
// the worker never sees it queued with the old one.
func (s *Spool) RetryUntil(id string, attempt int, notAfter time.Time) (Job, bool, error) {
	return s.retry(id, attempt, notAfter)
}

// DecideUntil is Decide of a fleet job: a retry decision queues it with
// notAfter as its deadline, in the same write.
func (s *Spool) DecideUntil(id string, d Decision, notAfter time.Time) (Job, error) {
	return s.decide(id, d, notAfter)
}

// SetNotAfter sets the NotAfter of job id while it is queued (a fleet
// copy, made by Reprint, then given the hub's deadline); a job that
// started printing or ended is left as it is and returned.
func (s *Spool) SetNotAfter(id string, notAfter time.Time) (Job, error) {
	return s.update(id, func(j *Job) error {
		if j.State == Queued {
			j.NotAfter = notAfter
		}
		return nil
	})
}

// ClientKey is the key j was asked for with: a copy's own reprint key
// (its Key is kept with its original's id in front), another job's Key.
func (j Job) ClientKey() string {
	if j.Copy {
		return strings.TrimPrefix(j.Key, copyKeyPrefix(j.CopyOf))
	}
	return j.Key
}

// CopyByKey is the copy asked for with key (its reprint key, whichever
// job it copies): an entrance whose copies have ids of their own (the
// fleet's) finds them with it. It reads the reprint keys, not the jobs.
func (s *Spool) CopyByKey(key string) (Job, error) {
	var j Job
	suffix := []byte("\x00" + key)
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketCopyKeys).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if bytes.HasSuffix(k, suffix) {
				var err error
				j, err = getJob(tx, string(v))
				return err
			}
		}
		return ErrNotFound
	})
	return j, err
}
