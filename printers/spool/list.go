package spool

import (
	"encoding/binary"
	"encoding/json"
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

// List returns the newest limit jobs (all when limit is 0) of printer in
// state, each filter ignored when empty, oldest first. It reads from the
// newest end, so a page of recent jobs costs the same however long the
// spool's history.
func (s *Spool) List(printer string, state State, limit int) ([]Job, error) {
	var out []Job
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketJobs).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var j Job
			if err := json.Unmarshal(v, &j); err != nil {
				return err
			}
			if (printer == "" || j.Printer == printer) && (state == "" || j.State == state) {
				out = append(out, j)
				if limit > 0 && len(out) == limit {
					break
				}
			}
		}
		return nil
	})
	slices.Reverse(out)
	return out, err
}
