package spool

import (
	"bytes"
	"encoding/binary"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// schemaKey holds the spool's schema version in bucketMeta: the number of
// migrations applied. A spool without one is from before migrations.
var schemaKey = []byte("schema")

// migrations bring an older spool up to date, in order, each once, in
// the transaction that opens the spool.
var migrations = []func(tx *bolt.Tx) error{
	migrateCopyKeys,
	migrateIndexes,
	migrateSums,
	migrateClientKeys,
	migrateNotAfter,
	migrateReports,
}

func migrate(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	var v uint64
	if b := meta.Get(schemaKey); len(b) == 8 {
		v = binary.BigEndian.Uint64(b)
	}
	for ; v < uint64(len(migrations)); v++ {
		if err := migrations[v](tx); err != nil {
			return err
		}
	}
	return meta.Put(schemaKey, binary.BigEndian.AppendUint64(nil, v))
}

// migrateCopyKeys moves the reprint keys that older spools kept among the
// clients' keys ("copy:<id>:<key>") to their own bucket. Only a key whose
// job is that copy moves: a client's key of the same shape stays.
func migrateCopyKeys(tx *bolt.Tx) error {
	keys, copies := tx.Bucket(bucketKeys), tx.Bucket(bucketCopyKeys)
	type move struct {
		from []byte
		to   keyRef
		id   []byte
	}
	var moves []move
	err := keys.ForEach(func(k, v []byte) error {
		_, key, ok := strings.Cut(string(k), "\x00")
		if !ok || !strings.HasPrefix(key, "copy:") {
			return nil
		}
		j, err := getJob(tx, string(v))
		if err != nil || !j.Copy || j.Key != key || !strings.HasPrefix(key, copyKeyPrefix(j.CopyOf)) {
			return nil // not a reprint's key; a bad record is found elsewhere
		}
		moves = append(moves, move{append([]byte(nil), k...), keyRefOf(j), append([]byte(nil), v...)})
		return nil
	})
	if err != nil {
		return err
	}
	for _, m := range moves {
		if err := copies.Put(m.to.key, m.id); err != nil {
			return err
		}
		if err := keys.Delete(m.from); err != nil {
			return err
		}
	}
	return nil
}

// migrateClientKeys moves the clients' keys, which older spools kept per
// printer, to the service's one namespace. A key two printers shared (a
// till that failed over with the same key) stays per printer for the
// printers after the first, so each of those jobs still answers its own
// retry; a key's job for a third printer is refused as reused.
func migrateClientKeys(tx *bolt.Tx) error {
	keys, global := tx.Bucket(bucketKeys), tx.Bucket(bucketClientKeys)
	var moved [][]byte
	err := keys.ForEach(func(k, v []byte) error {
		_, key, ok := strings.Cut(string(k), "\x00")
		if !ok || global.Get([]byte(key)) != nil {
			return nil
		}
		moved = append(moved, bytes.Clone(k))
		return global.Put([]byte(key), bytes.Clone(v))
	})
	if err != nil {
		return err
	}
	for _, k := range moved {
		if err := keys.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
