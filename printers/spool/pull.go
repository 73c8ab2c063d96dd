package spool

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A pulled printer (Star CloudPRNT, Epson Server Direct Print) has no
// worker: it asks for its jobs. The spool hands a job out on the first
// fetch, durably "printing" in the same transaction as a record of the
// hand-out, and settles it when the printer confirms. Until then a fetch
// of the same job returns the same bytes, and the job is not offered to
// a poll again: a printer that printed but whose confirmation was lost
// must not get it twice. A hand-out never confirmed becomes unknown
// (ExpirePulled), for a person to decide, as any job cut off mid-print.
//
// After a restart the spool's usual rule turns a job found "printing"
// into "unknown"; the printer's late confirmation still settles it (the
// printer's word is better than a guess), and nothing is offered again.

// printer NUL id -> hand-out time (unix nanoseconds, 8 bytes): jobs
// handed to a pulled printer and not yet confirmed. Created at the first
// hand-out, so spools without pulled printers are unchanged.
var bucketPulled = []byte("pulled")

var (
	// ErrNotHanded reports a confirmation or a fetch for a job that is
	// not out with this printer: unknown, another printer's, not yet
	// fetched, or already settled.
	ErrNotHanded = errors.New("spool: job not handed to this printer")
	// ErrBusy reports a fetch while another job is out with a printer
	// that takes one at a time.
	ErrBusy = errors.New("spool: printer has a job not yet confirmed")
)

// PullState is what a printer's poll finds.
type PullState struct {
	// Out are the jobs handed and not confirmed, oldest first.
	Out []Handed
	// Next is the oldest queued job (without bytes); valid when HasNext.
	Next    Job
	HasNext bool
}

// Handed is a job out with a pulled printer.
type Handed struct {
	ID string
	At time.Time
}

// PullPeek reads what waits for printer without changing anything: the
// jobs out with it and the oldest queued job. It costs two index seeks
// and one record read, whatever the spool's size: a poll's answer.
func (s *Spool) PullPeek(printer string) (PullState, error) {
	var st PullState
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		if st.Out, err = handedOut(tx, printer, true); err != nil {
			return err
		}
		for id := range queued(tx, printer) {
			j, err := getJob(tx, id)
			if err != nil {
				return err // a damaged record: the fetch quarantines it
			}
			st.Next, st.HasNext = j, true
			break
		}
		return nil
	})
	return st, err
}

// handedOut lists printer's hand-out records; live keeps only those
// whose job is still printing (a restart or a person may have settled
// the others).
func handedOut(tx *bolt.Tx, printer string, live bool) ([]Handed, error) {
	b := tx.Bucket(bucketPulled)
	if b == nil {
		return nil, nil
	}
	var out []Handed
	prefix := printerKey(printer, "")
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		id := string(k[len(prefix):])
		if live {
			j, err := getJob(tx, id)
			if err != nil || j.State != Printing {
				continue
			}
		}
		var at time.Time
		if len(v) == 8 {
			at = time.Unix(0, int64(binary.BigEndian.Uint64(v)))
		}
		out = append(out, Handed{ID: id, At: at})
	}
	return out, nil
}

// PullFetch hands printer its job and returns it with its bytes. id ""
// takes the oldest queued job; otherwise the job id names (a CloudPRNT
// job token) — a job already out with printer is returned again,
// unchanged (a GET repeated after a broken download). With one set, a
// printer that takes one job at a time (CloudPRNT) gets ErrBusy while
// another is out. ok is false when nothing waits.
func (s *Spool) PullFetch(printer, id string, one bool) (j Job, b []byte, ok bool, err error) {
	// A repeated fetch changes nothing: answered from a read, without a
	// commit.
	if id != "" {
		err = s.db.View(func(tx *bolt.Tx) error {
			out, err := handedOut(tx, printer, true)
			if err != nil || !slices.ContainsFunc(out, func(h Handed) bool { return h.ID == id }) {
				return err
			}
			if j, err = getJob(tx, id); err != nil {
				return err
			}
			b, err = readBytes(tx, id)
			ok = err == nil
			return err
		})
		if err != nil || ok {
			return j, b, ok, err
		}
	}
	err = s.write(func(tx *bolt.Tx) error {
		ok = false // write may run this twice
		out, err := handedOut(tx, printer, true)
		if err != nil {
			return err
		}
		for _, h := range out {
			if h.ID == id {
				if j, err = getJob(tx, id); err != nil {
					return err
				}
				b, err = readBytes(tx, id)
				ok = err == nil
				return err
			}
		}
		if one && len(out) > 0 {
			return fmt.Errorf("%w: %s", ErrBusy, out[0].ID)
		}
		if id == "" {
			for qid := range queued(tx, printer) {
				id = qid
				break
			}
			if id == "" {
				return nil
			}
		}
		js, bs, err := s.handOut(tx, printer, []string{id})
		if err != nil {
			return err
		}
		j, b, ok = js[0], bs[0], true
		return nil
	})
	if err == nil && ok {
		s.notify()
	}
	return j, b, ok, err
}

