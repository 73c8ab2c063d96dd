package spool

import (
	"strings"

	bolt "go.etcd.io/bbolt"
)

// indexKey joins parts with NUL: printer and state names hold none.
func indexKey(parts ...string) []byte { return []byte(strings.Join(parts, "\x00")) }

// reindex moves job id of printer from state old to state new in the
// listing indexes; old "" is a new job, new "" a deleted one.
func reindex(tx *bolt.Tx, printer, id string, old, new State) error {
	byPrinter, byState, both := tx.Bucket(bucketByPrinter), tx.Bucket(bucketByState), tx.Bucket(bucketByPrinterState)
	if old != "" {
		if err := byState.Delete(indexKey(string(old), id)); err != nil {
			return err
		}
		if err := both.Delete(indexKey(printer, string(old), id)); err != nil {
			return err
		}
	}
	if new == "" {
		return byPrinter.Delete(indexKey(printer, id))
	}
	if old == "" {
		if err := byPrinter.Put(indexKey(printer, id), nil); err != nil {
			return err
		}
	}
	if err := byState.Put(indexKey(string(new), id), nil); err != nil {
		return err
	}
	return both.Put(indexKey(printer, string(new), id), nil)
}

// migrateIndexes builds the listing indexes of a spool written before
// them. A record that cannot be read is left to the quarantine.
func migrateIndexes(tx *bolt.Tx) error {
	type entry struct {
		printer, id string
		st          State
	}
	var all []entry
	err := tx.Bucket(bucketJobs).ForEach(func(k, v []byte) error {
		var j Job
		if decodeJob(v, &j) == nil && j.ID == string(k) && j.State.Valid() {
			all = append(all, entry{j.Printer, j.ID, j.State})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, e := range all {
		if err := reindex(tx, e.printer, e.id, "", e.st); err != nil {
			return err
		}
	}
	return nil
}
