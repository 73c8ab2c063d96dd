package spool

import (
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func enqueueN(t testing.TB, s *Spool, printer string, n int) []Job {
	t.Helper()
	var js []Job
	for i := range n {
		j, _, err := s.Enqueue(printer, printer+"-"+strconv.Itoa(i), "", []byte("job "+strconv.Itoa(i)), nil)
		require.NoError(t, err)
		js = append(js, j)
	}
	return js
}

func TestPullFetchConfirm(t *testing.T) {
	s, _ := open(t)
	js := enqueueN(t, s, "star", 3)
	enqueueN(t, s, "other", 1)

	st, err := s.PullPeek("star")
	require.NoError(t, err)
	require.True(t, st.HasNext)
	assert.Equal(t, js[0].ID, st.Next.ID, "the oldest queued job")
	assert.Empty(t, st.Out)

	j, b, ok, err := s.PullFetch("star", js[0].ID, true)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, Printing, j.State)
	assert.Equal(t, 1, j.Attempts)
	assert.Equal(t, len("job 0"), j.Sent)
	assert.Equal(t, "job 0", string(b))

	// The same GET again: the same job and bytes, nothing changes.
	j2, b2, ok, err := s.PullFetch("star", js[0].ID, true)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, j.ID, j2.ID)
	assert.Equal(t, b, b2)
	assert.Equal(t, 1, j2.Attempts, "a repeated fetch is not a new attempt")

	// One at a time: the next job waits for the confirmation.
	_, _, _, err = s.PullFetch("star", "", true)
	assert.ErrorIs(t, err, ErrBusy)
	st, err = s.PullPeek("star")
	require.NoError(t, err)
	require.Len(t, st.Out, 1)
	assert.Equal(t, js[0].ID, st.Out[0].ID)

	// Another printer cannot confirm or fetch it.
	_, err = s.PullConfirm("other", js[0].ID, PullPrinted, "")
	assert.ErrorIs(t, err, ErrNotHanded)
	_, _, _, err = s.PullFetch("other", js[1].ID, true)
	assert.ErrorIs(t, err, ErrNotHanded)
	got, _ := s.Get(js[1].ID)
	assert.Equal(t, Queued, got.State, "a refused fetch changes nothing")

	done, err := s.PullConfirm("star", js[0].ID, PullPrinted, "")
	require.NoError(t, err)
	assert.Equal(t, Printed, done.State)
	_, err = s.PullConfirm("star", js[0].ID, PullPrinted, "")
	assert.ErrorIs(t, err, ErrNotHanded, "confirmed once")
	_, err = s.PullConfirm("star", js[1].ID, PullPrinted, "")
	assert.ErrorIs(t, err, ErrNotHanded, "never fetched")
}

func TestPullOutcomes(t *testing.T) {
	tests := []struct {
		o    PullOutcome
		want State
	}{{PullPrinted, Printed}, {PullRetry, Queued}, {PullFailed, Failed}, {PullUnknown, Unknown}}
	for _, tt := range tests {
		s, _ := open(t)
		js := enqueueN(t, s, "p", 2)
		j, _, ok, err := s.PullFetch("p", "", true)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, js[0].ID, j.ID)
		j, err = s.PullConfirm("p", j.ID, tt.o, "why")
		require.NoError(t, err)
		assert.Equal(t, tt.want, j.State)
		st, err := s.PullPeek("p")
		require.NoError(t, err)
		assert.Empty(t, st.Out)
		if tt.o == PullRetry {
			assert.Equal(t, js[0].ID, st.Next.ID, "offered again, at its place")
			j, _, _, err = s.PullFetch("p", "", true)
			require.NoError(t, err)
			assert.Equal(t, 2, j.Attempts)
		} else {
			assert.Equal(t, js[1].ID, st.Next.ID)
		}
	}
}

func TestPullSurvivesReopen(t *testing.T) {
	s, path := open(t)
	js := enqueueN(t, s, "p", 2)
	j, _, _, err := s.PullFetch("p", "", true)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s, err = Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	got, err := s.Get(j.ID)
	require.NoError(t, err)
	assert.Equal(t, Unknown, got.State, "fetched before the restart: not lost, not offered blindly")
	st, err := s.PullPeek("p")
	require.NoError(t, err)
	assert.Empty(t, st.Out)
	assert.Equal(t, js[1].ID, st.Next.ID, "the next job goes on")
	_, _, _, err = s.PullFetch("p", j.ID, true)
	assert.Error(t, err, "the unknown job is not served again")

	// The printer's late confirmation settles it.
	got, err = s.PullConfirm("p", j.ID, PullPrinted, "")
	require.NoError(t, err)
	assert.Equal(t, Printed, got.State)
}

