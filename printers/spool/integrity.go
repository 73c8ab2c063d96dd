package spool

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	// id -> CRC-32C of the job's stored bytes, checked before they are
	// sent: a flipped bit in the store never reaches the printer.
	bucketSums = []byte("sums")
	// key of an unreadable job record -> Quarantined JSON
	bucketQuarantine = []byte("quarantine")
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var (
	// ErrBadBytes reports a job whose stored bytes do not match their
	// checksum: they are not sent.
	ErrBadBytes = errors.New("spool: stored job bytes damaged (checksum mismatch)")
	// ErrQuarantined reports an idempotency key whose job record was
	// damaged and set aside: the key is kept, so that a retry does not
	// print the receipt again unseen.
	ErrQuarantined = errors.New("spool: the job for this key was damaged and set aside")
)

// putBytes stores a job's ESC/POS with its checksum.
func putBytes(tx *bolt.Tx, id string, b []byte) error {
	if err := tx.Bucket(bucketBytes).Put([]byte(id), b); err != nil {
		return err
	}
	return tx.Bucket(bucketSums).Put([]byte(id), binary.BigEndian.AppendUint32(nil, crc32.Checksum(b, castagnoli)))
}

// deleteBytes removes a job's ESC/POS and checksum.
func deleteBytes(tx *bolt.Tx, id string) error {
	if err := tx.Bucket(bucketBytes).Delete([]byte(id)); err != nil {
		return err
	}
	return tx.Bucket(bucketSums).Delete([]byte(id))
}

// readBytes returns a copy of a job's ESC/POS, checked against its
// checksum (a job stored before checksums has none to check).
func readBytes(tx *bolt.Tx, id string) ([]byte, error) {
	v := tx.Bucket(bucketBytes).Get([]byte(id))
	if v == nil {
		return nil, fmt.Errorf("%w: bytes of %s", ErrNotFound, id)
	}
	if err := checkSum(tx, id, v); err != nil {
		return nil, err
	}
	return bytes.Clone(v), nil
}

func checkSum(tx *bolt.Tx, id string, v []byte) error {
	sum := tx.Bucket(bucketSums).Get([]byte(id))
	if sum == nil {
		return nil
	}
	got := crc32.Checksum(v, castagnoli)
	if len(sum) != 4 || binary.BigEndian.Uint32(sum) != got {
		return fmt.Errorf("%w: job %s: %d bytes with CRC-32C %08x, stored %x", ErrBadBytes, id, len(v), got, sum)
	}
	return nil
}

// Quarantined is a job record set aside because it could not be read.
type Quarantined struct {
	// ID is the record's key, as found (a damaged key shows as such).
	ID     string    `json:"id"`
	Reason string    `json:"reason"`
	At     time.Time `json:"quarantined_at"`
	// Record is the stored job record as found; Bytes its ESC/POS, when
	// they were there: enough for a person to see what it was.
	Record []byte `json:"record"`
	Bytes  []byte `json:"bytes,omitempty"`
}

// badRecord is a job record found unreadable.
type badRecord struct {
	key []byte
	why string
}

// parseRecord reads the job record v stored under k, and says what is
// wrong with it.
func parseRecord(k, v []byte) (Job, error) {
	var j Job
	if err := decodeJob(v, &j); err != nil {
		return Job{}, fmt.Errorf("unreadable job record: %w", err)
	}
	switch {
	case j.ID != string(k):
		return Job{}, fmt.Errorf("job record %q stored under %q", j.ID, k)
	case !j.State.Valid():
		return Job{}, fmt.Errorf("job %s has no state %q", j.ID, j.State)
	case j.Printer == "":
		return Job{}, fmt.Errorf("job %s has no printer", j.ID)
	}
	return j, nil
}

// quarantine sets bad records aside: each moves, with its bytes, to the
// quarantine bucket, and leaves the queue and the indexes. Its key stays
// (see ErrQuarantined). One pass over each index, however many records.
func (s *Spool) quarantine(tx *bolt.Tx, bad []badRecord) error {
	if len(bad) == 0 {
		return nil
	}
	ids := map[string]bool{}
	jobs, byts, q := tx.Bucket(bucketJobs), tx.Bucket(bucketBytes), tx.Bucket(bucketQuarantine)
	for _, r := range bad {
		id := string(r.key)
		ids[id] = true
		if jobs.Get(r.key) == nil {
			continue // only index entries left behind
		}
		v, err := json.Marshal(Quarantined{ID: id, Reason: r.why, At: s.now(),
			Record: bytes.Clone(jobs.Get(r.key)), Bytes: bytes.Clone(byts.Get(r.key))})
		if err != nil {
			return err
		}
		if err := q.Put(r.key, v); err != nil {
			return err
		}
		if err := jobs.Delete(r.key); err != nil {
			return err
		}
		if err := deleteBytes(tx, id); err != nil {
			return err
		}
	}
	// Index keys end in NUL id (the jobs bucket's keys are ids alone).
	for _, name := range [][]byte{bucketQueue, bucketByPrinter, bucketByState, bucketByPrinterState, bucketNotAfter, bucketReports} {
		b := tx.Bucket(name)
		var doomed [][]byte
		err := b.ForEach(func(k, _ []byte) error {
			if i := bytes.LastIndexByte(k, 0); i >= 0 && ids[string(k[i+1:])] {
				doomed = append(doomed, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range doomed {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
	}
	return nil
}

// quarantineNow sets aside a record found unreadable while running.
func (s *Spool) quarantineNow(id string, why error) error {
	err := s.write(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketJobs).Get([]byte(id)); v != nil {
			if _, err := parseRecord([]byte(id), v); err == nil {
				return nil // readable after all
			}
		}
		return s.quarantine(tx, []badRecord{{key: []byte(id), why: why.Error()}})
	})
	if err == nil {
		s.notify()
	}
	return err
}

// isQuarantined reports whether id was set aside.
func isQuarantined(tx *bolt.Tx, id string) bool {
	return tx.Bucket(bucketQuarantine).Get([]byte(id)) != nil
}

// Quarantined lists the job records set aside as unreadable.
func (s *Spool) Quarantined() ([]Quarantined, error) {
	var out []Quarantined
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketQuarantine).ForEach(func(k, v []byte) error {
			var q Quarantined
			if err := json.Unmarshal(v, &q); err != nil {
				q = Quarantined{ID: string(k), Reason: "quarantine record unreadable: " + err.Error(), Record: bytes.Clone(v)}
			}
			out = append(out, q)
			return nil
		})
	})
	return out, err
}

// Backup writes a consistent copy of the spool to w while it runs (a
// bbolt file: keep it as spool.db to restore). Changes go on meanwhile.
func (s *Spool) Backup(w io.Writer) error {
	return s.db.View(func(tx *bolt.Tx) error {
		_, err := tx.WriteTo(w)
		return err
	})
}

// migrateSums gives the bytes stored before checksums theirs: what they
// are now is all there is to go by, and from now on a change shows.
func migrateSums(tx *bolt.Tx) error {
	sums := tx.Bucket(bucketSums)
	var missing [][]byte
	err := tx.Bucket(bucketBytes).ForEach(func(k, _ []byte) error {
		if sums.Get(k) == nil {
			missing = append(missing, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range missing {
		v := tx.Bucket(bucketBytes).Get(k)
		if err := sums.Put(k, binary.BigEndian.AppendUint32(nil, crc32.Checksum(v, castagnoli))); err != nil {
			return err
		}
	}
	return nil
}
