package spool

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Counts returns how many jobs each printer has in each state.
func (s *Spool) Counts() (map[string]map[State]int, error) {
	out := map[string]map[State]int{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCounts).ForEach(func(k, v []byte) error {
			printer, st, ok := strings.Cut(string(k), "\x00")
			if !ok || len(v) != 8 {
				return fmt.Errorf("spool: bad count %q", k)
			}
			if out[printer] == nil {
				out[printer] = map[State]int{}
			}
			out[printer][State(st)] = int(binary.BigEndian.Uint64(v))
			return nil
		})
	})
	return out, err
}

// ListQuery asks for a page of jobs, newest first.
type ListQuery struct {
	Printer string // "" for every printer
	State   State  // "" for every state
	// Limit is the page's length: 0 is DefaultPageLimit, at most
	// MaxPageLimit.
	Limit int
	// Before is a cursor: the page holds jobs older than this job id
	// (the next of the page before); "" for the newest.
	Before string
}

// ErrBadQuery reports a list query out of range.
var ErrBadQuery = errors.New("spool: bad list query")

const (
	DefaultPageLimit = 50
	MaxPageLimit     = 1000
)

// ListPage returns a page of jobs, newest first, and the cursor for the
// next (older) page, "" when there is none.
func (s *Spool) ListPage(q ListQuery) (jobs []Job, next string, err error) {
	switch {
	case q.Limit < 0 || q.Limit > MaxPageLimit:
		return nil, "", fmt.Errorf("%w: limit is 1 to %d", ErrBadQuery, MaxPageLimit)
	case q.State != "" && !q.State.Valid():
		return nil, "", fmt.Errorf("%w: no state %q", ErrBadQuery, q.State)
	case q.Limit == 0:
		q.Limit = DefaultPageLimit
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		var err error
		jobs, next, err = page(tx, q)
		return err
	})
	return jobs, next, err
}

// List returns the newest limit jobs (all when limit is 0) of printer in
// state, each filter ignored when empty, oldest first. Like ListPage it
// reads only the jobs it returns.
func (s *Spool) List(printer string, state State, limit int) ([]Job, error) {
	var out []Job
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, _, err = page(tx, ListQuery{Printer: printer, State: state, Limit: limit})
		return err
	})
	slices.Reverse(out)
	return out, err
}

// page reads q's jobs (all older than q.Before when q.Limit is 0) from
// the index that holds exactly the jobs it asks for, newest first: the
// cost is the page's, however long the history.
func page(tx *bolt.Tx, q ListQuery) ([]Job, string, error) {
	b, prefix := tx.Bucket(bucketJobs), []byte(nil)
	switch {
	case q.Printer != "" && q.State != "":
		b, prefix = tx.Bucket(bucketByPrinterState), indexKey(q.Printer, string(q.State), "")
	case q.Printer != "":
		b, prefix = tx.Bucket(bucketByPrinter), indexKey(q.Printer, "")
	case q.State != "":
		b, prefix = tx.Bucket(bucketByState), indexKey(string(q.State), "")
	}
	c := b.Cursor()
	var k []byte
	if q.Before == "" {
		// Past every id of the prefix: ids begin with 'j', below 0xFF.
		k, _ = c.Seek(append(slices.Clip(prefix), 0xFF))
	} else {
		k, _ = c.Seek(append(slices.Clip(prefix), q.Before...))
	}
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	jobs := tx.Bucket(bucketJobs)
	var out []Job
	for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Prev() {
		id := k[len(prefix):]
		if q.Limit > 0 && len(out) == q.Limit {
			return out, out[len(out)-1].ID, nil // one more exists
		}
		v := jobs.Get(id)
		if v == nil {
			continue // quarantined: its index entries went with it
		}
		var j Job
		if err := decodeJob(v, &j); err != nil {
			continue // set aside at the next start (see quarantine)
		}
		out = append(out, j)
	}
	return out, "", nil
}
