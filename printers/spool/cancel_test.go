package spool

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
)

func TestCancel(t *testing.T) {
	tests := []struct {
		name  string
		state State // the job's state when cancelled; Queued as enqueued
		err   error
	}{
		{"queued", Queued, nil},
		{"cancelled again", Cancelled, nil},
		{"printing", Printing, ErrNotQueued},
		{"printed", Printed, ErrNotQueued},
		{"failed", Failed, ErrNotQueued},
		{"unknown", Unknown, ErrNotQueued},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := open(t)
			j, _, err := s.Enqueue("p", "k", "tx-1", []byte("job"), nil)
			require.NoError(t, err)
			switch tt.state {
			case Queued:
			case Cancelled:
				_, err := s.Cancel(j.ID)
				require.NoError(t, err)
			default:
				s.finish(j.ID, tt.state, "", 0)
			}
			got, err := s.Cancel(j.ID)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				cur, err := s.Get(j.ID)
				require.NoError(t, err)
				assert.Equal(t, tt.state, cur.State, "left as it was")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, Cancelled, got.State)
			assert.Equal(t, "cancelled by a person before printing", got.Reason)
			assert.True(t, got.State.Final() && got.State.Valid())
			counts, err := s.Counts()
			require.NoError(t, err)
			assert.Equal(t, map[State]int{Cancelled: 1}, counts["p"])
			list, _, err := s.ListPage(ListQuery{Printer: "p", State: Cancelled})
			require.NoError(t, err)
			require.Len(t, list, 1)
			assert.Equal(t, j.ID, list[0].ID)
			queuedNow, _, err := s.ListPage(ListQuery{State: Queued})
			require.NoError(t, err)
			assert.Empty(t, queuedNow)
			_, ok, err := s.next("p")
			require.NoError(t, err)
			assert.False(t, ok, "a cancelled job is no worker's")
			// The key still names the job: a retry does not print it.
			again, existing, err := s.Enqueue("p", "k", "tx-1", []byte("job"), nil)
			require.NoError(t, err)
			assert.True(t, existing)
			assert.Equal(t, Cancelled, again.State)
		})
	}
	s, _ := open(t)
	_, err := s.Cancel("j1000000000001")
	assert.ErrorIs(t, err, ErrNotFound)
}

// A cancelled job is final: pruned like the others.
func TestCancelledJobsArePruned(t *testing.T) {
	s, _ := open(t)
	j, _, err := s.Enqueue("p", "k", "", []byte("job"), nil)
	require.NoError(t, err)
	_, err = s.Cancel(j.ID)
	require.NoError(t, err)
	n, err := s.Prune(time.Now().Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

// Cancels racing the worker, on both of its paths (the queue, and the
// handoff to an idle worker): every job ends either printed or cancelled,
// never both, and no cancelled job reaches the paper. Run with -race.
func TestCancelRacesTheWorker(t *testing.T) {
	s, _ := open(t)
	p := &hookPrinter{}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Run(ctx, "p", func(context.Context) (printers.Printer, error) { return p, nil }, WorkerOptions{})
	}()
	const n = 200
	ids := make([]string, n)
	cancelled := make([]bool, n)
	var wg sync.WaitGroup
	for i := range n {
		j, _, err := s.Enqueue("p", fmt.Sprint("k", i), "", []byte(fmt.Sprint("job", i)), nil)
		require.NoError(t, err)
		ids[i] = j.ID
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := s.Cancel(j.ID)
			if err != nil {
				assert.ErrorIs(t, err, ErrNotQueued)
				return
			}
			assert.Equal(t, Cancelled, got.State)
			cancelled[i] = true
		}()
		if i%7 == 0 {
			time.Sleep(time.Millisecond) // let the worker go idle: the handoff path
		}
	}
	wg.Wait()
	waitCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, id := range ids {
		_, err := s.Wait(waitCtx, id)
		require.NoError(t, err)
	}
	stop()
	<-done
	printed := map[string]bool{}
	for _, b := range p.printed() {
		printed[b] = true
	}
	nc := 0
	for i, id := range ids {
		j, err := s.Get(id)
		require.NoError(t, err)
		body := fmt.Sprint("job", i)
		if cancelled[i] {
			nc++
			assert.Equal(t, Cancelled, j.State, id)
			assert.False(t, printed[body], "%s cancelled and printed", id)
		} else {
			assert.Equal(t, Printed, j.State, id)
			assert.True(t, printed[body], id)
		}
	}
	t.Logf("%d of %d cancelled, %d printed", nc, n, len(printed))
	assert.Len(t, p.printed(), n-nc, "each job printed at most once")
}
