package spool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/secuprint/receipt/printers"
)

// sample is a closed spool as a day leaves it: jobs in every state, some
// with big bytes (overflow pages), copies, keys. It returns the file's
// pages in use (what bbolt reads; the rest of the file is room to grow).
func sample(t testing.TB, n int) []byte {
	t.Helper()
	s, path := open(t)
	all := history(t, s, n)
	for i := range n / 60 { // overflow pages too
		_, _, err := s.Enqueue("a", "big-"+strconv.Itoa(i), "", bytes.Repeat([]byte{'B', byte(i)}, 6000), nil)
		require.NoError(t, err)
	}
	_, err := s.Reprint(all[0].ID, "ecr-1", []byte("COPY|"))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	m, err := readMeta(b)
	require.NoError(t, err)
	return b[:int64(m.pgid)*int64(m.pageSize)]
}

// corruption is one damaged copy of a spool file.
type corruption struct {
	name string
	file []byte
}

// corruptions are the ways a spool file is found damaged: cut short at
// many offsets, bytes flipped in each kind of page (header, elements,
// data), pages zeroed.
func corruptions(t *testing.T, base []byte) []corruption {
	m, err := readMeta(base)
	require.NoError(t, err)
	ps := int(m.pageSize)
	var out []corruption
	add := func(name string, edit func([]byte) []byte) {
		out = append(out, corruption{name, edit(bytes.Clone(base))})
	}
	for _, n := range []int{1, 15, 80, 1000, ps - 1, ps, ps + 80, 2*ps - 1, 2 * ps, 3 * ps, len(base) / 2, len(base) - ps, len(base) - 1} {
		add(fmt.Sprintf("cut at %d", n), func(b []byte) []byte { return b[:n] })
	}
	for off := 4 * ps; off < len(base); off += len(base) / 17 {
		add(fmt.Sprintf("cut at %d", off), func(b []byte) []byte { return b[:off] })
	}
	kinds := map[uint16]string{branchFlag: "branch", leafFlag: "leaf", metaFlag: "meta", freelistFlag: "freelist"}
	leaves := 0
	for id := 0; id*ps < len(base); id++ {
		p := id * ps
		kind, ok := kinds[le.Uint16(base[p+8:])]
		if !ok || le.Uint64(base[p:]) != uint64(id) {
			continue // overflow or free page
		}
		if kind == "leaf" {
			if leaves++; leaves%3 != 1 {
				continue // a sample of the leaves: they are alike
			}
		}
		for _, at := range []int{0, 8, 10, 12, 16, 19, 20, 24, 28, 40, 56, 60, ps / 2, ps - 1} {
			add(fmt.Sprintf("%s page %d: byte %d flipped", kind, id, at), func(b []byte) []byte { b[p+at] ^= 0xA5; return b })
		}
		add(fmt.Sprintf("%s page %d zeroed", kind, id), func(b []byte) []byte { clear(b[p : p+ps]); return b })
		if kind == "leaf" && le.Uint16(base[p+10:]) > 0 {
			// Inside a stored value: a job record, its bytes, a key's id.
			pos, ksize, vsize := int(le.Uint32(base[p+20:])), int(le.Uint32(base[p+24:])), int(le.Uint32(base[p+28:]))
			if at := p + 16 + pos + ksize + vsize/2; vsize > 0 && at < p+ps {
				add(fmt.Sprintf("leaf page %d: value byte flipped", id), func(b []byte) []byte { b[at] ^= 0x5A; return b })
			}
		}
	}
	return out
}

