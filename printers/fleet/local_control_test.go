package fleet

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/station"
	"github.com/secuprint/receipt/receipt"
)

// StationLocal's commands over a real spool and station (no worker): a
// reprint is a marked copy keyed by its fleet id, with the hub's
// deadline, the same copy when asked again, reported, cancelled and
// listed again after a restart under its fleet id; a retry queues the
// failed job's next attempt with a fresh deadline, once; a decision only
// from unknown; a job the site does not hold is ErrNotAtSite.
func TestStationLocalControl(t *testing.T) {
	sp, st, l, got := watchedLocal(t)
	tx, err := receipt.ParseTransaction([]byte(`{"id":"t1","receipt":[{"type":"textline","value":{"text":"hello"}}]}`))
	require.NoError(t, err)
	ctx := context.Background()
	job := Job{ID: "f0001", Site: "s1", Printer: "front", Deadline: time.Now().Add(time.Minute)}
	require.NoError(t, l.Submit(ctx, job, tx))

	deadline := time.Now().Add(15 * time.Minute).UTC().Truncate(time.Millisecond)
	cid := CopyID("f0001", "k")
	ch, existing, err := l.Control(ctx, Command{Op: OpReprint, ID: "f0001", Copy: cid, Deadline: deadline})
	require.NoError(t, err)
	assert.False(t, existing)
	assert.Equal(t, Change{ID: cid, Printer: "front", State: Queued, Attempt: 1, Deadline: deadline}, ch)
	c, err := sp.Get(l.copies[cid])
	require.NoError(t, err)
	assert.True(t, c.Copy)
	assert.Equal(t, cid, c.ClientKey())
	assert.True(t, deadline.Equal(c.NotAfter))
	b, err := sp.Bytes(c.ID)
	require.NoError(t, err)
	assert.Contains(t, string(b), "KOPIE")
	ch, existing, err = l.Control(ctx, Command{Op: OpReprint, ID: "f0001", Copy: cid, Deadline: deadline})
	require.NoError(t, err)
	assert.True(t, existing, "the same copy")
	assert.Equal(t, cid, ch.ID)

	// The original failed: tried again once, with the new deadline.
	_, err = sp.FailUnsent(l.mustFind(t, "f0001").ID, "offline")
	require.NoError(t, err)
	_, _, err = l.Control(ctx, Command{Op: OpDecide, ID: "f0001", Decision: "retry", Deadline: deadline})
	assert.ErrorIs(t, err, spool.ErrNotUnknown)
	ch, existing, err = l.Control(ctx, Command{Op: OpRetry, ID: "f0001", Attempt: 1, Deadline: deadline})
	require.NoError(t, err)
	assert.False(t, existing)
	assert.Equal(t, Queued, ch.State)
	assert.Equal(t, 2, ch.Attempt)
	assert.False(t, ch.RetriedAt.IsZero())
	assert.True(t, deadline.Equal(ch.Deadline))
	assert.Equal(t, []Attempt{{Attempt: 1, State: Failed, Reason: "offline", At: ch.History[0].At}}, ch.History)
	_, existing, err = l.Control(ctx, Command{Op: OpRetry, ID: "f0001", Attempt: 1, Deadline: deadline})
	require.NoError(t, err)
	assert.True(t, existing, "attempt 1 was tried again already")
	_, _, err = l.Control(ctx, Command{Op: OpRetry, ID: "f9999", Deadline: deadline})
	assert.ErrorIs(t, err, ErrNotAtSite)

	// The copy is cancelled by its fleet id, and listed again after a
	// restart under it.
	ok, err := l.Cancel(ctx, cid)
	require.NoError(t, err)
	assert.True(t, ok)
	restarted := NewStationLocal(sp, []*station.Station{st})
	assert.Equal(t, l.copies[cid], restarted.mustFind(t, cid).ID, "a copy found by its fleet id after a restart")
	all, err := restarted.Jobs(ctx)
	require.NoError(t, err)
	assert.ElementsMatch(t, []Change{
		{ID: "f0001", Printer: "front", State: Queued},
		{ID: cid, Printer: "front", State: Cancelled, Reason: ReasonCancelled},
	}, stateOnly(all))
	// Every change reported by Watch from the spool's change feed: each
	// job's last report is its state now (the original's second attempt
	// queued, the copy cancelled).
	last := func() map[string]Change {
		m := map[string]Change{}
		for _, ch := range got() {
			m[ch.ID] = ch
		}
		return m
	}
	require.Eventually(t, func() bool {
		m := last()
		return m["f0001"].Attempt == 2 && m[cid].State == Cancelled
	}, 5*time.Second, time.Millisecond, "%+v", last())
	m := last()
	assert.Equal(t, Change{ID: "f0001", Printer: "front", State: Queued}, stateOnly([]Change{m["f0001"]})[0])
	assert.Equal(t, Change{ID: cid, Printer: "front", State: Cancelled, Reason: ReasonCancelled}, stateOnly([]Change{m[cid]})[0])
	assert.True(t, deadline.Equal(m["f0001"].Deadline), "the retry's deadline reported")
}

func (l *StationLocal) mustFind(t *testing.T, id string) spool.Job {
	t.Helper()
	j, err := l.find(id)
	require.NoError(t, err)
	return j
}
