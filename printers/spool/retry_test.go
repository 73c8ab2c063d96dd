package spool

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
)

// A job of which no byte was sent is sent again until its deadline,
// whatever the printer said: a passing autocutter error fails nothing.
func TestNothingSentIsRetriedWhateverTheReason(t *testing.T) {
	nothingSent := []printers.Result{
		{Outcome: printers.OutcomeFailed, Reason: printers.ReasonPrinterError, Status: &printers.Status{AutocutterError: true}},
		{Outcome: printers.OutcomeFailed, Reason: printers.ReasonPrinterError, Status: &printers.Status{Unrecoverable: true}},
		{Outcome: printers.OutcomeFailed, Reason: printers.ReasonNoConfirmation},
		{Outcome: printers.OutcomeUnknown, Reason: printers.ReasonDisconnected},
	}
	for _, r := range nothingSent {
		t.Run(r.String(), func(t *testing.T) {
			s, _ := open(t)
			p := &script{results: []printers.Result{r, r, r}}
			runWorker(t, s, p, WorkerOptions{Backoff: time.Millisecond})
			j, _, err := s.Enqueue("p", "k", "", []byte("job"), nil)
			require.NoError(t, err)
			got := waitFinal(t, s, j.ID)
			assert.Equal(t, Printed, got.State, got.Reason)
			assert.Equal(t, 4, got.Attempts)
		})
	}
}

// The case: a queue of 200 behind a cutter error that passes.
// Every job prints, once, in order.
func TestCutterErrorFailsNoQueuedJob(t *testing.T) {
	s, _ := open(t)
	cutter := printers.Result{Outcome: printers.OutcomeFailed, Reason: printers.ReasonPrinterError, Status: &printers.Status{AutocutterError: true}}
	var results []printers.Result
	for range 12 {
		results = append(results, cutter)
	}
	p := &script{results: results}
	var ids []string
	for i := range 200 {
		j, _, err := s.Enqueue("p", strconv.Itoa(i), "", []byte("job "+strconv.Itoa(i)), nil)
		require.NoError(t, err)
		ids = append(ids, j.ID)
	}
	runWorker(t, s, p, WorkerOptions{Backoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond})
	for _, id := range ids {
		got := waitFinal(t, s, id)
		assert.Equal(t, Printed, got.State, "%s: %s", id, got.Reason)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	printed := p.jobs[12:] // the first 12 attempts met the cutter error
	require.Len(t, printed, 200)
	for i, b := range printed {
		assert.Equal(t, "job "+strconv.Itoa(i), string(b))
	}
}

// Bytes sent and no confirmation: unknown, as before; nothing sent and the
// deadline passed: failed, with the printer's reason.
//
// The deadline runs in real time from the job's creation, and on a loaded
// machine one attempt can outlast 20 ms. So the job is created an hour
// ahead, where it cannot expire, and once the printer has refused it
// twice it is moved an hour back: the deadline has passed then, whatever
// the load, and after more than one attempt.
func TestNothingSentFailsAtItsDeadline(t *testing.T) {
	s, _ := open(t)
	s.now = func() time.Time { return time.Now().Add(time.Hour) }
	p := &refuser{result: printers.Result{Outcome: printers.OutcomeFailed, Reason: printers.ReasonPrinterError}}
	runWorker(t, s, p, WorkerOptions{Backoff: 2 * time.Millisecond, MaxBackoff: 4 * time.Millisecond, Deadline: 20 * time.Millisecond})
	j, _, err := s.Enqueue("p", "k", "", []byte("job"), nil)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return p.attempts() >= 2 }, 5*time.Second, time.Millisecond)
	got, err := s.Get(j.ID)
	require.NoError(t, err)
	require.False(t, got.State.Final(), "before its deadline: %s %s", got.State, got.Reason)
	_, err = s.update(j.ID, func(j *Job) error { j.CreatedAt = time.Now().Add(-time.Hour); return nil })
	require.NoError(t, err)
	got = waitFinal(t, s, j.ID)
	assert.Equal(t, Failed, got.State)
	assert.Contains(t, got.Reason, "gave up after 20ms")
	assert.Contains(t, got.Reason, "printer error")
	assert.Greater(t, got.Attempts, 1)
}

// refuser turns every job away with result, nothing sent, and counts the
// attempts.
type refuser struct {
	mu     sync.Mutex
	result printers.Result
	n      int
}

func (p *refuser) Name() string { return "refuser" }
func (p *refuser) Print(context.Context, []byte) printers.Result {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	return p.result
}
func (p *refuser) Status(context.Context) (printers.Status, error) {
	return printers.Status{Online: true}, nil
}
func (p *refuser) Close() error { return nil }

func (p *refuser) attempts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// recoverPrinter fails with a recoverable error until Recover is called.
type recoverPrinter struct {
	script
	recovers int
}

func (p *recoverPrinter) Recover(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.recovers++
	p.results = nil
	return nil
}

// A printer that can clear a recoverable error is asked to, before the
// job of which nothing was sent goes again.
func TestRecoverableErrorIsCleared(t *testing.T) {
	s, _ := open(t)
	cutter := printers.Result{Outcome: printers.OutcomeFailed, Reason: printers.ReasonPrinterError, Status: &printers.Status{AutocutterError: true, Recoverable: true}}
	p := &recoverPrinter{script: script{results: []printers.Result{cutter, cutter, cutter, cutter, cutter}}}
	runWorker(t, s, p, WorkerOptions{Backoff: time.Millisecond})
	j, _, err := s.Enqueue("p", "k", "", []byte("job"), nil)
	require.NoError(t, err)
	got := waitFinal(t, s, j.ID)
	assert.Equal(t, Printed, got.State)
	assert.Equal(t, 2, got.Attempts, "cleared after the first")
	p.mu.Lock()
	defer p.mu.Unlock()
	assert.Equal(t, 1, p.recovers)
}