// A damaged spool is a clear error, never a crash: every corrupted copy
// either fails to open with ErrDamaged (and Check says so), or opens and
// is readable and writable throughout, its unreadable records set aside.
func TestDamagedSpoolFailsLoudly(t *testing.T) {
	base := sample(t, 300)
	cases := corruptions(t, base)
	if testing.Short() {
		var some []corruption
		for i := 0; i < len(cases); i += 5 {
			some = append(some, cases[i])
		}
		cases = some
	}
	var refused, opened, quarantined, badBytes int
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "spool.db")
			require.NoError(t, os.WriteFile(path, c.file, 0o600))
			require.NoError(t, os.WriteFile(markerPath(path), []byte("x"), 0o600))
			rep, err := Check(path)
			require.NoError(t, err)
			s, err := OpenWith(path, Options{})
			if err != nil {
				refused++
				assert.ErrorIs(t, err, ErrDamaged)
				assert.Contains(t, err.Error(), path)
				assert.Contains(t, err.Error(), "docs/spool.md")
				assert.Equal(t, VerdictDamaged, rep.Verdict, "Check agrees: %v", err)
				after, err := os.ReadFile(path)
				require.NoError(t, err)
				assert.Equal(t, c.file, after, "nothing was changed")
				return
			}
			defer s.Close()
			opened++
			assert.NotEqual(t, VerdictDamaged, rep.Verdict, rep.Problem)
			q, err := s.Quarantined()
			require.NoError(t, err)
			quarantined += len(q)
			// Everything left reads and prints or fails cleanly.
			var jobs []Job
			for q := (ListQuery{Limit: MaxPageLimit}); ; {
				page, next, err := s.ListPage(q)
				require.NoError(t, err)
				jobs = append(jobs, page...)
				if next == "" {
					break
				}
				q.Before = next
			}
			for _, j := range jobs {
				_, err := s.Get(j.ID)
				require.NoError(t, err)
				if _, err := s.Bytes(j.ID); errors.Is(err, ErrBadBytes) {
					badBytes++
				}
			}
			_, _, err = s.Enqueue("a", "after", "", []byte("after"), nil)
			require.NoError(t, err)
			_, err = s.Counts()
			require.NoError(t, err)
		})
	}
	t.Logf("%d corrupted copies: %d refused with ErrDamaged, %d opened (%d records quarantined, %d jobs with bad bytes)",
		len(cases), refused, opened, quarantined, badBytes)
	if !testing.Short() {
		assert.Greater(t, len(cases), 300)
	}
}

func TestMissingSpoolRefusesToStart(t *testing.T) {
	for _, how := range []string{"removed", "emptied"} {
		t.Run(how, func(t *testing.T) {
			s, path := open(t)
			_, _, err := s.Enqueue("p", "k", "", []byte("job"), nil)
			require.NoError(t, err)
			require.NoError(t, s.Close())
			if how == "removed" {
				require.NoError(t, os.Remove(path))
			} else {
				require.NoError(t, os.Truncate(path, 0))
			}
			_, err = OpenWith(path, Options{})
			require.ErrorIs(t, err, ErrMissing)
			var fe *FileError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, path, fe.Path)
			assert.Contains(t, err.Error(), "print twice")
			rep, err := Check(path)
			require.NoError(t, err)
			assert.Equal(t, VerdictMissing, rep.Verdict)
			assert.True(t, rep.Marker)

			s2, err := OpenWith(path, Options{Fresh: true})
			require.NoError(t, err, "begun afresh on purpose")
			jobs, err := s2.List("", "", 0)
			require.NoError(t, err)
			assert.Empty(t, jobs)
			require.NoError(t, s2.Close())
			s3, err := Open(path)
			require.NoError(t, err, "the fresh spool is the spool now")
			require.NoError(t, s3.Close())
		})
	}
	// A new spool (no marker) starts without being told.
	path := filepath.Join(t.TempDir(), "spool.db")
	s, err := Open(path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	_, err = os.Stat(markerPath(path))
	assert.NoError(t, err, "the marker is written at the first open")
}

// putRaw overwrites a stored value behind the spool's back: the damage a
// test needs.
func putRaw(t *testing.T, s *Spool, bucket []byte, key string, v []byte) {
	t.Helper()
	require.NoError(t, s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put([]byte(key), v) }))
}

