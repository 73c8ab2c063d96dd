package spool

import (
	bolt "go.etcd.io/bbolt"
	"time"
)

// bucketReports holds the jobs whose newest state has not been
// acknowledged by whoever reports it elsewhere (the fleet's hubs):
// printer NUL id -> nothing. It is written in the transaction that
// changes the state, so a crash between a change and its report leaves
// the job here, and emptied by Reported once the report was stored.
var bucketReports = []byte("reports")

// reported: the jobs whose states an entrance reports elsewhere, the
// fleet's (its copies too: a reprint keeps its original's source).
func reported(j Job) bool { return j.Source == SourceFleet }

// noteReport marks j's new state as not reported yet.
func noteReport(tx *bolt.Tx, j Job) error {
	if !reported(j) {
		return nil
	}
	return tx.Bucket(bucketReports).Put(printerKey(j.Printer, j.ID), nil)
}

// migrateReports marks every reported job of a spool from before the
// mark as not reported: its first start republishes them all, once.
func migrateReports(tx *bolt.Tx) error {
	b, err := tx.CreateBucketIfNotExists(bucketReports)
	if err != nil {
		return err
	}
	var keys [][]byte
	err = tx.Bucket(bucketJobs).ForEach(func(k, v []byte) error {
		var j Job
		if decodeJob(v, &j) == nil && reported(j) {
			keys = append(keys, printerKey(j.Printer, j.ID))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := b.Put(k, nil); err != nil {
			return err
		}
	}
	return nil
}

// Unreported are the fleet's jobs whose newest state is not acknowledged
// (Reported) yet, in their current states: after a crash, or when a
// reader of the change feed fell behind, these are all that must be
// reported again, however many jobs the spool keeps.
func (s *Spool) Unreported() ([]Job, error) {
	var out []Job
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketReports).ForEach(func(k, _ []byte) error {
			j, err := getJob(tx, idOfIndexKey(k))
			if err != nil {
				return nil // quarantined or pruned meanwhile: nothing to report
			}
			out = append(out, j)
			return nil
		})
	})
	return out, err
}

// idOfIndexKey is the id an index key (printer NUL id) ends in.
func idOfIndexKey(k []byte) string {
	for i := len(k) - 1; i >= 0; i-- {
		if k[i] == 0 {
			return string(k[i+1:])
		}
	}
	return string(k)
}

// Report is the acknowledgement that job ID's state State was reported,
// of the job's generation Attempt and RetriedAt (Attempt 0: any).
type Report struct {
	ID        string
	State     State
	Attempt   int
	RetriedAt time.Time
}

// covers reports whether r acknowledges j as it is now: the same state of
// the same generation (a failed attempt's ack is not the next one's).
func (r Report) covers(j Job) bool {
	if j.State != r.State {
		return false
	}
	return r.Attempt == 0 || max(j.Attempt, 1) == r.Attempt && j.RetriedAt.Equal(r.RetriedAt)
}

// Reported takes the acknowledged jobs off Unreported, in one
// transaction: each only while it is still in the state acknowledged (a
// newer state is still to be reported). Unknown jobs are skipped.
func (s *Spool) Reported(rs []Report) error {
	if len(rs) == 0 {
		return nil
	}
	return s.write(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketReports)
		for _, r := range rs {
			j, err := getJob(tx, r.ID)
			if err != nil || !r.covers(j) {
				continue
			}
			if err := b.Delete(printerKey(j.Printer, j.ID)); err != nil {
				return err
			}
		}
		return nil
	})
}
