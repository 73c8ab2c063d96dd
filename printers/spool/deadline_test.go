package spool

import (
	"context"
	"encoding/binary"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	bolt "go.etcd.io/bbolt"
)

// asSchema marks s as a spool of schema version v (migrations after it
// run at the next open).
func asSchema(t *testing.T, s *Spool, v uint64) {
	t.Helper()
	require.NoError(t, s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(schemaKey, binary.BigEndian.AppendUint64(nil, v))
	}))
}

// Queued jobs past their NotAfter fail expired within about a second
// while their printer cannot be opened (the worker never gets to check
// them): those behind the first too, nothing sent; a job without
// NotAfter, or with one still ahead, stays queued.
func TestExpiredWhilePrinterUnreachable(t *testing.T) {
	s, _ := open(t)
	soon := time.Now().Add(300 * time.Millisecond)
	var due []Job
	for _, k := range []string{"a", "b", "c"} {
		j, _, err := s.EnqueueJob("p", k, Job{Source: SourceFleet, NotAfter: soon}, []byte(k))
		require.NoError(t, err)
		due = append(due, j)
	}
	later, _, err := s.EnqueueJob("p", "later", Job{Source: SourceFleet, NotAfter: time.Now().Add(time.Hour)}, []byte("later"))
	require.NoError(t, err)
	plain, _, err := s.Enqueue("p", "plain", "", []byte("plain"), nil)
	require.NoError(t, err)

	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Run(ctx, "p", func(context.Context) (printers.Printer, error) {
			return nil, errors.New("connection refused")
		}, WorkerOptions{Backoff: time.Hour})
	}()
	defer func() { stop(); <-done }()
	wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, j := range due {
		got, err := s.Wait(wctx, j.ID)
		require.NoError(t, err)
		assert.Equal(t, Failed, got.State, j.Key)
		assert.Equal(t, ReasonExpired, got.Reason, j.Key)
		assert.Zero(t, got.Sent)
		assert.Less(t, got.UpdatedAt.Sub(soon), 2*sweepEvery, "failed promptly")
	}
	for _, id := range []string{later.ID, plain.ID} {
		got, err := s.Get(id)
		require.NoError(t, err)
		assert.Equal(t, Queued, got.State, id)
	}
	n, err := s.ExpireQueued()
	require.NoError(t, err)
	assert.Zero(t, n, "nothing more is due")
}

// A job the worker holds is the worker's: one printing past its NotAfter
// (the printer slow) is not failed under it, it prints.
func TestExpiryLeavesThePrintingJob(t *testing.T) {
	s, _ := open(t)
	var once sync.Once
	inPrint, release := make(chan struct{}), make(chan struct{})
	p := &hookPrinter{before: func() { once.Do(func() { close(inPrint); <-release }) }}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Run(ctx, "p", func(context.Context) (printers.Printer, error) { return p, nil }, WorkerOptions{})
	}()
	defer func() { stop(); <-done }()
	j, _, err := s.EnqueueJob("p", "slow", Job{Source: SourceFleet, NotAfter: time.Now().Add(200 * time.Millisecond)}, []byte("slow"))
	require.NoError(t, err)
	<-inPrint
	time.Sleep(300 * time.Millisecond)
	n, err := s.ExpireQueued()
	require.NoError(t, err)
	assert.Zero(t, n)
	close(release)
	wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := s.Wait(wctx, j.ID)
	require.NoError(t, err)
	assert.Equal(t, Printed, got.State)
	assert.Equal(t, []string{"slow"}, p.printed())
}

// A spool from before the NotAfter index gets its queued jobs indexed
// when it opens: they expire too.
func TestNotAfterIndexMigrated(t *testing.T) {
	s, path := open(t)
	j, _, err := s.EnqueueJob("p", "old", Job{Source: SourceFleet, NotAfter: time.Now().Add(100 * time.Millisecond)}, []byte("old"))
	require.NoError(t, err)
	require.NoError(t, s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketNotAfter) }))
	asSchema(t, s, 4)
	require.NoError(t, s.Close())
	time.Sleep(150 * time.Millisecond)
	s, err = Open(path)
	require.NoError(t, err)
	defer s.Close()
	n, err := s.ExpireQueued()
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	got, err := s.Get(j.ID)
	require.NoError(t, err)
	assert.Equal(t, Failed, got.State)
	assert.Equal(t, ReasonExpired, got.Reason)
}

// A NotAfter moved while the job waits (a fleet copy given the hub's
// deadline) counts from then on: moved earlier, the job expires at the
// new time; moved later, not at the old one.
func TestNotAfterMovedWhileQueued(t *testing.T) {
	s, _ := open(t)
	move := func(id string, to time.Time) {
		t.Helper()
		_, err := s.update(id, func(j *Job) error { j.NotAfter = to; return nil })
		require.NoError(t, err)
	}
	earlier, _, err := s.EnqueueJob("p", "earlier", Job{Source: SourceFleet, NotAfter: time.Now().Add(time.Hour)}, []byte("a"))
	require.NoError(t, err)
	move(earlier.ID, time.Now().Add(100*time.Millisecond))
	later, _, err := s.EnqueueJob("p", "later", Job{Source: SourceFleet, NotAfter: time.Now().Add(100 * time.Millisecond)}, []byte("b"))
	require.NoError(t, err)
	move(later.ID, time.Now().Add(time.Hour))
	time.Sleep(150 * time.Millisecond)
	n, err := s.ExpireQueued()
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	for id, want := range map[string]State{earlier.ID: Failed, later.ID: Queued} {
		j, err := s.Get(id)
		require.NoError(t, err)
		assert.Equal(t, want, j.State, id)
	}
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		// later's new entry, and earlier's old one (in an hour: the sweep
		// drops it when it gets there); later's old one is gone.
		assert.Equal(t, 2, tx.Bucket(bucketNotAfter).Stats().KeyN)
		return nil
	}))
}
