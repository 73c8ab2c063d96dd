package spool

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/secuprint/receipt/printers"
)

// Only a failed job (nothing of it printed) is queued again as the
// original, by Retry or by its key posted again: the same id, the next
// attempt, the failed one in its history. Any other state is left alone.
func TestRetryOnlyAFailedJob(t *testing.T) {
	for _, st := range []State{Queued, Printing, Printed, Unknown, Cancelled, Failed} {
		t.Run(string(st), func(t *testing.T) {
			s, _ := open(t)
			j, _, err := s.Enqueue("p", "k", "tx-1", []byte("job"), nil)
			require.NoError(t, err)
			switch st {
			case Queued:
			case Cancelled:
				_, err := s.Cancel(j.ID)
				require.NoError(t, err)
			default:
				s.finish(j.ID, st, "why", 0)
			}
			failedAt, err := s.Get(j.ID)
			require.NoError(t, err)
			again, existing, err := s.Enqueue("p", "k", "tx-1", []byte("job"), nil)
			require.NoError(t, err)
			assert.True(t, existing)
			assert.Equal(t, j.ID, again.ID, "the same job")
			if st != Failed {
				assert.Equal(t, st, again.State, "left as it was")
				assert.Equal(t, 1, again.Attempt)
				_, _, err := s.Retry(j.ID, 0)
				assert.ErrorIs(t, err, ErrNotFailed)
				cur, err := s.Get(j.ID)
				require.NoError(t, err)
				assert.Equal(t, st, cur.State)
				return
			}
			assert.Equal(t, Queued, again.State, "queued again as the original")
			assert.False(t, again.Copy)
			assert.Equal(t, 2, again.Attempt)
			assert.Empty(t, again.Reason)
			assert.False(t, again.RetriedAt.IsZero(), "its deadline counts from now")
			assert.Equal(t, []Attempt{{Attempt: 1, State: Failed, Reason: "why", At: failedAt.UpdatedAt}}, again.History)
			b, err := s.Bytes(j.ID)
			require.NoError(t, err)
			assert.Equal(t, "job", string(b), "the bytes accepted, nothing added")
			_, ok, err := s.next("p")
			require.NoError(t, err)
			assert.True(t, ok, "in the queue")

			// Sent again while queued: the same job, not a third attempt.
			replay, existing, err := s.Enqueue("p", "k", "tx-1", []byte("job"), nil)
			require.NoError(t, err)
			assert.True(t, existing)
			assert.Equal(t, 2, replay.Attempt)
			// Retry is idempotent per attempt: attempt 1 was tried again.
			r, existing, err := s.Retry(j.ID, 1)
			require.NoError(t, err)
			assert.True(t, existing)
			assert.Equal(t, 2, r.Attempt)
			_, _, err = s.Retry(j.ID, 0)
			assert.ErrorIs(t, err, ErrNotFailed, "attempt 2 has not failed")
			_, _, err = s.Retry(j.ID, 3)
			assert.ErrorIs(t, err, ErrNotFailed, "no attempt 3")
			counts, err := s.Counts()
			require.NoError(t, err)
			assert.Equal(t, map[State]int{Queued: 1}, counts["p"])
		})
	}
}

// A job whose ePOS-Print answer said "not printed" never prints later: its
// till sends a new job. Neither its key nor Retry queues it again.
func TestRetryNeverAnEPOSJob(t *testing.T) {
	s, _ := open(t)
	j, _, err := s.EnqueueJob("p", "epos:1", Job{Source: SourceEPOS}, []byte("job"))
	require.NoError(t, err)
	_, err = s.FailUnsent(j.ID, "ePOS answer: not printed within the request's timeout")
	require.NoError(t, err)
	again, existing, err := s.EnqueueJob("p", "epos:1", Job{Source: SourceEPOS}, []byte("job"))
	require.NoError(t, err)
	assert.True(t, existing)
	assert.Equal(t, Failed, again.State)
	_, _, err = s.Retry(j.ID, 1)
	assert.ErrorIs(t, err, ErrNotRetryable)
	cur, err := s.Get(j.ID)
	require.NoError(t, err)
	assert.Equal(t, Failed, cur.State)
}

