package spool

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Attempt is how an earlier attempt of a job ended (Job.History).
type Attempt struct {
	Attempt int    `json:"attempt"`
	State   State  `json:"state"`
	Reason  string `json:"reason,omitempty"`
	// Sent is how many bytes of it left: 0 for a failed attempt.
	Sent int `json:"bytes_sent"`
	// At is when the attempt ended.
	At time.Time `json:"at"`
}

// maxHistory bounds the attempts a record keeps: a till that retries a
// failure for ever must not grow the record for ever. The count
// (Job.Attempt) goes on.
const maxHistory = 32

var (
	// ErrNotFailed reports a retry of a job that is not failed: only a
	// failed job printed nothing, so only it may print again as the
	// original (an unknown job takes a decision; a printed one a reprint).
	ErrNotFailed = errors.New("spool: only a failed job can be tried again")
	// ErrNotRetryable reports a retry of a failed job whose entrance told
	// its client it did not print (ePOS-Print): the client sends it again
	// as a new job, so this one never prints.
	ErrNotRetryable = errors.New("spool: its client was told it did not print, and sends it again as a new job")
)

// KeyReusedError reports an idempotency key that names a job of another
// receipt, or of another printer: a key names one receipt on one
// printer, across the service. Nothing was stored.
type KeyReusedError struct {
	Job     Job    // the job the key names
	Printer string // the printer it was asked for
}

// ErrKeyReused is what every KeyReusedError is (errors.Is).
var ErrKeyReused = errors.New("spool: idempotency key already names another job")

func (e *KeyReusedError) Error() string {
	if e.Printer != e.Job.Printer {
		return fmt.Sprintf("this idempotency key already names job %s on printer %s; a key names one receipt on one printer: send it to %s with a new key. Nothing was queued",
			e.Job.ID, e.Job.Printer, e.Printer)
	}
	return "this idempotency key already names job " + e.Job.ID + ", which prints another receipt; nothing was queued"
}

func (e *KeyReusedError) Unwrap() error { return ErrKeyReused }

// Retry queues a failed job again as the original (no copy mark): the
// same id, its Attempt one more, the failed attempt kept in its History,
// its deadline counting from now. attempt is the attempt the caller saw
// fail (0: the current one): a retry of an attempt already tried again
// returns the job as it is (existing), so a retry sent twice prints once.
// Only a failed job: nothing of it was printed (ErrNotFailed otherwise);
// never one its entrance answered "not printed" (ErrNotRetryable).
func (s *Spool) Retry(id string, attempt int) (job Job, existing bool, err error) {
	return s.retry(id, attempt, time.Time{})
}

// retry is Retry that also sets the job's NotAfter when it queues it and
// notAfter is set.
func (s *Spool) retry(id string, attempt int, notAfter time.Time) (job Job, existing bool, err error) {
	err = s.write(func(tx *bolt.Tx) error {
		existing = false // write may run this twice
		var err error
		if job, err = getJob(tx, id); err != nil {
			return err
		}
		switch {
		case attempt == 0 || attempt == job.Attempt:
			if notAfter.IsZero() {
				if err := pastFleetDeadline(job, s.now()); err != nil {
					return err
				}
			} else if job.State == Failed {
				job.NotAfter = notAfter
			}
			return s.requeue(tx, &job)
		case attempt < job.Attempt:
			existing = true // tried again already
			return nil
		}
		return fmt.Errorf("%w: %s is at attempt %d, not %d", ErrNotFailed, id, job.Attempt, attempt)
	})
	if err != nil {
		return Job{}, false, err
	}
	if !existing {
		s.notify()
	}
	return job, existing, nil
}

// requeue puts the failed job j back in its printer's queue for its next
// attempt, in tx. The worker moves a job only from queued (to printing)
// and a failed job is moved by nothing else, so a retry racing the
// worker, or another retry, queues it once and it prints once.
func (s *Spool) requeue(tx *bolt.Tx, j *Job) error {
	if j.State != Failed {
		return fmt.Errorf("%w: %s is %s", ErrNotFailed, j.ID, j.State)
	}
	if j.Source == SourceEPOS {
		return fmt.Errorf("%w: %s came through ePOS-Print", ErrNotRetryable, j.ID)
	}
	if _, err := readBytes(tx, j.ID); err != nil {
		return err // damaged bytes print nothing: ErrBadBytes
	}
	now := s.now()
	j.History = append(j.History, Attempt{Attempt: j.Attempt, State: j.State, Reason: j.Reason, Sent: j.Sent, At: j.UpdatedAt})
	if n := len(j.History); n > maxHistory {
		j.History = append(j.History[:0:0], j.History[n-maxHistory:]...)
	}
	j.Attempt++
	j.State, j.Reason, j.Sent = Queued, "", 0
	j.RetriedAt, j.UpdatedAt = now, now
	return s.putJob(tx, Failed, *j)
}
