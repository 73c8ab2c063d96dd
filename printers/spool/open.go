package spool

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Options tune OpenWith.
type Options struct {
	// Fresh lets a spool begin empty where one existed before (its marker
	// is there, the file is missing or empty): the jobs and keys it held
	// are gone, so a client's retry may print again. A damaged file is
	// never replaced: move it aside first (see docs/spool.md).
	Fresh bool
	// FreshHint is how the program's user asks for Fresh, named in the
	// ErrMissing advice (receiptd: "receiptd -fresh"); default
	// "Options.Fresh".
	FreshHint string
	// Logger hears what the opening found and set right by itself: a
	// meta page bbolt does without, records quarantined. Default: none.
	Logger *slog.Logger
}

var (
	// ErrDamaged reports a spool file that cannot be read safely. Nothing
	// was changed; see FileError for the path and what to do.
	ErrDamaged = errors.New("spool: file damaged")
	// ErrMissing reports a spool file missing or empty where a spool was
	// before (its marker says so).
	ErrMissing = errors.New("spool: file missing")
	// ErrInUse reports a spool another process holds open.
	ErrInUse = errors.New("spool: in use")
)

// FileError is a spool file that cannot be opened as it is: Err is
// ErrDamaged or ErrMissing.
type FileError struct {
	Path    string
	Problem string // what is wrong
	Advice  string // what to do
	Err     error
}

func (e *FileError) Error() string {
	return e.Err.Error() + ": " + e.Path + ": " + e.Problem + ". " + e.Advice
}

func (e *FileError) Unwrap() error { return e.Err }

func damaged(path, problem string) error {
	return &FileError{Path: path, Problem: problem, Err: ErrDamaged,
		Advice: "Nothing was changed. Stop here and keep the file: run the spool check on it, then restore the last backup, " +
			"or move the file aside and start afresh (docs/spool.md, \"Repair\")"}
}

// markerPath is the file beside the spool that says a spool was created
// there: a spool file missing or empty next to it was lost, not new.
func markerPath(path string) string { return path + ".marker" }

// OpenWith opens (creating) the spool file at path. The file is checked
// before bbolt reads it: a damaged one is an error (ErrDamaged, see
// FileError), never a crash. A missing or empty file where a spool was
// before is ErrMissing unless opt.Fresh. Jobs found "printing" were cut
// off by a crash mid-send and become "unknown"; job records that cannot be
// read are set aside (Quarantined) and the others go on.
func OpenWith(path string, opt Options) (s *Spool, err error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) || (err == nil && st.Size() == 0):
		if _, merr := os.Stat(markerPath(path)); merr == nil && !opt.Fresh {
			what := "missing"
			if err == nil {
				what = "empty"
			}
			return nil, &FileError{Path: path, Err: ErrMissing,
				Problem: "the file is " + what + " but " + filepath.Base(markerPath(path)) + " says a spool was here: its queued jobs and idempotency keys would be lost, and a client's retry could print twice",
				Advice:  "Restore the spool from a backup, or start afresh on purpose (" + cmp.Or(opt.FreshHint, "Options.Fresh") + "; docs/spool.md)"}
		}
	case err != nil:
		return nil, fmt.Errorf("spool: %w", err)
	default:
		notes, lost, err := verifyFile(path)
		var d *fileDamage
		if errors.As(err, &d) {
			return nil, damaged(path, d.problem)
		}
		if err != nil {
			return nil, fmt.Errorf("spool: check %s: %w", path, err)
		}
		for _, n := range notes { // bbolt does without it; the next commit rewrites it
			log.Warn("spool: "+n, "path", path)
		}
		if lost {
			// The next commit rewrites the page: the warning is kept in a
			// file until a person acknowledges it by removing the file.
			if err := writeLostCommit(path, strings.Join(notes, "; ")); err != nil {
				return nil, fmt.Errorf("spool: %w", err)
			}
			log.Warn("spool: jobs accepted in the last commit may be missing; acknowledge by removing "+LostCommitFile(path)+" (docs/spool.md)", "path", path)
		}
	}
	// The check above makes bbolt safe on this file; should it still
	// panic (in this goroutine), the file is damaged, not the process.
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, damaged(path, fmt.Sprint("bbolt: ", r))
		}
	}()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, InitialMmapSize: 64 << 20, NoFreelistSync: true})
	if errors.Is(err, berrors.ErrTimeout) {
		// bbolt's flock: another process has the file open for writing.
		return nil, fmt.Errorf("%w: %s is held by another process, most likely another receiptd on the same data dir: stop it, or give this one its own -data-dir", ErrInUse, path)
	}
	if err != nil {
		return nil, fmt.Errorf("spool: %s: %w", path, err)
	}
	s = &Spool{db: db, now: time.Now, changed: make(chan struct{}), desks: map[string]*desk{}, health: map[string]*Health{},
		writes: make(chan writeReq), quit: make(chan struct{}), stopped: make(chan struct{}), swept: make(chan struct{}), log: log}
	var bad []badRecord
	if err := db.Update(func(tx *bolt.Tx) error { var err error; bad, err = s.load(tx); return err }); err != nil {
		db.Close()
		return nil, fmt.Errorf("spool: %s: %w", path, err)
	}
	for _, r := range bad {
		log.Error("spool: damaged job record set aside (quarantined); the other jobs go on", "path", path, "key", string(r.key), "reason", r.why)
	}
	if err := writeMarker(path); err != nil {
		db.Close()
		return nil, fmt.Errorf("spool: %w", err)
	}
	go s.commitLoop()
	go s.sweepLoop()
	return s, nil
}

