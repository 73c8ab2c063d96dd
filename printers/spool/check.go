package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Verdicts of Check.
const (
	VerdictOK      = "ok"              // opens as it is, every record readable
	VerdictRecords = "records damaged" // opens; some records set aside or jobs failed at their turn
	VerdictDamaged = "damaged"         // does not open (ErrDamaged): restore or start afresh
	VerdictMissing = "missing"         // no file, or an empty one
)

// CheckReport is what Check found in a spool file.
type CheckReport struct {
	Path    string
	Verdict string
	// Problem says why a damaged file does not open.
	Problem string
	// Notes are findings that do not stop the spool (a meta page bbolt
	// does without).
	Notes []string
	// Marker reports the marker beside the file: a missing or empty spool
	// with a marker refuses to start.
	Marker bool
	// LostCommit is the unacknowledged warning that a start found a meta
	// page unreadable, so jobs accepted in the last commit may be missing
	// (LostCommitFile); "" when there is none.
	LostCommit string
	Jobs       int
	States     map[State]int
	// Printers counts jobs per printer.
	Printers map[string]int
	// BadRecords are job records that cannot be read: the next start
	// sets them aside (quarantine).
	BadRecords []string
	// BadBytes are jobs whose stored bytes fail their checksum; MissingBytes
	// jobs not final without bytes: either fails when its turn comes.
	BadBytes, MissingBytes []string
	// Quarantined counts records already set aside.
	Quarantined int
	Schema      uint64
}

// String is the report for a person.
func (r CheckReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", r.Path, r.Verdict)
	if r.Problem != "" {
		fmt.Fprintf(&b, "  problem: %s\n", r.Problem)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	if r.LostCommit != "" {
		fmt.Fprintf(&b, "  warning: jobs accepted in the last commit may be missing (%s); acknowledge by removing %s\n",
			r.LostCommit, LostCommitFile(r.Path))
	}
	if r.Verdict == VerdictMissing && r.Marker {
		fmt.Fprintf(&b, "  a marker says a spool was here: restore it from a backup, or start afresh on purpose\n")
	}
	if r.Verdict == VerdictOK || r.Verdict == VerdictRecords {
		states := make([]string, 0, len(r.States))
		for st, n := range r.States {
			states = append(states, fmt.Sprintf("%s %d", st, n))
		}
		sort.Strings(states)
		fmt.Fprintf(&b, "  %d jobs (%s) for %d printers; schema %d; %d quarantined\n", r.Jobs, strings.Join(states, ", "), len(r.Printers), r.Schema, r.Quarantined)
	}
	list := func(what string, ids []string) {
		if len(ids) > 0 {
			fmt.Fprintf(&b, "  %s (%d): %s\n", what, len(ids), strings.Join(ids[:min(len(ids), 20)], " "))
		}
	}
	list("unreadable job records, set aside at the next start", r.BadRecords)
	list("jobs whose bytes fail their checksum, failed at their turn", r.BadBytes)
	list("jobs waiting without bytes, failed at their turn", r.MissingBytes)
	return b.String()
}

// Check examines the spool file at path without changing it: whether it
// would open, and what it holds. err is for a file that could not be
// examined (unreadable, or in use by a running service: check a backup
// or stop the service); what the file holds, damage included, is in the
// report.
func Check(path string) (rep CheckReport, err error) {
	rep = CheckReport{Path: path, States: map[State]int{}, Printers: map[string]int{}}
	if _, err := os.Stat(markerPath(path)); err == nil {
		rep.Marker = true
	}
	rep.LostCommit = readLostCommit(path)
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && st.Size() == 0) {
		rep.Verdict = VerdictMissing
		return rep, nil
	}
	if err != nil {
		return rep, fmt.Errorf("spool: check: %w", err)
	}
	notes, _, err := verifyFile(path)
	rep.Notes = notes
	var d *fileDamage
	if errors.As(err, &d) {
		rep.Verdict, rep.Problem = VerdictDamaged, d.problem
		return rep, nil
	}
	if err != nil {
		return rep, fmt.Errorf("spool: check: %w", err)
	}
	defer func() {
		if r := recover(); r != nil {
			rep.Verdict, rep.Problem, err = VerdictDamaged, fmt.Sprint("bbolt: ", r), nil
		}
	}()
	db, err := bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if errors.Is(err, berrors.ErrTimeout) {
		return rep, fmt.Errorf("%w: %s is held by a running receiptd: stop it, or check a backup", ErrInUse, path)
	}
	if err != nil {
		return rep, fmt.Errorf("spool: check: %w", err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		jobs := tx.Bucket(bucketJobs)
		if jobs == nil {
			return nil // a new, empty spool
		}
		if m := tx.Bucket(bucketMeta); m != nil {
			if v := m.Get(schemaKey); len(v) == 8 {
				rep.Schema = binary.BigEndian.Uint64(v)
			}
		}
		if q := tx.Bucket(bucketQuarantine); q != nil {
			rep.Quarantined = q.Stats().KeyN
		}
		byts, sums := tx.Bucket(bucketBytes), tx.Bucket(bucketSums)
		return jobs.ForEach(func(k, v []byte) error {
			j, err := parseRecord(k, v)
			if err != nil {
				rep.BadRecords = append(rep.BadRecords, fmt.Sprintf("%q (%v)", k, err))
				return nil
			}
			rep.Jobs++
			rep.States[j.State]++
			rep.Printers[j.Printer]++
			b := byts.Get(k)
			switch {
			case b == nil && !j.State.Final():
				rep.MissingBytes = append(rep.MissingBytes, j.ID)
			case b != nil && sums != nil && checkSum(tx, j.ID, b) != nil:
				rep.BadBytes = append(rep.BadBytes, j.ID)
			}
			return nil
		})
	})
	if err != nil {
		return rep, fmt.Errorf("spool: check: %w", err)
	}
	rep.Verdict = VerdictOK
	if len(rep.BadRecords)+len(rep.BadBytes)+len(rep.MissingBytes) > 0 {
		rep.Verdict = VerdictRecords
	}
	return rep, nil
}