// Damaged bytes are never sent: a retry of such a job is refused.
func TestRetryRefusesDamagedBytes(t *testing.T) {
	s, _ := open(t)
	j, _, err := s.Enqueue("p", "k", "", []byte("job"), nil)
	require.NoError(t, err)
	s.finish(j.ID, Failed, "why", 0)
	require.NoError(t, s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketBytes).Put([]byte(j.ID), []byte("jab")) }))
	_, _, err = s.Retry(j.ID, 0)
	assert.ErrorIs(t, err, ErrBadBytes)
	_, _, err = s.Enqueue("p", "k", "", []byte("job"), nil)
	assert.ErrorIs(t, err, ErrBadBytes)
}

// A till that retries a failure for ever does not grow the record for
// ever: the count goes on, the history keeps the latest.
func TestRetryHistoryIsBounded(t *testing.T) {
	s, _ := open(t)
	j, _, err := s.Enqueue("p", "k", "", []byte("job"), nil)
	require.NoError(t, err)
	for i := range maxHistory + 8 {
		s.finish(j.ID, Failed, fmt.Sprint("fail ", i+1), 0)
		j, _, err = s.Retry(j.ID, i+1)
		require.NoError(t, err)
	}
	assert.Equal(t, maxHistory+9, j.Attempt)
	require.Len(t, j.History, maxHistory)
	assert.Equal(t, 9, j.History[0].Attempt)
	assert.Equal(t, "fail 40", j.History[maxHistory-1].Reason)
}

// refuseFirst turns every job away once (paper end, nothing sent), then
// prints it.
type refuseFirst struct {
	mu      sync.Mutex
	seen    map[string]int
	printed []string
}

func (p *refuseFirst) Name() string { return "refuse-first" }
func (p *refuseFirst) Print(_ context.Context, job []byte) printers.Result {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen[string(job)]++; p.seen[string(job)] == 1 {
		return printers.Result{Outcome: printers.OutcomeFailed, Reason: printers.ReasonPaperEnd}
	}
	p.printed = append(p.printed, string(job))
	return printers.Result{Outcome: printers.OutcomePrinted, Sent: len(job)}
}
func (p *refuseFirst) Status(context.Context) (printers.Status, error) {
	return printers.Status{Online: true}, nil
}
func (p *refuseFirst) Close() error { return nil }

// Retries racing the worker, and each other: every job fails once (its
// deadline passes), then two Retry calls and the key posted again race
// the worker; every job prints exactly once, on its second attempt. Run
// with -race.
func TestRetryRacesTheWorker(t *testing.T) {
	s, _ := open(t)
	p := &refuseFirst{seen: map[string]int{}}
	runWorker(t, s, p, WorkerOptions{Deadline: time.Nanosecond, Backoff: time.Millisecond, MaxBackoff: time.Millisecond})
	const n = 100
	ids := make([]string, n)
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range n {
		key, body := fmt.Sprint("k", i), fmt.Sprint("job", i)
		j, _, err := s.Enqueue("p", key, "", []byte(body), nil)
		require.NoError(t, err)
		ids[i] = j.ID
		wg.Add(1)
		go func() {
			defer wg.Done()
			failed, err := s.Wait(ctx, j.ID)
			if !assert.NoError(t, err) || !assert.Equal(t, Failed, failed.State, failed.Reason) {
				return
			}
			var race sync.WaitGroup
			for range 2 {
				race.Go(func() {
					got, _, err := s.Retry(j.ID, 1)
					if assert.NoError(t, err) {
						assert.Equal(t, 2, got.Attempt)
					}
				})
			}
			race.Go(func() {
				got, existing, err := s.Enqueue("p", key, "", []byte(body), nil)
				if assert.NoError(t, err) {
					assert.True(t, existing)
					assert.Equal(t, j.ID, got.ID)
				}
			})
			race.Wait()
		}()
	}
	wg.Wait()
	for _, id := range ids {
		for {
			j, err := s.Wait(ctx, id)
			require.NoError(t, err)
			require.NoError(t, ctx.Err())
			if j.State == Printed {
				assert.Equal(t, 2, j.Attempt, id)
				require.Len(t, j.History, 1, id)
				assert.Equal(t, Failed, j.History[0].State)
				assert.Contains(t, j.History[0].Reason, "gave up after")
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := map[string]int{}
	for _, b := range p.printed {
		seen[b]++
	}
	assert.Len(t, p.printed, n, "each job printed once")
	for i := range n {
		assert.Equal(t, 1, seen[fmt.Sprint("job", i)], "job%d", i)
	}
}