// writeMarker puts the marker beside the spool, durably, once.
func writeMarker(path string) error {
	m := markerPath(path)
	f, err := os.OpenFile(m, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = f.WriteString("A receiptd spool lives beside this file (" + filepath.Base(path) + "), created " +
		time.Now().UTC().Format(time.RFC3339) + ".\nShould it be missing or empty, receiptd refuses to start: see docs/spool.md.\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(m)
		return err
	}
	if d, err := os.Open(filepath.Dir(m)); err == nil {
		err = d.Sync()
		d.Close()
		return err
	}
	return nil
}

// load readies a spool just opened, in one transaction: buckets,
// migrations, counts, quarantine of unreadable records, and the jobs cut
// off mid-print.
func (s *Spool) load(tx *bolt.Tx) ([]badRecord, error) {
	for _, b := range [][]byte{bucketJobs, bucketBytes, bucketKeys, bucketClientKeys, bucketQueue, bucketCopyKeys, bucketMeta,
		bucketByPrinter, bucketByState, bucketByPrinterState, bucketSums, bucketQuarantine, bucketNotAfter, bucketReports} {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return nil, err
		}
	}
	if err := migrate(tx); err != nil {
		return nil, err
	}
	// The counts are recounted at every start: a spool written before
	// they existed gets them too.
	if tx.Bucket(bucketCounts) != nil {
		if err := tx.DeleteBucket(bucketCounts); err != nil {
			return nil, err
		}
	}
	if _, err := tx.CreateBucket(bucketCounts); err != nil {
		return nil, err
	}
	var cut []Job
	var bad []badRecord
	err := tx.Bucket(bucketJobs).ForEach(func(k, v []byte) error {
		j, err := parseRecord(k, v)
		if err != nil {
			bad = append(bad, badRecord{key: append([]byte(nil), k...), why: err.Error()})
			return nil
		}
		if j.State == Printing {
			cut = append(cut, j)
		}
		return count(tx, j.Printer, j.State, 1)
	})
	if err != nil {
		return nil, err
	}
	if err := s.quarantine(tx, bad); err != nil {
		return nil, err
	}
	for _, j := range cut {
		j.State, j.Reason, j.UpdatedAt = Unknown, "interrupted while printing: check the paper, then reprint or dismiss", s.now()
		if err := s.putJob(tx, Printing, j); err != nil {
			return nil, err
		}
	}
	return bad, nil
}
