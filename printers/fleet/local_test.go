package fleet

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/station"
	"github.com/secuprint/receipt/receipt"
)

// watchedLocal is StationLocal over a real spool and one station "front"
// (no worker: jobs stay queued), its Watch running until the test ends;
// got returns what it reported so far.
func watchedLocal(t testing.TB) (sp *spool.Spool, st *station.Station, l *StationLocal, got func() []Change) {
	t.Helper()
	sp, err := spool.Open(filepath.Join(t.TempDir(), "spool.db"))
	require.NoError(t, err)
	t.Cleanup(func() { sp.Close() })
	st, err = station.New(station.Config{Name: "front", Model: "TM-T88V"}, station.Options{Spool: sp})
	require.NoError(t, err)
	l = NewStationLocal(sp, []*station.Station{st})
	var mu sync.Mutex
	var changes []Change
	l.Attach(func(ch Change) { mu.Lock(); changes = append(changes, ch); mu.Unlock() })
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { l.Watch(ctx) })
	t.Cleanup(func() { stop(); wg.Wait() })
	return sp, st, l, func() []Change { mu.Lock(); defer mu.Unlock(); return slices.Clone(changes) }
}

// StationLocal over a real spool and station (no worker: jobs stay
// queued): the fleet id is the spool key, a redelivery is the same job,
// every change is reported under the fleet id, cancels find the job by
// key, a job past its deadline is stored failed and never queued.
func TestStationLocal(t *testing.T) {
	sp, st, l, got := watchedLocal(t)
	// reported waits until the watcher reported n changes in all.
	reported := func(n int) {
		t.Helper()
		require.Eventually(t, func() bool { return len(got()) >= n }, 5*time.Second, time.Millisecond)
	}
	tx, err := receipt.ParseTransaction([]byte(`{"id":"t1","receipt":[{"type":"textline","value":{"text":"hello"}}]}`))
	require.NoError(t, err)
	ctx := context.Background()
	job := Job{ID: "f0001", Site: "s1", Printer: "front", Deadline: time.Now().Add(time.Minute)}

	require.NoError(t, l.Submit(ctx, job, tx))
	reported(1)
	require.NoError(t, l.Submit(ctx, job, tx), "redelivered: the same job")
	assert.ErrorIs(t, l.Submit(ctx, Job{ID: "f0002", Printer: "back", Deadline: job.Deadline}, tx), ErrNoPrinter)
	late := Job{ID: "f0003", Printer: "front", Deadline: time.Now().Add(-time.Second)}
	require.NoError(t, l.Submit(ctx, late, tx))
	reported(2)

	j, err := sp.KeyJob("front", "f0001")
	require.NoError(t, err)
	assert.Equal(t, spool.SourceFleet, j.Source)
	assert.Equal(t, spool.Queued, j.State)
	assert.WithinDuration(t, job.Deadline, j.NotAfter, time.Millisecond)

	ok, err := l.Cancel(ctx, "f0001")
	require.NoError(t, err)
	assert.True(t, ok)
	reported(3)
	ok, err = l.Cancel(ctx, "f9999")
	require.NoError(t, err)
	assert.False(t, ok, "no such job")
	ok, err = l.Cancel(ctx, "f0003")
	require.NoError(t, err)
	assert.False(t, ok, "failed already")

	assert.Equal(t, []Change{
		{ID: "f0001", Printer: "front", State: Queued},
		{ID: "f0003", Printer: "front", State: Failed, Reason: ReasonExpired},
		{ID: "f0001", Printer: "front", State: Cancelled, Reason: ReasonCancelled},
	}, stateOnly(got()))

	all, err := NewStationLocal(sp, []*station.Station{st}).Jobs(ctx)
	require.NoError(t, err)
	assert.ElementsMatch(t, []Change{
		{ID: "f0001", Printer: "front", State: Cancelled, Reason: ReasonCancelled},
		{ID: "f0003", Printer: "front", State: Failed, Reason: ReasonExpired},
	}, stateOnly(all), "what a restarted site publishes again")
	ps := l.Printers()
	require.Len(t, ps, 1)
	assert.Equal(t, PrinterStatus{Name: "front", Status: "ok"}, ps[0])
}

// A watcher stuck in its report while more changes pass than the spool's
// feed keeps never holds up the spool, and misses no state: it reads the
// fleet jobs afresh and reports each.
func TestWatchFallsBehind(t *testing.T) {
	sp, err := spool.Open(filepath.Join(t.TempDir(), "spool.db"))
	require.NoError(t, err)
	t.Cleanup(func() { sp.Close() })
	l := NewStationLocal(sp, nil)
	stuck, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	got := map[string]State{}
	var once sync.Once
	l.Attach(func(ch Change) {
		once.Do(func() { close(stuck); <-release })
		mu.Lock()
		got[ch.ID] = ch.State
		mu.Unlock()
	})
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { l.Watch(ctx) })
	defer func() { stop(); wg.Wait() }()
	first, _, err := sp.EnqueueJob("p", "first", spool.Job{Source: spool.SourceFleet}, []byte("x"))
	require.NoError(t, err)
	<-stuck
	const n = 5000 // more than the feed keeps
	fillSpool(t, sp, n)
	_, err = sp.FailUnsent(first.ID, "gone")
	require.NoError(t, err)
	close(release)
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == n+1 }, 20*time.Second, 10*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, Failed, got["first"])
	assert.Equal(t, Queued, got["f0004999"])
}

// stateOnly is changes without their generation and deadline.
func stateOnly(chs []Change) []Change {
	out := make([]Change, len(chs))
	for i, ch := range chs {
		out[i] = Change{ID: ch.ID, Printer: ch.Printer, State: ch.State, Reason: ch.Reason}
	}
	return out
}
