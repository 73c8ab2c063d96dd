package spool

import (
	"context"
	"errors"
	"flag"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/secuprint/receipt/printers"
)

var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")

func open(t testing.TB) (*Spool, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "spool.db")
	s, err := Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestIdempotentEnqueue(t *testing.T) {
	s, _ := open(t)
	a, existing, err := s.Enqueue("front", "tx-1", "tx-1", []byte("job"), nil)
	require.NoError(t, err)
	assert.False(t, existing)
	assert.Equal(t, Queued, a.State)
	b, existing, err := s.Enqueue("front", "tx-1", "tx-1", []byte("other bytes"), nil)
	require.NoError(t, err)
	assert.True(t, existing)
	assert.Equal(t, a.ID, b.ID, "the same key is the same job")
	// Keys are the service's, not a printer's: the same key for another
	// printer is refused, naming the key's job; nothing is stored.
	_, _, err = s.Enqueue("back", "tx-1", "tx-1", []byte("job"), nil)
	var reused *KeyReusedError
	require.ErrorAs(t, err, &reused)
	assert.ErrorIs(t, err, ErrKeyReused)
	assert.Equal(t, a.ID, reused.Job.ID)
	assert.Equal(t, "back", reused.Printer)
	assert.Contains(t, err.Error(), "on printer front")
	n, err := s.Counts()
	require.NoError(t, err)
	assert.Empty(t, n["back"], "nothing queued for back")
	got, err := s.Bytes(a.ID)
	require.NoError(t, err)
	assert.Equal(t, "job", string(got))
}

func TestConcurrentEnqueueOneJobPerKey(t *testing.T) {
	s, _ := open(t)
	var wg sync.WaitGroup
	ids := make([]string, 200)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j, _, err := s.Enqueue("p", "key-"+strconv.Itoa(i%50), "", []byte("x"), nil)
			assert.NoError(t, err)
			ids[i] = j.ID
		}()
	}
	wg.Wait()
	for i := range ids {
		assert.Equal(t, ids[i%50], ids[i])
	}
	all, err := s.List("p", "", 0)
	require.NoError(t, err)
	assert.Len(t, all, 50)
}

func TestPrintingBecomesUnknownAfterCrash(t *testing.T) {
	s, path := open(t)
	j, _, err := s.Enqueue("p", "k", "", []byte("x"), nil)
	require.NoError(t, err)
	_, err = s.update(j.ID, func(j *Job) error { j.State = Printing; return nil })
	require.NoError(t, err)
	require.NoError(t, s.Close())
	s2, err := Open(path)
	require.NoError(t, err)
	defer s2.Close()
	got, err := s2.Get(j.ID)
	require.NoError(t, err)
	assert.Equal(t, Unknown, got.State)
	assert.Contains(t, got.Reason, "interrupted")
	_, ok, err := s2.next("p")
	require.NoError(t, err)
	assert.False(t, ok, "never re-sent by itself")
}

// script is a fake printer answering from a list of results.
type script struct {
	mu      sync.Mutex
	results []printers.Result
	jobs    [][]byte
}

func (p *script) Name() string { return "script" }
func (p *script) Print(_ context.Context, job []byte) printers.Result {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.jobs = append(p.jobs, job)
	r := printers.Result{Outcome: printers.OutcomePrinted, Sent: len(job)}
	if len(p.results) > 0 {
		r, p.results = p.results[0], p.results[1:]
	}
	return r
}
func (p *script) Status(context.Context) (printers.Status, error) {
	return printers.Status{Online: true}, nil
}
func (p *script) Close() error { return nil }

func runWorker(t *testing.T, s *Spool, p printers.Printer, opt WorkerOptions) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		assert.NoError(t, s.Run(ctx, "p", func(context.Context) (printers.Printer, error) { return p, nil }, opt))
	}()
	t.Cleanup(func() { cancel(); <-done })
}

func waitFinal(t *testing.T, s *Spool, id string) Job {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	j, err := s.Wait(ctx, id)
	require.NoError(t, err)
	require.True(t, j.State.Final(), "%+v", j)
	return j
}

