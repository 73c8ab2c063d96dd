package spool

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
)

// states are the events' (id, state) pairs.
func states(evs []Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.ID+" "+string(e.State))
	}
	return out
}

// The feed names each committed state change in order — a new job, a
// cancel, the worker's printing and printed, a prune — and nothing of a
// change that failed; a reader too far behind is told so.
func TestEventsFeed(t *testing.T) {
	s, _ := open(t)
	assert.Zero(t, s.EventSeq())
	evs, complete := s.Events(0, 0)
	assert.True(t, complete)
	assert.Empty(t, evs)

	a, _, err := s.EnqueueJob("p", "a", Job{Source: SourceFleet}, []byte("a"))
	require.NoError(t, err)
	b, _, err := s.EnqueueJob("p", "b", Job{Source: SourceFleet}, []byte("b"))
	require.NoError(t, err)
	_, _, err = s.EnqueueJob("p", "a", Job{Source: SourceFleet}, []byte("a"))
	require.NoError(t, err) // the same job: no change
	_, err = s.Cancel(b.ID)
	require.NoError(t, err)
	broken := errors.New("disk full")
	s.failCommit.Store(&broken)
	_, _, err = s.EnqueueJob("p", "c", Job{Source: SourceFleet}, []byte("c"))
	require.ErrorIs(t, err, broken)
	s.failCommit.Store(nil)

	changed := s.Changed()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Run(ctx, "p", func(context.Context) (printers.Printer, error) { return &hookPrinter{}, nil }, WorkerOptions{})
	}()
	wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = s.Wait(wctx, a.ID)
	require.NoError(t, err)
	stop()
	<-done
	select {
	case <-changed:
	default:
		t.Fatal("Changed not closed by the worker's changes")
	}
	n, err := s.Prune(time.Now().Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, 2, n)

	evs, complete = s.Events(0, 0)
	require.True(t, complete)
	assert.Equal(t, []string{
		a.ID + " queued", b.ID + " queued", b.ID + " cancelled",
		a.ID + " printing", a.ID + " printed",
		a.ID + " ", b.ID + " ",
	}, states(evs))
	for i, e := range evs {
		assert.Equal(t, uint64(i+1), e.Seq)
		assert.Equal(t, SourceFleet, e.Source)
		assert.Equal(t, "p", e.Printer)
	}
	assert.Equal(t, "a", evs[0].Key)
	assert.Equal(t, uint64(len(evs)), s.EventSeq())
	some, complete := s.Events(2, 2)
	assert.True(t, complete)
	assert.Equal(t, evs[2:4], some)
	_, complete = s.Events(s.EventSeq()+1, 0)
	assert.False(t, complete, "a Seq from another Open")

	// More changes than the feed keeps: a reader at 0 missed some, one
	// within the last feedSize did not.
	last := s.EventSeq()
	var wg sync.WaitGroup
	for w := range 64 { // together, so that they share commits
		wg.Go(func() {
			for i := w; i < feedSize; i += 64 {
				_, _, err := s.Enqueue("q", fmt.Sprint("k", i), "", []byte("x"), nil)
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	_, complete = s.Events(0, 0)
	assert.False(t, complete)
	evs, complete = s.Events(last, 0)
	assert.True(t, complete)
	assert.Len(t, evs, feedSize)
	assert.Equal(t, last+1, evs[0].Seq)
}
