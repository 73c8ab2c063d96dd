package spool

import (
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