func TestWorkerOutcomes(t *testing.T) {
	paperEnd := printers.Result{Outcome: printers.OutcomeFailed, Reason: printers.ReasonPaperEnd}
	tests := []struct {
		name    string
		results []printers.Result
		state   State
		tries   int
	}{
		{"printed", nil, Printed, 1},
		{"paper end, then printed", []printers.Result{paperEnd, paperEnd}, Printed, 3},
		{"lost mid-job", []printers.Result{{Outcome: printers.OutcomeUnknown, Reason: printers.ReasonDisconnected, Sent: 10}}, Unknown, 1},
		{"printer error, nothing sent: sent again", []printers.Result{{Outcome: printers.OutcomeFailed, Reason: printers.ReasonPrinterError}}, Printed, 2},
		{"printer error mid-job", []printers.Result{{Outcome: printers.OutcomeFailed, Reason: printers.ReasonPrinterError, Sent: 2}}, Unknown, 1},
		{"paper end mid-job: held in the printer", []printers.Result{{Outcome: printers.OutcomeFailed, Reason: printers.ReasonPaperEnd, Sent: 3}}, Unknown, 1},
		{"refused for good, nothing sent: failed, not sent again", []printers.Result{{Outcome: printers.OutcomeFailed, Reason: printers.ReasonPrinterError, Refused: true}}, Failed, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := open(t)
			p := &script{results: tt.results}
			runWorker(t, s, p, WorkerOptions{Backoff: time.Millisecond})
			j, _, err := s.Enqueue("p", "k", "", []byte("job"), nil)
			require.NoError(t, err)
			got := waitFinal(t, s, j.ID)
			assert.Equal(t, tt.state, got.State, got.Reason)
			assert.Equal(t, tt.tries, got.Attempts)
		})
	}
}

func TestWorkerGivesUpAfterDeadline(t *testing.T) {
	s, _ := open(t)
	paperEnd := printers.Result{Outcome: printers.OutcomeFailed, Reason: printers.ReasonPaperEnd}
	p := &script{results: []printers.Result{paperEnd, paperEnd, paperEnd, paperEnd, paperEnd, paperEnd, paperEnd, paperEnd}}
	runWorker(t, s, p, WorkerOptions{Backoff: 5 * time.Millisecond, Deadline: 20 * time.Millisecond})
	j, _, err := s.Enqueue("p", "k", "", []byte("job"), nil)
	require.NoError(t, err)
	got := waitFinal(t, s, j.ID)
	assert.Equal(t, Failed, got.State)
	assert.Contains(t, got.Reason, "paper end")
}

func TestReprintIsMarkedCopy(t *testing.T) {
	s, _ := open(t)
	p := &script{}
	runWorker(t, s, p, WorkerOptions{})
	j, _, err := s.Enqueue("p", "k", "", []byte("job"), nil)
	require.NoError(t, err)
	waitFinal(t, s, j.ID)
	c, err := s.Reprint(j.ID, "", []byte("COPY|"))
	require.NoError(t, err)
	assert.True(t, c.Copy, "marked in the commit that stores it, before it can print")
	assert.Equal(t, j.ID, c.CopyOf)
	assert.Equal(t, Printed, waitFinal(t, s, c.ID).State)
	again, err := s.Reprint(j.ID, "", []byte("COPY|"))
	require.NoError(t, err)
	assert.NotEqual(t, c.ID, again.ID, "without a key every reprint is a new copy")
	keyed, err := s.Reprint(j.ID, "ecr-42", []byte("COPY|"))
	require.NoError(t, err)
	replay, err := s.Reprint(j.ID, "ecr-42", []byte("COPY|"))
	require.NoError(t, err)
	assert.Equal(t, keyed.ID, replay.ID, "the same key is the same copy")
	waitFinal(t, s, again.ID)
	waitFinal(t, s, keyed.ID)
	p.mu.Lock()
	defer p.mu.Unlock()
	var got []string
	for _, b := range p.jobs {
		got = append(got, string(b))
	}
	assert.Equal(t, []string{"job", "COPY|job", "COPY|job", "COPY|job"}, got)
}

func TestEnqueueRejectsBadKeys(t *testing.T) {
	s, _ := open(t)
	for _, key := range []string{"", strings.Repeat("k", MaxKeyLen+1)} {
		_, _, err := s.Enqueue("p", key, "", []byte("job"), nil)
		assert.ErrorIs(t, err, ErrBadKey, "key of %d bytes", len(key))
	}
	_, _, err := s.Enqueue("p", strings.Repeat("k", MaxKeyLen), "", []byte("job"), nil)
	assert.NoError(t, err)
}

// BenchmarkEnqueueDurable measures durable enqueues per second with many
// concurrent callers sharing fsyncs.
func BenchmarkEnqueueDurable(b *testing.B) {
	s, _ := open(b)
	var n atomic.Int64
	job := make([]byte, 400)
	b.SetParallelism(32)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := s.Enqueue("p", strconv.FormatInt(n.Add(1), 10), "", job, nil); err != nil {
				b.Error(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "jobs/s")
}

// TestWriteBatches: changes that arrive while a commit is written share
// the next one; one that fails gets its error alone and the rest commit.
func TestWriteBatches(t *testing.T) {
	s, _ := open(t)
	errBoom := errors.New("boom")
	hold := make(chan struct{})
	first := make(chan struct{})
	go func() {
		// Holds the committer so the next changes queue up behind it.
		_ = s.write(func(*bolt.Tx) error { close(first); <-hold; return nil })
	}()
	<-first
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.write(func(tx *bolt.Tx) error {
				if i == 3 {
					return errBoom
				}
				return tx.Bucket(bucketKeys).Put([]byte("k"+strconv.Itoa(i)), []byte("v"))
			})
		}()
	}
	time.Sleep(20 * time.Millisecond) // let them queue behind the held commit
	close(hold)
	wg.Wait()
	for i, err := range errs {
		if i == 3 {
			assert.ErrorIs(t, err, errBoom)
			continue
		}
		assert.NoError(t, err, i)
	}
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		for i := range errs {
			v := tx.Bucket(bucketKeys).Get([]byte("k" + strconv.Itoa(i)))
			if i == 3 {
				assert.Nil(t, v)
			} else {
				assert.Equal(t, []byte("v"), v, i)
			}
		}
		return nil
	}))
	require.NoError(t, s.Close())
	assert.ErrorIs(t, s.write(func(*bolt.Tx) error { return nil }), ErrClosed)
}