func TestExpirePulled(t *testing.T) {
	s, _ := open(t)
	now := time.Now()
	s.now = func() time.Time { return now }
	enqueueN(t, s, "p", 1)
	j, _, _, err := s.PullFetch("p", "", true)
	require.NoError(t, err)
	n, err := s.ExpirePulled("p", now.Add(-time.Second), "never confirmed")
	require.NoError(t, err)
	assert.Zero(t, n, "not yet due")
	n, err = s.ExpirePulled("p", now.Add(time.Second), "never confirmed")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	got, _ := s.Get(j.ID)
	assert.Equal(t, Unknown, got.State)
	assert.Equal(t, "never confirmed", got.Reason)
	_, err = s.PullConfirm("p", j.ID, PullPrinted, "")
	assert.ErrorIs(t, err, ErrNotHanded, "a confirmation after the expiry is refused: a person decides")
}

func TestPullFetchBatch(t *testing.T) {
	s, _ := open(t)
	js := enqueueN(t, s, "epson", 5)
	got, bs, err := s.PullFetchBatch("epson", 10, func(sizes []int) int {
		assert.Len(t, sizes, 5)
		return 3
	})
	require.NoError(t, err)
	require.Len(t, got, 3)
	for i, j := range got {
		assert.Equal(t, js[i].ID, j.ID)
		assert.Equal(t, Printing, j.State)
		assert.Equal(t, "job "+strconv.Itoa(i), string(bs[i]))
	}
	got, _, err = s.PullFetchBatch("epson", 10, func(sizes []int) int { return len(sizes) })
	require.NoError(t, err)
	require.Len(t, got, 2, "the handed jobs are not handed again")
	assert.Equal(t, js[3].ID, got[0].ID)
	got, _, err = s.PullFetchBatch("epson", 10, func(sizes []int) int { return len(sizes) })
	require.NoError(t, err)
	assert.Empty(t, got)
	st, _ := s.PullPeek("epson")
	assert.Len(t, st.Out, 5)
}

func TestPullCancelledJobIsNotHanded(t *testing.T) {
	s, _ := open(t)
	js := enqueueN(t, s, "p", 1)
	_, err := s.Cancel(js[0].ID)
	require.NoError(t, err)
	_, _, _, err = s.PullFetch("p", js[0].ID, true)
	assert.True(t, errors.Is(err, ErrNotHanded))
	_, _, ok, err := s.PullFetch("p", "", true)
	require.NoError(t, err)
	assert.False(t, ok)
}

// BenchmarkPullPeek is a poll's spool cost with 30 000 jobs stored for
// 100 printers: it must not grow with the spool (docs/pull-printers.md).
func BenchmarkPullPeek(b *testing.B) {
	s, _ := open(b)
	const printers = 100
	fillSpool(b, s, printers, 30000)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := s.PullPeek("p" + strconv.Itoa(i%printers)); err != nil {
			b.Fatal(err)
		}
	}
}

// fillSpool stores n jobs over printers from many goroutines at once, so
// that they share commits.
func fillSpool(tb testing.TB, s *Spool, printers, n int) {
	var wg sync.WaitGroup
	const workers = 256
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				p := "p" + strconv.Itoa(i%printers)
				if _, _, err := s.Enqueue(p, "k"+strconv.Itoa(i), "", make([]byte, 600), nil); err != nil {
					tb.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestFailOverdue(t *testing.T) {
	s, _ := open(t)
	now := time.Now()
	s.now = func() time.Time { return now }
	old := enqueueN(t, s, "p", 2)
	now = now.Add(11 * time.Minute)
	fresh := enqueueN(t, s, "q", 1)
	young, _, err := s.Enqueue("p", "young", "", []byte("x"), nil)
	require.NoError(t, err)
	n, err := s.FailOverdue("p", 10*time.Minute, "gave up")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	for _, j := range old {
		got, _ := s.Get(j.ID)
		assert.Equal(t, Failed, got.State)
		assert.Equal(t, "gave up", got.Reason)
	}
	got, _ := s.Get(young.ID)
	assert.Equal(t, Queued, got.State, "not yet due")
	got, _ = s.Get(fresh[0].ID)
	assert.Equal(t, Queued, got.State, "another printer's")
	n, err = s.FailOverdue("p", 10*time.Minute, "gave up")
	require.NoError(t, err)
	assert.Zero(t, n)
}
