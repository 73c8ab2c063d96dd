//go:build linux

package spool

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/secuprint/receipt/printers"
)

// smallDisk mounts a tmpfs of size bytes, or skips when it cannot (not
// root, no mount namespace).
func smallDisk(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+strconv.Itoa(size)); err != nil {
		t.Skipf("no tmpfs to fill: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// fill writes a file until the disk is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			require.ErrorIs(t, err, syscall.ENOSPC)
			return
		}
	}
}

// stampPrinter prints everything and notes when.
type stampPrinter struct {
	mu    sync.Mutex
	jobs  []string
	times []time.Time
}

func (p *stampPrinter) Name() string { return "stamp" }
func (p *stampPrinter) Print(_ context.Context, job []byte) printers.Result {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.jobs = append(p.jobs, string(job[:10]))
	p.times = append(p.times, time.Now())
	return printers.Result{Outcome: printers.OutcomePrinted, Sent: len(job)}
}
func (p *stampPrinter) Status(context.Context) (printers.Status, error) {
	return printers.Status{Online: true}, nil
}
func (p *stampPrinter) Close() error { return nil }

// The day: the data dir's disk fills while jobs wait for their
// printer; the printer comes back, the worker meets the full disk and
// keeps trying; space comes back and every job prints, once.
func TestFullDiskThenRoom(t *testing.T) {
	dir := smallDisk(t, 4<<20)
	s, err := OpenWith(filepath.Join(dir, "spool.db"), Options{})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })

	var down atomic.Bool
	down.Store(true)
	p := &stampPrinter{}
	var f faults
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- s.Run(ctx, "p", func(context.Context) (printers.Printer, error) {
			if down.Load() {
				return nil, errors.New("printer offline")
			}
			return p, nil
		}, WorkerOptions{OnFault: f.on}) // the service's defaults: the resume time is real
	}()
	t.Cleanup(func() { cancel(); <-done })

	job := func(i int) []byte {
		b := make([]byte, 16<<10)
		copy(b, "job "+strconv.Itoa(1000+i))
		return b
	}
	var ids []string
	for i := range 40 {
		j, _, err := s.Enqueue("p", strconv.Itoa(i), "", job(i), nil)
		require.NoError(t, err)
		ids = append(ids, j.ID)
	}
	// A reader holds the pages it sees (an online backup, a long list):
	// no page freed from now on is reused, so every change needs room.
	backup, err := s.db.Begin(false)
	require.NoError(t, err)
	var ended sync.Once
	endBackup := func() { ended.Do(func() { require.NoError(t, backup.Rollback()) }) }
	t.Cleanup(endBackup) // before the spool closes: Close waits for readers
	filler := filepath.Join(dir, "filler")
	fill(t, filler)
	// The pages the spool had free still take changes: growing it by a
	// little at a time uses them up.
	for i := 0; ; i++ {
		require.Less(t, i, 100000, "the full disk took every change")
		err := s.write(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("test-drain"))
			if err != nil {
				return err
			}
			return b.Put([]byte(strconv.Itoa(1e6+i)), make([]byte, 512))
		})
		if err != nil {
			require.ErrorIs(t, err, syscall.ENOSPC)
			break
		}
	}
	before := f.n.Load()
	down.Store(false) // the printer is back; the disk is still full
	require.Eventually(t, func() bool { return s.Health("p").Err != "" && f.n.Load() > before+3 }, 10*time.Second, time.Millisecond,
		"the worker meets the full disk and keeps trying")
	p.mu.Lock()
	whileFull := len(p.jobs)
	p.mu.Unlock()
	// Accepting more fails loudly while the disk is full.
	var refused int
	for i := 40; i < 50; i++ {
		if _, _, err := s.Enqueue("p", strconv.Itoa(i), "", job(i), nil); err != nil {
			refused++
		}
	}
	assert.Positive(t, refused, "a full disk refuses new jobs")
	h := s.Health("p")
	assert.Contains(t, h.Err, "no space left on device")

	require.NoError(t, os.Remove(filler))
	endBackup()
	room := time.Now()
	for _, id := range ids {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		got, err := s.Wait(ctx, id)
		cancel()
		require.NoError(t, err)
		assert.Equal(t, Printed, got.State, got.Reason)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := map[string]int{}
	for _, j := range p.jobs {
		seen[j]++
	}
	for j, n := range seen {
		assert.Equal(t, 1, n, "%s printed once", j)
	}
	require.Len(t, seen, len(ids))
	require.Len(t, p.jobs, len(ids))
	var first time.Time
	for _, at := range p.times {
		if at.After(room) {
			first = at
			break
		}
	}
	t.Logf("refused while full: %d enqueues; printed while full: %d; faults while full: %d; health then: %q since %s",
		refused, whileFull, f.n.Load()-before, h.Err, h.Since.Format(time.RFC3339Nano))
	t.Logf("space back: first print after %v, all %d printed after %v", first.Sub(room), len(ids), p.times[len(p.times)-1].Sub(room))
	assert.Empty(t, s.Health("p").Err)
}