// TestHandoff: a job for an idle worker is stored "printing" in its
// enqueue commit and handed over; only one per idle spell, never past a
// queued job; a handed job not begun when the worker stops is queued again.
func TestHandoff(t *testing.T) {
	s, path := open(t)
	s.setIdle("p", true) // as an idle worker with its printer open
	a, _, err := s.Enqueue("p", "a", "", []byte("A"), nil)
	require.NoError(t, err)
	assert.Equal(t, Printing, a.State)
	assert.Equal(t, 1, a.Attempts)
	b, _, err := s.Enqueue("p", "b", "", []byte("B"), nil)
	require.NoError(t, err)
	assert.Equal(t, Queued, b.State, "one handoff per idle spell")

	s.setIdle("p", true)
	c, _, err := s.Enqueue("p", "c", "", []byte("C"), nil)
	require.NoError(t, err)
	assert.Equal(t, Queued, c.State, "b is queued ahead")

	job, bytes, ok := s.takeHanded("p")
	require.True(t, ok)
	assert.Equal(t, a.ID, job.ID)
	assert.Equal(t, []byte("A"), bytes)
	_, _, ok = s.takeHanded("p")
	assert.False(t, ok)

	// Handed but not begun, then the worker stops: back in the queue.
	_, _, err = s.Enqueue("q", "x", "", []byte("X"), nil)
	require.NoError(t, err)
	s.setIdle("q", true)
	d, _, err := s.Enqueue("q", "d", "", []byte("D"), nil)
	require.NoError(t, err)
	assert.Equal(t, Queued, d.State, "x is queued ahead")
	require.NoError(t, s.closeDesk("q"))

	s.setIdle("r", true)
	e, _, err := s.Enqueue("r", "e", "", []byte("E"), nil)
	require.NoError(t, err)
	require.Equal(t, Printing, e.State)
	require.NoError(t, s.closeDesk("r"))
	got, err := s.Get(e.ID)
	require.NoError(t, err)
	assert.Equal(t, Queued, got.State)
	assert.Zero(t, got.Attempts)
	next, ok, err := s.next("r")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, e.ID, next.ID)

	// A crash with a job handed: it comes back unknown, never printed
	// silently (nothing may have been sent, but nobody can know).
	s.setIdle("z", true)
	f, _, err := s.Enqueue("z", "f", "", []byte("F"), nil)
	require.NoError(t, err)
	require.Equal(t, Printing, f.State)
	require.NoError(t, s.Close())
	s3, err := Open(path)
	require.NoError(t, err)
	defer s3.Close()
	jobs, err := s3.List("z", Unknown, 0)
	require.NoError(t, err)
	assert.Len(t, jobs, 1)
}

// TestCounts: the counts follow every state change, a batch member that
// failed leaves no trace in them, and a restart recounts.
func TestCounts(t *testing.T) {
	s, path := open(t)
	a, _, err := s.Enqueue("p", "a", "", []byte("A"), nil)
	require.NoError(t, err)
	_, _, err = s.Enqueue("p", "b", "", []byte("B"), nil)
	require.NoError(t, err)
	_, _, err = s.Enqueue("p", "b", "", []byte("B"), nil) // the same key: no new job
	require.NoError(t, err)
	_, _, err = s.Enqueue("q", "c", "", []byte("C"), nil)
	require.NoError(t, err)
	_, err = s.update(a.ID, func(j *Job) error { j.State = Printing; return nil })
	require.NoError(t, err)
	_, err = s.update(a.ID, func(j *Job) error { j.State = Printed; return errors.New("rolled back") })
	require.Error(t, err)
	got, err := s.Counts()
	require.NoError(t, err)
	assert.Equal(t, map[string]map[State]int{"p": {Printing: 1, Queued: 1}, "q": {Queued: 1}}, got)

	require.NoError(t, s.Close())
	s2, err := Open(path)
	require.NoError(t, err)
	defer s2.Close()
	got, err = s2.Counts()
	require.NoError(t, err)
	assert.Equal(t, map[string]map[State]int{"p": {Unknown: 1, Queued: 1}, "q": {Queued: 1}}, got, "printing was cut off by the stop")
}