// PullFetchBatch hands printer the oldest queued jobs that take accepts
// (given the sizes, oldest first, it says how many fit one answer: Epson's
// limits), all in one transaction, and returns them with their bytes.
// Jobs already out are not handed again.
func (s *Spool) PullFetchBatch(printer string, max int, take func(sizes []int) int) (jobs []Job, bytes [][]byte, err error) {
	err = s.write(func(tx *bolt.Tx) error {
		jobs, bytes = nil, nil
		var ids []string
		var sizes []int
		for id := range queued(tx, printer) {
			if len(ids) == max {
				break
			}
			j, err := getJob(tx, id)
			if err != nil {
				return err
			}
			ids, sizes = append(ids, id), append(sizes, j.Size)
		}
		n := take(sizes)
		if n == 0 {
			return nil
		}
		var err error
		jobs, bytes, err = s.handOut(tx, printer, ids[:n])
		return err
	})
	if err == nil && len(jobs) > 0 {
		s.notify()
	}
	return jobs, bytes, err
}

// handOut marks queued jobs printing and records the hand-out.
func (s *Spool) handOut(tx *bolt.Tx, printer string, ids []string) ([]Job, [][]byte, error) {
	pulled, err := tx.CreateBucketIfNotExists(bucketPulled)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	var js []Job
	var bs [][]byte
	for _, id := range ids {
		j, err := getJob(tx, id)
		if err != nil {
			return nil, nil, err
		}
		if j.Printer != printer || j.State != Queued {
			return nil, nil, fmt.Errorf("%w: %s", ErrNotHanded, id)
		}
		b, err := readBytes(tx, id)
		if err != nil {
			return nil, nil, err
		}
		j.State, j.Reason, j.UpdatedAt = Printing, "fetched by the printer", now
		j.Sent = j.Size // the whole job went out in the answer
		j.Attempts++
		if err := s.putJob(tx, Queued, j); err != nil {
			return nil, nil, err
		}
		if err := pulled.Put(printerKey(printer, id), binary.BigEndian.AppendUint64(nil, uint64(now.UnixNano()))); err != nil {
			return nil, nil, err
		}
		js, bs = append(js, j), append(bs, b)
	}
	return js, bs, nil
}

// PullOutcome is what a pulled printer's confirmation says.
type PullOutcome int

const (
	// PullPrinted: on paper.
	PullPrinted PullOutcome = iota + 1
	// PullRetry: nothing printed (a download that timed out); queued
	// again, at its place in the queue.
	PullRetry
	// PullFailed: the printer could not use the job; nothing printed.
	PullFailed
	// PullUnknown: the printer stopped on a fault mid-job; a person
	// decides.
	PullUnknown
)

// PullConfirm settles a job out with printer. A job the printer has not
// been handed (another printer's, not fetched, settled already) is
// ErrNotHanded, and nothing changes. A job that a restart turned
// unknown meanwhile takes the printer's word.
func (s *Spool) PullConfirm(printer, id string, o PullOutcome, reason string) (Job, error) {
	var st State
	switch o {
	case PullPrinted:
		st = Printed
	case PullRetry:
		st = Queued
	case PullFailed:
		st = Failed
	case PullUnknown:
		st = Unknown
	default:
		return Job{}, fmt.Errorf("spool: pull outcome %d", o)
	}
	var j Job
	err := s.write(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPulled)
		k := printerKey(printer, id)
		if b == nil || b.Get(k) == nil {
			return fmt.Errorf("%w: %s", ErrNotHanded, id)
		}
		var err error
		if j, err = getJob(tx, id); err != nil {
			return err
		}
		if j.Printer != printer || (j.State != Printing && j.State != Unknown) {
			return fmt.Errorf("%w: %s is %s", ErrNotHanded, id, j.State)
		}
		old := j.State
		j.State, j.Reason, j.UpdatedAt = st, reason, s.now()
		if st == Queued {
			j.Sent = 0 // not printed: as a job never sent
		}
		if err := s.putJob(tx, old, j); err != nil {
			return err
		}
		return b.Delete(k)
	})
	if err != nil {
		return Job{}, err
	}
	s.notify()
	return j, nil
}
