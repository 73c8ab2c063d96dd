package spool

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A fleet job tried again, or sent again by a person's decision, gets the
// hub's fresh deadline in the same write that queues it; a refused retry
// or decision leaves the deadline as it was; a copy gets one only while
// it waits.
func TestFleetDeadlineOnRetryAndDecision(t *testing.T) {
	s, _ := open(t)
	old := time.Now().Add(-time.Minute).UTC().Truncate(time.Millisecond)
	fresh := time.Now().Add(15 * time.Minute).UTC().Truncate(time.Millisecond)

	j, _, err := s.EnqueueJob("p", "retried", Job{Source: SourceFleet, NotAfter: old}, []byte("a"))
	require.NoError(t, err)
	assert.Equal(t, Failed, j.State, "past its deadline when stored")
	_, _, err = s.RetryUntil(j.ID, 2, fresh)
	assert.ErrorIs(t, err, ErrNotFailed, "attempt 2 did not happen yet")
	got, existing, err := s.RetryUntil(j.ID, 1, fresh)
	require.NoError(t, err)
	assert.False(t, existing)
	assert.Equal(t, Queued, got.State)
	assert.Equal(t, 2, got.Attempt)
	assert.True(t, fresh.Equal(got.NotAfter), "%v", got.NotAfter)
	again, existing, err := s.RetryUntil(j.ID, 1, fresh.Add(time.Hour))
	require.NoError(t, err)
	assert.True(t, existing, "attempt 1 was tried again already")
	assert.True(t, fresh.Equal(again.NotAfter), "a replay moves no deadline: %v", again.NotAfter)

	u, _, err := s.EnqueueJob("p", "decided", Job{Source: SourceFleet, NotAfter: time.Now().Add(time.Minute)}, []byte("b"))
	require.NoError(t, err)
	_, err = s.DecideUntil(u.ID, DecidedRetry, fresh)
	assert.ErrorIs(t, err, ErrNotUnknown)
	s.finish(u.ID, Unknown, "interrupted while printing", 1)
	_, err = s.DecideUntil(u.ID, DecidedPrinted, fresh)
	require.NoError(t, err)
	got, err = s.Get(u.ID)
	require.NoError(t, err)
	assert.False(t, fresh.Equal(got.NotAfter), "only a retry decision sends it again with a new deadline")

	w, _, err := s.EnqueueJob("p", "decided-retry", Job{Source: SourceFleet, NotAfter: time.Now().Add(time.Minute)}, []byte("c"))
	require.NoError(t, err)
	s.finish(w.ID, Unknown, "interrupted while printing", 1)
	got, err = s.DecideUntil(w.ID, DecidedRetry, fresh)
	require.NoError(t, err)
	assert.Equal(t, Queued, got.State)
	assert.True(t, fresh.Equal(got.NotAfter))

	c, err := s.Reprint(w.ID, "copy", []byte("KOPIE"))
	require.NoError(t, err)
	got, err = s.SetNotAfter(c.ID, fresh)
	require.NoError(t, err)
	assert.True(t, fresh.Equal(got.NotAfter))
	s.finish(c.ID, Printed, "", 6)
	got, err = s.SetNotAfter(c.ID, fresh.Add(time.Hour))
	require.NoError(t, err)
	assert.True(t, fresh.Equal(got.NotAfter), "a printed job keeps its deadline")
	_, err = s.SetNotAfter("j9", fresh)
	assert.ErrorIs(t, err, ErrNotFound)
}

// A person's retry at the site's own API gives no new deadline: a fleet
// job past its hub's deadline is refused (it would fail expired again,
// and the hub told its client it failed), one within it is queued, and a
// job of another entrance has no deadline to pass.
func TestLocalRetryOfAFleetJobPastItsDeadline(t *testing.T) {
	past := time.Now().Add(-time.Minute)
	future := time.Now().Add(time.Hour)
	for _, tc := range []struct {
		name     string
		job      Job
		decision bool // unknown, then a retry decision; else failed, then Retry
		refused  bool
	}{
		{"failed fleet job past its deadline", Job{Source: SourceFleet, NotAfter: past}, false, true},
		{"failed fleet job within its deadline", Job{Source: SourceFleet, NotAfter: future}, false, false},
		{"failed api job", Job{Source: SourceAPI}, false, false},
		{"unknown fleet job past its deadline", Job{Source: SourceFleet, NotAfter: future}, true, true},
		{"unknown fleet job within its deadline", Job{Source: SourceFleet, NotAfter: future}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := open(t)
			j, _, err := s.EnqueueJob("p", "k", tc.job, []byte("a"))
			require.NoError(t, err)
			if tc.decision {
				s.finish(j.ID, Unknown, "interrupted while printing", 1)
				if tc.refused { // the deadline passes while it is unknown
					s.now = func() time.Time { return future.Add(time.Second) }
				}
				_, err = s.Decide(j.ID, DecidedRetry)
			} else {
				if j.State != Failed {
					s.finish(j.ID, Failed, "printer error", 0)
				}
				_, _, err = s.Retry(j.ID, 0)
			}
			got, gerr := s.Get(j.ID)
			require.NoError(t, gerr)
			if tc.refused {
				assert.ErrorIs(t, err, ErrNotRetryable)
				assert.Contains(t, err.Error(), "through the hub")
				assert.NotEqual(t, Queued, got.State, "nothing queued")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, Queued, got.State)
		})
	}
}
