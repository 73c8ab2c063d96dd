package spool

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
)

var errDiskFull = errors.New("write spool.db: no space left on device")

func (s *Spool) setFailCommit(err error) {
	if err == nil {
		s.failCommit.Store(nil)
		return
	}
	s.failCommit.Store(&err)
}

// faults counts OnFault calls.
type faults struct {
	mu   sync.Mutex
	errs []error
	n    atomic.Int64
}

func (f *faults) on(printer string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if printer != "p" {
		panic("fault for " + printer)
	}
	f.errs = append(f.errs, err)
	f.n.Add(1)
}

// A spool that cannot be written stops no worker: the fault is retried
// and shown as its health, and the jobs print once the store takes
// writes again.
func TestWorkerSurvivesSpoolWriteErrors(t *testing.T) {
	tests := []struct {
		name string
		// when the store starts failing: before the worker starts, or as
		// the first job prints (its outcome cannot be recorded)
		duringPrint bool
	}{
		{"before the job is marked printing", false},
		{"while the outcome is recorded", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := open(t)
			var ids []string
			for i := range 5 {
				j, _, err := s.Enqueue("p", strconv.Itoa(i), "", []byte("job "+strconv.Itoa(i)), nil)
				require.NoError(t, err)
				ids = append(ids, j.ID)
			}
			p := &hookPrinter{}
			if tt.duringPrint {
				var once sync.Once
				p.before = func() { once.Do(func() { s.setFailCommit(errDiskFull) }) }
			} else {
				s.setFailCommit(errDiskFull)
			}
			var f faults
			runWorker(t, s, p, WorkerOptions{Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, OnFault: f.on})
			require.Eventually(t, func() bool { return f.n.Load() >= 3 }, 5*time.Second, time.Millisecond, "faults are retried")
			h := s.Health("p")
			assert.Equal(t, "p", h.Printer)
			assert.Contains(t, h.Err, "no space left on device")
			assert.False(t, h.Since.IsZero())
			assert.GreaterOrEqual(t, h.Faults, uint64(3))
			f.mu.Lock()
			assert.ErrorIs(t, f.errs[0], errDiskFull)
			assert.ErrorIs(t, f.errs[0], ErrStoreFault)
			assert.True(t, strings.HasPrefix(h.Err, ErrStoreFault.Error()), h.Err)
			f.mu.Unlock()

			s.setFailCommit(nil) // space came back
			for _, id := range ids {
				got := waitFinal(t, s, id)
				assert.Equal(t, Printed, got.State, got.Reason)
			}
			h = s.Health("p")
			assert.Empty(t, h.Err, "healthy again")
			assert.True(t, h.Since.IsZero())
			assert.GreaterOrEqual(t, h.Faults, uint64(3), "the count stays")
			assert.Equal(t, []string{"job 0", "job 1", "job 2", "job 3", "job 4"}, p.printed(), "each once, in order")
		})
	}
}

// hookPrinter prints everything, calling before ahead of each job.
type hookPrinter struct {
	mu     sync.Mutex
	before func()
	jobs   []string
}

func (p *hookPrinter) Name() string { return "hook" }
func (p *hookPrinter) Print(_ context.Context, job []byte) printers.Result {
	if p.before != nil {
		p.before()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.jobs = append(p.jobs, string(job))
	return printers.Result{Outcome: printers.OutcomePrinted, Sent: len(job)}
}
func (p *hookPrinter) Status(context.Context) (printers.Status, error) {
	return printers.Status{Online: true}, nil
}
func (p *hookPrinter) Close() error { return nil }
func (p *hookPrinter) printed() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.jobs...)
}

// A printer that cannot be opened is a fault too, and its end is health.
func TestWorkerHealthFollowsThePrinter(t *testing.T) {
	s, _ := open(t)
	var down atomic.Bool
	down.Store(true)
	p := &hookPrinter{}
	var f faults
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- s.Run(ctx, "p", func(context.Context) (printers.Printer, error) {
			if down.Load() {
				return nil, errors.New("dial tcp 10.0.0.9:9100: connect: no route to host")
			}
			return p, nil
		}, WorkerOptions{Backoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, OnFault: f.on})
	}()
	j, _, err := s.Enqueue("p", "k", "", []byte("job"), nil)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return f.n.Load() >= 2 }, 5*time.Second, time.Millisecond)
	assert.Contains(t, s.Health("p").Err, "no route to host")
	f.mu.Lock()
	assert.ErrorIs(t, f.errs[0], ErrPrinterFault)
	f.mu.Unlock()
	down.Store(false)
	assert.Equal(t, Printed, waitFinal(t, s, j.ID).State)
	assert.Empty(t, s.Health("p").Err)
	cancel()
	assert.NoError(t, <-done, "Run ends with its context, and only then")
}
