package spool

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
)

func TestDecide(t *testing.T) {
	tests := []struct {
		decision Decision
		state    State
		reason   string
	}{
		{DecidedPrinted, Printed, "confirmed printed by a person"},
		{DecidedNotPrinted, Failed, "confirmed not printed by a person"},
		{DecidedRetry, Queued, "sent again: a person found it not printed"},
	}
	for _, tt := range tests {
		t.Run(string(tt.decision), func(t *testing.T) {
			s, _ := open(t)
			j, _, err := s.Enqueue("p", "k", "", []byte("job"), nil)
			require.NoError(t, err)
			_, err = s.Decide(j.ID, tt.decision)
			assert.ErrorIs(t, err, ErrNotUnknown, "a queued job needs no decision")
			s.finish(j.ID, Unknown, "interrupted while printing", 3)

			got, err := s.Decide(j.ID, tt.decision)
			require.NoError(t, err)
			assert.Equal(t, tt.state, got.State)
			assert.Equal(t, tt.reason, got.Reason)
			assert.Equal(t, tt.decision == DecidedRetry, !got.RetriedAt.IsZero())
			_, err = s.Decide(j.ID, tt.decision)
			assert.ErrorIs(t, err, ErrNotUnknown, "decided once")
			counts, err := s.Counts()
			require.NoError(t, err)
			assert.Equal(t, map[State]int{tt.state: 1}, counts["p"])
		})
	}
	s, _ := open(t)
	_, err := s.Decide("j1000000000001", "maybe")
	assert.ErrorIs(t, err, ErrBadDecision)
	_, err = s.Decide("j1000000000001", DecidedPrinted)
	assert.ErrorIs(t, err, ErrNotFound)
}

// A job sent again long after it was made gets the whole deadline to wait
// for its printer, from the moment it was sent again.
func TestRetriedJobWaitsFromItsRetry(t *testing.T) {
	s, _ := open(t)
	s.now = func() time.Time { return time.Now().Add(-time.Hour) }
	j, _, err := s.Enqueue("p", "k", "", []byte("job"), nil)
	require.NoError(t, err)
	s.finish(j.ID, Unknown, "interrupted while printing", 3)
	s.now = time.Now

	paperEnd := printers.Result{Outcome: printers.OutcomeFailed, Reason: printers.ReasonPaperEnd}
	p := &script{results: []printers.Result{paperEnd}}
	runWorker(t, s, p, WorkerOptions{Deadline: time.Minute, Backoff: time.Millisecond})
	_, err = s.Decide(j.ID, DecidedRetry)
	require.NoError(t, err)
	got := waitFinal(t, s, j.ID)
	assert.Equal(t, Printed, got.State, got.Reason)
	p.mu.Lock()
	defer p.mu.Unlock()
	assert.Len(t, p.jobs, 2, "paper end, then printed")
}
