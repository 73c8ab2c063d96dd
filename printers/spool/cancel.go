package spool

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Cancelled is a queued job a person withdrew before it printed: final,
// nothing of it was sent.
const Cancelled State = "cancelled"

// ErrNotQueued reports a cancel of a job that is past the queue: printing,
// printed, failed or unknown (a person decides those otherwise).
var ErrNotQueued = errors.New("spool: only a queued job can be cancelled")

// Cancel withdraws a queued job and returns it; a job already cancelled is
// returned as it is. The state changes in one transaction with the queue,
// and the worker marks a job printing only while it is still queued (see
// markPrinting), so a job is never both cancelled and printed. A job handed
// straight to an idle worker is stored printing already: not cancellable.
func (s *Spool) Cancel(id string) (Job, error) {
	var j Job
	changed := false
	err := s.write(func(tx *bolt.Tx) error {
		changed = false // write may run this twice
		var err error
		if j, err = getJob(tx, id); err != nil {
			return err
		}
		switch j.State {
		case Cancelled:
			return nil
		case Queued:
		default:
			return fmt.Errorf("%w: %s is %s", ErrNotQueued, j.ID, j.State)
		}
		j.State, j.Reason, j.UpdatedAt = Cancelled, "cancelled by a person before printing", s.now()
		changed = true
		return s.putJob(tx, Queued, j)
	})
	if err != nil {
		return Job{}, err
	}
	if changed {
		s.notify()
	}
	return j, nil
}

// stillQueued fails, with ErrNotQueued, an update of a job that left the
// queue meanwhile (cancelled while the worker held it).
func stillQueued(j *Job) error {
	if j.State != Queued {
		return fmt.Errorf("%w: %s is %s", ErrNotQueued, j.ID, j.State)
	}
	return nil
}
