package spool

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
)

// A job past its NotAfter never prints: stored failed when it comes too
// late, failed by the worker when it waited too long in the queue; its key
// still names it, and a job without NotAfter prints as ever.
func TestNotAfterFailsExpiredJobs(t *testing.T) {
	s, _ := open(t)
	late, _, err := s.EnqueueJob("p", "late", Job{Source: SourceFleet, NotAfter: time.Now().Add(-time.Second)}, []byte("late"))
	require.NoError(t, err)
	assert.Equal(t, Failed, late.State)
	assert.Equal(t, ReasonExpired, late.Reason)
	waited, _, err := s.EnqueueJob("p", "waited", Job{Source: SourceFleet, NotAfter: time.Now().Add(50 * time.Millisecond)}, []byte("waited"))
	require.NoError(t, err)
	assert.Equal(t, Queued, waited.State, "no worker yet: it waits in the queue")
	ok, _, err := s.EnqueueJob("p", "ok", Job{Source: SourceFleet}, []byte("ok"))
	require.NoError(t, err)
	time.Sleep(100 * time.Millisecond)

	p := &hookPrinter{}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Run(ctx, "p", func(context.Context) (printers.Printer, error) { return p, nil }, WorkerOptions{})
	}()
	wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, c := range []struct {
		id     string
		state  State
		reason string
	}{{late.ID, Failed, ReasonExpired}, {waited.ID, Failed, ReasonExpired}, {ok.ID, Printed, ""}} {
		j, err := s.Wait(wctx, c.id)
		require.NoError(t, err)
		assert.Equal(t, c.state, j.State, c.id)
		assert.Equal(t, c.reason, j.Reason, c.id)
		if c.state == Failed {
			assert.Zero(t, j.Sent, c.id)
		}
	}
	stop()
	<-done
	assert.Equal(t, []string{"ok"}, p.printed(), "nothing past its deadline was sent")

	got, err := s.KeyJob("p", "waited")
	require.NoError(t, err)
	assert.Equal(t, waited.ID, got.ID)
	_, err = s.KeyJob("other", "waited")
	assert.ErrorIs(t, err, ErrNotFound, "keys are per printer")
	again, existing, err := s.EnqueueJob("p", "late", Job{Source: SourceFleet}, []byte("late"))
	require.NoError(t, err)
	assert.True(t, existing)
	assert.Equal(t, late.ID, again.ID)
	assert.Equal(t, Failed, again.State, "a fleet job redelivered is not tried again: the hub's next attempt has its own id")
}
