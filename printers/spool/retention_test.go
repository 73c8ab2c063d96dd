package spool

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestListReturnsTheNewestPage(t *testing.T) {
	s, _ := open(t)
	for i := range 10 {
		printer := "a"
		if i%2 == 1 {
			printer = "b"
		}
		_, _, err := s.Enqueue(printer, strconv.Itoa(i), "", []byte("x"), nil)
		require.NoError(t, err)
	}
	ids := func(jobs []Job) (out []string) {
		for _, j := range jobs {
			out = append(out, j.ID)
		}
		return out
	}
	tests := []struct {
		printer string
		limit   int
		want    []string
	}{
		{"", 3, []string{"j1000000000008", "j1000000000009", "j1000000000010"}},
		{"a", 2, []string{"j1000000000007", "j1000000000009"}},
		{"b", 0, []string{"j1000000000002", "j1000000000004", "j1000000000006", "j1000000000008", "j1000000000010"}},
		{"c", 5, nil},
	}
	for _, tt := range tests {
		got, err := s.List(tt.printer, "", tt.limit)
		require.NoError(t, err)
		assert.Equal(t, tt.want, ids(got), "printer %q limit %d", tt.printer, tt.limit)
	}
}

func TestPruneDeletesOnlyOldFinishedJobs(t *testing.T) {
	s, _ := open(t)
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return clock }
	enqueue := func(key string, final State) Job {
		t.Helper()
		j, _, err := s.Enqueue("p", key, "", []byte("bytes of "+key), nil)
		require.NoError(t, err)
		if final != "" {
			s.finish(j.ID, final, "", 0)
		}
		return j
	}
	oldPrinted := enqueue("old-printed", Printed)
	oldFailed := enqueue("old-failed", Failed)
	oldUnknown := enqueue("old-unknown", Unknown)
	oldQueued := enqueue("old-queued", "")
	clock = clock.Add(48 * time.Hour)
	newPrinted := enqueue("new-printed", Printed)

	n, err := s.Prune(clock.Add(-24 * time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	for _, j := range []Job{oldPrinted, oldFailed, oldUnknown} {
		_, err := s.Get(j.ID)
		assert.ErrorIs(t, err, ErrNotFound, j.Key)
		_, err = s.Bytes(j.ID)
		assert.ErrorIs(t, err, ErrNotFound, j.Key)
	}
	for _, j := range []Job{oldQueued, newPrinted} {
		_, err := s.Get(j.ID)
		assert.NoError(t, err, "%s is kept", j.Key)
	}
	counts, err := s.Counts()
	require.NoError(t, err)
	assert.Equal(t, map[State]int{Queued: 1, Printed: 1}, counts["p"])

	again, existing, err := s.Enqueue("p", "old-printed", "", []byte("x"), nil)
	require.NoError(t, err)
	assert.False(t, existing, "a pruned key is free again")
	assert.NotEqual(t, oldPrinted.ID, again.ID)
	_, existing, err = s.Enqueue("p", "new-printed", "", []byte("x"), nil)
	require.NoError(t, err)
	assert.True(t, existing, "a kept job's key still holds")
}

func TestPruneInBatches(t *testing.T) {
	s, _ := open(t)
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return clock }
	const jobs = 2*pruneBatch + 7
	for i := range jobs {
		j, _, err := s.Enqueue("p", strconv.Itoa(i), "", []byte("x"), nil)
		require.NoError(t, err)
		s.finish(j.ID, Printed, "", 1)
	}
	n, err := s.Prune(clock.Add(time.Second))
	require.NoError(t, err)
	assert.Equal(t, jobs, n)
	left, err := s.List("", "", 0)
	require.NoError(t, err)
	assert.Empty(t, left)
}

func TestFailQueued(t *testing.T) {
	s, _ := open(t)
	var ids []string
	for i := range 3 {
		j, _, err := s.Enqueue("gone", strconv.Itoa(i), "", []byte("x"), nil)
		require.NoError(t, err)
		ids = append(ids, j.ID)
	}
	s.finish(ids[0], Printed, "", 1)
	kept, _, err := s.Enqueue("here", "k", "", []byte("x"), nil)
	require.NoError(t, err)

	n, err := s.FailQueued("gone", "printer gone")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	for i, want := range []State{Printed, Failed, Failed} {
		j, err := s.Get(ids[i])
		require.NoError(t, err)
		assert.Equal(t, want, j.State)
	}
	j, err := s.Get(kept.ID)
	require.NoError(t, err)
	assert.Equal(t, Queued, j.State, "another printer's queue is left alone")
	_, ok, err := s.next("gone")
	require.NoError(t, err)
	assert.False(t, ok, "the queue is empty")
	counts, err := s.Counts()
	require.NoError(t, err)
	assert.Equal(t, map[State]int{Printed: 1, Failed: 2}, counts["gone"])
}
