package spool

import (
	bolt "go.etcd.io/bbolt"
)

// FailUnsent ends a queued job failed, with reason, and returns it: for an
// entrance that has told its client the job did not print (ePOS-Print's
// answer at a timeout or a printer error), so it must never print later.
// A job already failed or cancelled is returned as it is; one the worker
// has taken (printing, or final otherwise) is ErrNotQueued: bytes may be
// on their way. Like Cancel, the change is one transaction with the
// queue, so a job is never both failed here and printed.
func (s *Spool) FailUnsent(id, reason string) (Job, error) {
	var j Job
	changed := false
	err := s.write(func(tx *bolt.Tx) error {
		changed = false // write may run this twice
		var err error
		if j, err = getJob(tx, id); err != nil {
			return err
		}
		switch j.State {
		case Failed, Cancelled:
			return nil
		case Queued:
		default:
			return stillQueued(&j)
		}
		j.State, j.Reason, j.UpdatedAt = Failed, reason, s.now()
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
