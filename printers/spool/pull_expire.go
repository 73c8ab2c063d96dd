package spool

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// ExpirePulled turns printer's jobs handed out before cutoff and never
// confirmed into unknown, and returns how many. It reads first and
// writes only when something is due, so calling it at every poll is
// cheap.
func (s *Spool) ExpirePulled(printer string, cutoff time.Time, reason string) (int, error) {
	var due []Handed
	err := s.db.View(func(tx *bolt.Tx) error {
		all, err := handedOut(tx, printer, false)
		for _, h := range all {
			if h.At.Before(cutoff) {
				due = append(due, h)
			}
		}
		return err
	})
	if err != nil || len(due) == 0 {
		return 0, err
	}
	n := 0
	err = s.write(func(tx *bolt.Tx) error {
		n = 0
		b := tx.Bucket(bucketPulled)
		for _, h := range due {
			k := printerKey(printer, h.ID)
			if b.Get(k) == nil {
				continue // confirmed meanwhile
			}
			j, err := getJob(tx, h.ID)
			if err == nil && j.State == Printing {
				j.State, j.Reason, j.UpdatedAt = Unknown, reason, s.now()
				if err := s.putJob(tx, Printing, j); err != nil {
					return err
				}
				n++
			}
			// A record whose job is settled otherwise (a restart, a
			// person) goes too: late confirmations of it are refused
			// from here on.
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n > 0 {
		s.notify()
	}
	return n, nil
}

// overdueBatch bounds the jobs one FailOverdue call fails.
const overdueBatch = 256

// FailOverdue fails printer's queued jobs that have waited longer than
// deadline (from their creation, or from a person's retry) and returns
// how many: a pulled printer has no worker to give up on them. Oldest
// first; it reads first and writes only when one is due.
func (s *Spool) FailOverdue(printer string, deadline time.Duration, reason string) (int, error) {
	now := s.now()
	var due []string
	err := s.db.View(func(tx *bolt.Tx) error {
		for id := range queued(tx, printer) {
			j, err := getJob(tx, id)
			if err != nil {
				return err
			}
			if now.Sub(j.due()) <= deadline || len(due) == overdueBatch {
				break // the queue runs oldest first
			}
			due = append(due, id)
		}
		return nil
	})
	if err != nil || len(due) == 0 {
		return 0, err
	}
	n := 0
	err = s.write(func(tx *bolt.Tx) error {
		n = 0
		for _, id := range due {
			j, err := getJob(tx, id)
			if err != nil {
				return err
			}
			if j.State != Queued {
				continue // fetched or cancelled meanwhile
			}
			j.State, j.Reason, j.UpdatedAt = Failed, reason, now
			if err := s.putJob(tx, Queued, j); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n > 0 {
		s.notify()
	}
	return n, nil
}
