package spool

import (
	"bytes"
	"log/slog"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestZeroedMetaPageLosesTheLastCommit (issue 22 item 23): with the meta
// page of the last commit zeroed, bbolt opens the spool as of the commit
// before and the last accepted job is gone. The start says so in its log,
// Check says so, and Warning (the service's /readyz) says so until the
// LostCommitFile is removed, across restarts and commits.
func TestZeroedMetaPageLosesTheLastCommit(t *testing.T) {
	s, path := open(t)
	const n = 5
	var ids []string
	for i := range n { // one commit each
		j, _, err := s.Enqueue("a", "k"+strconv.Itoa(i), "", []byte("x"), nil)
		require.NoError(t, err)
		ids = append(ids, j.ID)
	}
	require.NoError(t, s.Close())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	m, err := readMeta(b)
	require.NoError(t, err)
	ps := int(m.pageSize)
	m1, err := readMeta(b[ps:])
	require.NoError(t, err)
	last := 0
	if m1.txid > m.txid {
		last = 1
	}
	clear(b[last*ps : (last+1)*ps])
	require.NoError(t, os.WriteFile(path, b, 0o600))

	rep, err := Check(path)
	require.NoError(t, err)
	assert.Equal(t, VerdictOK, rep.Verdict)
	require.Len(t, rep.Notes, 1)
	assert.Contains(t, rep.Notes[0], "jobs accepted in it may be missing")
	assert.Empty(t, rep.LostCommit, "nothing to acknowledge before a start")

	var logs bytes.Buffer
	s, err = OpenWith(path, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	_, err = s.Get(ids[n-1])
	assert.Error(t, err, "the last commit's job is gone: the reason for the warning")
	_, err = s.Get(ids[n-2])
	assert.NoError(t, err)
	assert.Contains(t, logs.String(), "jobs accepted in the last commit may be missing; acknowledge by removing "+LostCommitFile(path))
	w := s.Warning()
	assert.Contains(t, w, "jobs accepted in the last commit may be missing")
	assert.Contains(t, w, "meta page "+strconv.Itoa(last)+" is unreadable")

	// A commit rewrites the page; the warning stays, and after a restart.
	_, _, err = s.Enqueue("a", "after", "", []byte("x"), nil)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	rep, err = Check(path)
	require.NoError(t, err)
	assert.Empty(t, rep.Notes)
	assert.Contains(t, rep.String(), "warning: jobs accepted in the last commit may be missing")
	s, err = Open(path)
	require.NoError(t, err)
	assert.Equal(t, w, s.Warning())

	// Acknowledged: the file removed.
	require.NoError(t, os.Remove(LostCommitFile(path)))
	assert.Empty(t, s.Warning())
}
