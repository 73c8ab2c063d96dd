package spool

import (
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// history stores n jobs at once (one commit per 5000): printer a and b in
// turn; every third printed, every fifth failed, the rest queued.
func history(t testing.TB, s *Spool, n int) []Job {
	t.Helper()
	var out []Job
	for start := 0; start < n; start += 5000 {
		require.NoError(t, s.write(func(tx *bolt.Tx) error {
			for i := start; i < min(n, start+5000); i++ {
				printer := "a"
				if i%2 == 1 {
					printer = "b"
				}
				j, _, err := s.insert(tx, printer, clientKey(printer, strconv.Itoa(i)), strconv.Itoa(i), Job{}, []byte("x"), nil)
				if err != nil {
					return err
				}
				old := j.State
				switch {
				case i%3 == 0:
					j.State = Printed
				case i%5 == 0:
					j.State = Failed
				}
				if err := s.putJob(tx, old, j); err != nil {
					return err
				}
				out = append(out, j)
			}
			return nil
		}))
	}
	return out
}

func TestListPage(t *testing.T) {
	s, _ := open(t)
	all := history(t, s, 500)
	tests := []struct {
		q ListQuery
	}{
		{ListQuery{Limit: 7}},
		{ListQuery{Printer: "a", Limit: 10}},
		{ListQuery{State: Printed, Limit: 13}},
		{ListQuery{Printer: "b", State: Failed, Limit: 5}},
		{ListQuery{Printer: "c", Limit: 5}},
		{ListQuery{}}, // the default page
	}
	for _, tt := range tests {
		t.Run(tt.q.Printer+"/"+string(tt.q.State), func(t *testing.T) {
			var want []string
			for _, j := range slices.Backward(all) {
				if (tt.q.Printer == "" || j.Printer == tt.q.Printer) && (tt.q.State == "" || j.State == tt.q.State) {
					want = append(want, j.ID)
				}
			}
			limit := tt.q.Limit
			if limit == 0 {
				limit = DefaultPageLimit
			}
			var got []string
			q := tt.q
			for pages := 0; ; pages++ {
				require.Less(t, pages, 1000)
				before := decodes.Load()
				jobs, next, err := s.ListPage(q)
				require.NoError(t, err)
				assert.LessOrEqual(t, len(jobs), limit)
				assert.Equal(t, int64(len(jobs)), decodes.Load()-before, "a page reads only the jobs it returns")
				for _, j := range jobs {
					got = append(got, j.ID)
					assert.True(t, (q.Printer == "" || j.Printer == q.Printer) && (q.State == "" || j.State == q.State), "%+v", j)
				}
				if next == "" {
					break
				}
				assert.Len(t, jobs, limit, "only the last page is short")
				q.Before = next
			}
			assert.Equal(t, want, got, "every job once, newest first")
		})
	}
	for _, q := range []ListQuery{{Limit: -1}, {Limit: MaxPageLimit + 1}, {State: "lost"}} {
		_, _, err := s.ListPage(q)
		assert.ErrorIs(t, err, ErrBadQuery, "%+v", q)
	}
}

// The old List reads only what it returns too, filtered or not.
func TestListReadsOnlyWhatItReturns(t *testing.T) {
	s, _ := open(t)
	history(t, s, 2000)
	for _, q := range []ListQuery{{Printer: "a"}, {State: Failed}, {Printer: "b", State: Printed}} {
		before := decodes.Load()
		jobs, err := s.List(q.Printer, q.State, 10)
		require.NoError(t, err)
		assert.Len(t, jobs, 10)
		assert.Equal(t, int64(10), decodes.Load()-before, "%+v", q)
	}
}

// A spool written before the indexes gets them at its next start.
func TestListIndexesMigrate(t *testing.T) {
	s, path := open(t)
	all := history(t, s, 300)
	require.NoError(t, s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketByPrinter, bucketByState, bucketByPrinterState} {
			require.NoError(t, tx.DeleteBucket(b))
		}
		return tx.Bucket(bucketMeta).Put(schemaKey, []byte{0, 0, 0, 0, 0, 0, 0, 1}) // copy keys done, no indexes
	}))
	require.NoError(t, s.Close())
	s2, err := Open(path)
	require.NoError(t, err)
	defer s2.Close()
	jobs, _, err := s2.ListPage(ListQuery{Printer: "b", State: Queued, Limit: 3})
	require.NoError(t, err)
	var want []string
	for _, j := range slices.Backward(all) {
		if j.Printer == "b" && j.State == Queued && len(want) < 3 {
			want = append(want, j.ID)
		}
	}
	var got []string
	for _, j := range jobs {
		got = append(got, j.ID)
	}
	assert.Equal(t, want, got)
}

// BenchmarkListPage is the web page's poll: the newest 50 jobs, filtered
// and not, at 0 and 30 000 jobs of older history: the cost must not grow.
func BenchmarkListPage(b *testing.B) {
	for _, hist := range []int{0, 30000} {
		s, _ := open(b)
		history(b, s, hist)
		history(b, s, 400) // the page's own jobs
		for _, q := range []ListQuery{{}, {Printer: "a"}, {State: Queued}, {Printer: "b", State: Failed}} {
			q.Limit = 50
			b.Run("history="+strconv.Itoa(hist)+"/printer="+q.Printer+"/state="+string(q.State), func(b *testing.B) {
				for b.Loop() {
					if _, _, err := s.ListPage(q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
