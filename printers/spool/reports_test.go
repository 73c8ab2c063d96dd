package spool

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

func ids(js []Job) []string {
	var out []string
	for _, j := range js {
		out = append(out, j.ID+" "+string(j.State))
	}
	return out
}

// A fleet job is unreported from each change of its state until that
// state is acknowledged; an acknowledgement of an older state leaves it;
// the mark survives a restart (a crash before the publish); a spool from
// before the mark has every fleet job unreported once.
func TestUnreported(t *testing.T) {
	s, path := open(t)
	a, _, err := s.EnqueueJob("p", "a", Job{Source: SourceFleet}, []byte("a"))
	require.NoError(t, err)
	_, _, err = s.Enqueue("p", "local", "", []byte("b"), nil)
	require.NoError(t, err)
	u, err := s.Unreported()
	require.NoError(t, err)
	assert.Equal(t, []string{a.ID + " queued"}, ids(u), "only the fleet's jobs")

	require.NoError(t, s.Reported([]Report{{ID: a.ID, State: Queued}, {ID: "j404", State: Queued}}))
	u, err = s.Unreported()
	require.NoError(t, err)
	assert.Empty(t, u)

	_, err = s.Cancel(a.ID)
	require.NoError(t, err)
	require.NoError(t, s.Reported([]Report{{ID: a.ID, State: Queued}}))
	u, err = s.Unreported()
	require.NoError(t, err)
	assert.Equal(t, []string{a.ID + " cancelled"}, ids(u), "an older state's ack leaves the newer one")

	require.NoError(t, s.Close())
	s, err = Open(path)
	require.NoError(t, err)
	u, err = s.Unreported()
	require.NoError(t, err)
	assert.Equal(t, []string{a.ID + " cancelled"}, ids(u), "kept across a restart")
	require.NoError(t, s.Reported([]Report{{ID: a.ID, State: Cancelled}}))
	u, err = s.Unreported()
	require.NoError(t, err)
	assert.Empty(t, u)

	// As a spool from before the mark: every fleet job once.
	require.NoError(t, s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketReports) }))
	asSchema(t, s, 5)
	require.NoError(t, s.Close())
	s, err = Open(path)
	require.NoError(t, err)
	defer s.Close()
	u, err = s.Unreported()
	require.NoError(t, err)
	assert.Equal(t, []string{a.ID + " cancelled"}, ids(u))
}

// An acknowledgement of an earlier attempt's failure does not take a
// later attempt's failure off the unreported jobs: a crash before that
// one is published would leave the hubs with the retry's queued state.
func TestReportedByGeneration(t *testing.T) {
	s, _ := open(t)
	j, _, err := s.EnqueueJob("p", "a", Job{Source: SourceFleet}, []byte("a"))
	require.NoError(t, err)
	s.finish(j.ID, Failed, "printer error", 0)
	first, err := s.Get(j.ID)
	require.NoError(t, err)
	_, _, err = s.Retry(j.ID, 1)
	require.NoError(t, err)
	s.finish(j.ID, Failed, "printer error", 0)
	second, err := s.Get(j.ID)
	require.NoError(t, err)
	require.Equal(t, 2, second.Attempt)

	require.NoError(t, s.Reported([]Report{{ID: j.ID, State: Failed, Attempt: first.Attempt, RetriedAt: first.RetriedAt}}))
	u, err := s.Unreported()
	require.NoError(t, err)
	assert.Equal(t, []string{j.ID + " failed"}, ids(u), "attempt 1's ack leaves attempt 2 unreported")
	require.NoError(t, s.Reported([]Report{{ID: j.ID, State: Failed, Attempt: 2, RetriedAt: second.RetriedAt}}))
	u, err = s.Unreported()
	require.NoError(t, err)
	assert.Empty(t, u)
}