// One bad record blocks nothing: it is set aside (at the start, or when
// the worker meets it), listed, and its key kept; the others print.
func TestBadRecordIsQuarantined(t *testing.T) {
	s, path := open(t)
	var ids []string
	for i := range 6 {
		j, _, err := s.Enqueue("p", "k"+strconv.Itoa(i), "", []byte("job "+strconv.Itoa(i)), nil)
		require.NoError(t, err)
		ids = append(ids, j.ID)
	}
	putRaw(t, s, bucketJobs, ids[0], []byte(`{"id": "j10000`))                                         // cut short
	putRaw(t, s, bucketJobs, ids[1], []byte(`{"id":"j1000000000099","printer":"p","state":"queued"}`)) // another's
	require.NoError(t, s.Close())

	var logged bytes.Buffer
	s, err := OpenWith(path, Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	assert.Equal(t, 2, strings.Count(logged.String(), "quarantined"), "reported: %s", logged.String())
	q, err := s.Quarantined()
	require.NoError(t, err)
	require.Len(t, q, 2)
	assert.Equal(t, ids[0], q[0].ID)
	assert.Contains(t, q[0].Reason, "unreadable job record")
	assert.Equal(t, []byte("job 0"), q[0].Bytes, "kept for a person to see")
	assert.Contains(t, q[1].Reason, "stored under")
	_, _, err = s.Enqueue("p", "k0", "", []byte("job 0"), nil)
	assert.ErrorIs(t, err, ErrQuarantined, "a retry does not print it again unseen")
	counts, err := s.Counts()
	require.NoError(t, err)
	assert.Equal(t, map[State]int{Queued: 4}, counts["p"])

	// Damaged while running: the worker sets it aside and goes on.
	putRaw(t, s, bucketJobs, ids[2], []byte("\x00garbage"))
	p := &script{}
	runWorker(t, s, p, WorkerOptions{Backoff: time.Millisecond})
	for _, id := range ids[3:] {
		assert.Equal(t, Printed, waitFinal(t, s, id).State)
	}
	q, err = s.Quarantined()
	require.NoError(t, err)
	assert.Len(t, q, 3)
	p.mu.Lock()
	defer p.mu.Unlock()
	assert.Len(t, p.jobs, 3, "only the readable jobs printed")
}

// Stored bytes carry a checksum: a byte flipped in the file fails the
// job with that reason and nothing reaches the printer.
func TestFlippedJobBytesAreNotSent(t *testing.T) {
	s, path := open(t)
	payload := []byte("\x1b@RECEIPT-MARKER-0123456789 total 12.50\x1dV\x00")
	j, _, err := s.Enqueue("p", "k", "", payload, nil)
	require.NoError(t, err)
	ok, _, err := s.Enqueue("p", "k2", "", []byte("fine"), nil)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	file, err := os.ReadFile(path)
	require.NoError(t, err)
	// One bit inside the job's bytes (in every copy of the page: the
	// spool keeps the one before the last commit too).
	n := 0
	for at := 0; ; n++ {
		i := bytes.Index(file[at:], []byte("RECEIPT-MARKER"))
		if i < 0 {
			break
		}
		file[at+i+3] ^= 0x01
		at += i + 1
	}
	require.Positive(t, n)
	require.NoError(t, os.WriteFile(path, file, 0o600))
	rep, err := Check(path)
	require.NoError(t, err)
	assert.Equal(t, VerdictRecords, rep.Verdict)
	assert.Equal(t, []string{j.ID}, rep.BadBytes)

	s, err = Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	_, err = s.Bytes(j.ID)
	assert.ErrorIs(t, err, ErrBadBytes)
	_, err = s.Reprint(j.ID, "r", []byte("COPY|"))
	assert.ErrorIs(t, err, ErrBadBytes, "nor is it reprinted")
	p := &script{}
	runWorker(t, s, p, WorkerOptions{})
	got := waitFinal(t, s, j.ID)
	assert.Equal(t, Failed, got.State)
	assert.Contains(t, got.Reason, "checksum")
	assert.Equal(t, Printed, waitFinal(t, s, ok.ID).State)
	p.mu.Lock()
	defer p.mu.Unlock()
	assert.Equal(t, [][]byte{[]byte("fine")}, p.jobs, "nothing of the damaged job printed")
}

// Bytes stored before checksums get one at the upgrade, and are checked
// from then on.
func TestLegacyBytesGetChecksums(t *testing.T) {
	s, path := open(t)
	j, _, err := s.Enqueue("p", "k", "", []byte("old job"), nil)
	require.NoError(t, err)
	require.NoError(t, s.db.Update(func(tx *bolt.Tx) error {
		require.NoError(t, tx.DeleteBucket(bucketSums))
		_, err := tx.CreateBucket(bucketSums)
		require.NoError(t, err)
		return tx.Bucket(bucketMeta).Put(schemaKey, []byte{0, 0, 0, 0, 0, 0, 0, 2})
	}))
	require.NoError(t, s.Close())
	s, err = Open(path)
	require.NoError(t, err)
	defer s.Close()
	b, err := s.Bytes(j.ID)
	require.NoError(t, err)
	assert.Equal(t, "old job", string(b))
	putRaw(t, s, bucketBytes, j.ID, []byte("old jab"))
	_, err = s.Bytes(j.ID)
	assert.ErrorIs(t, err, ErrBadBytes)
}

func TestCheckReport(t *testing.T) {
	s, path := open(t)
	history(t, s, 30)
	require.NoError(t, s.Close())
	rep, err := Check(path)
	require.NoError(t, err)
	assert.Equal(t, VerdictOK, rep.Verdict)
	assert.Equal(t, 30, rep.Jobs)
	assert.Equal(t, map[string]int{"a": 15, "b": 15}, rep.Printers)
	assert.Equal(t, map[State]int{Printed: 10, Failed: 4, Queued: 16}, rep.States)
	assert.Equal(t, uint64(len(migrations)), rep.Schema)
	assert.Contains(t, rep.String(), "30 jobs")

	s, err = Open(path)
	require.NoError(t, err)
	defer s.Close()
	_, err = Check(path)
	assert.ErrorContains(t, err, "in use", "a running spool is checked through a backup")
}

// An online backup is a spool of its own, with every job.
func TestBackup(t *testing.T) {
	s, _ := open(t)
	all := history(t, s, 100)
	var buf bytes.Buffer
	require.NoError(t, s.Backup(&buf))
	path := filepath.Join(t.TempDir(), "restored.db")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
	rep, err := Check(path)
	require.NoError(t, err)
	assert.Equal(t, VerdictOK, rep.Verdict)
	b, err := OpenWith(path, Options{})
	require.NoError(t, err)
	defer b.Close()
	jobs, err := b.List("", "", 0)
	require.NoError(t, err)
	assert.Len(t, jobs, len(all))
	_, _, err = b.Enqueue(all[7].Printer, all[7].Key, "", []byte("x"), nil)
	require.NoError(t, err)
	_, existing, err := b.Enqueue(all[7].Printer, all[7].Key, "", []byte("x"), nil)
	require.NoError(t, err)
	assert.True(t, existing, "the keys came along")
	_ = context.Background
	_ = printers.OutcomePrinted
}

// TestSecondOpenSaysInUse: a second receiptd on the same data dir is told
// another process holds the spool, not a bare "timeout".
func TestSecondOpenSaysInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = Open(path)
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("got %v, want ErrInUse", err)
	}
	if !strings.Contains(err.Error(), "another receiptd") {
		t.Errorf("the message says who holds it: %v", err)
	}
}
