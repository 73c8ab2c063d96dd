package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/station"
)

// backPrinter records what a printer that is back would print.
type backPrinter struct {
	mu   sync.Mutex
	jobs [][]byte
}

func (p *backPrinter) Name() string { return "back-printer" }
func (p *backPrinter) Print(_ context.Context, job []byte) printers.Result {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.jobs = append(p.jobs, bytes.Clone(job))
	return printers.Result{Outcome: printers.OutcomePrinted, Sent: len(job)}
}
func (p *backPrinter) Status(context.Context) (printers.Status, error) {
	return printers.Status{Online: true}, nil
}
func (p *backPrinter) Close() error { return nil }

// The case: a printer away longer than job_deadline fails the
// receipt; the till's retry (same key) once it is back prints it as the
// original, not as a copy: the same job, attempt 2, its failure in the
// history. POST …/retry does the same for a person, once per attempt.
func TestFailedReceiptPrintsAgainAsTheOriginal(t *testing.T) {
	var back, sideBack atomic.Bool
	out := &backPrinter{}
	e := newEnvConfig(t, Config{
		Printers: []station.Config{{Name: "front", Address: "virtual://", Model: "TM-T88V"}, {Name: "side", Address: "virtual://", Model: "TM-T88V"}},
		Worker:   spool.WorkerOptions{Deadline: 50 * time.Millisecond, Backoff: 5 * time.Millisecond, MaxBackoff: 10 * time.Millisecond},
		Open: func(_ context.Context, p station.Config) (printers.Printer, error) {
			if p.Name == "side" && !sideBack.Load() || p.Name == "front" && !back.Load() {
				return nil, errors.New("unplugged")
			}
			return out, nil
		},
	})
	key := []string{"Idempotency-Key", "till-42"}
	resp, body := e.do(t, "POST", "/v1/printers/front/jobs?wait=5s", "application/json", sample(t, "card-topup"), key...)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, `"state": "failed"`)
	assert.Contains(t, body, `"attempt": 1`)

	back.Store(true)
	resp, body = e.do(t, "POST", "/v1/printers/front/jobs?wait=5s", "application/json", sample(t, "card-topup"), key...)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, "true", resp.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, "/v1/jobs/j1000000000001", resp.Header.Get("Location"), "the same job")
	assert.Contains(t, body, `"state": "printed"`)
	assert.Contains(t, body, `"attempt": 2`)
	assert.Contains(t, body, `"reason": "gave up after 50ms: waiting: printer not reachable: unplugged"`, "the failed attempt in the history")
	assert.NotContains(t, body, `"copy": true`)
	out.mu.Lock()
	require.Len(t, out.jobs, 1)
	assert.NotContains(t, string(out.jobs[0]), "KOPIE", "the original, not a copy")
	out.mu.Unlock()

	// Printed is final: the key again changes nothing; retry is refused.
	resp, body = e.do(t, "POST", "/v1/printers/front/jobs", "application/json", sample(t, "card-topup"), key...)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Contains(t, body, `"attempt": 2`)
	resp, body = e.do(t, "POST", "/v1/jobs/j1000000000001/retry", "", "")
	assert.Equal(t, http.StatusConflict, resp.StatusCode, body)
	assert.Contains(t, body, `"code": "not_failed"`)

	// A person's retry: POST …/retry?attempt=N, once per attempt.
	resp, body = e.do(t, "POST", "/v1/printers/side/jobs?wait=5s", "application/json", sample(t, "cash-start"), "Idempotency-Key", "till-43")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, `"state": "failed"`)
	sideBack.Store(true)
	for i, want := range []string{"", "true"} {
		resp, body = e.do(t, "POST", "/v1/jobs/j1000000000002/retry?attempt=1", "", "")
		require.Equal(t, http.StatusAccepted, resp.StatusCode, body)
		assert.Equal(t, want, resp.Header.Get("Idempotent-Replayed"), "call %d", i)
		assert.Contains(t, body, `"attempt": 2`)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	j, err := e.spool.Wait(ctx, "j1000000000002")
	require.NoError(t, err)
	assert.Equal(t, spool.Printed, j.State)
	out.mu.Lock()
	assert.Len(t, out.jobs, 2, "a retry sent twice prints once")
	out.mu.Unlock()

	for _, tt := range []struct {
		path   string
		status int
		code   string
	}{
		{"/v1/jobs/j1000000000002/retry?attempt=0", 400, "bad_attempt"},
		{"/v1/jobs/j1000000000002/retry?attempt=x", 400, "bad_attempt"},
		{"/v1/jobs/j1000000000002/retry?attempt=2", 409, "not_failed"},
		{"/v1/jobs/j1000000000099/retry", 404, "unknown_job"},
	} {
		resp, body := e.do(t, "POST", tt.path, "", "")
		assert.Equal(t, tt.status, resp.StatusCode, tt.path+": "+body)
		assert.Contains(t, body, `"code": "`+tt.code+`"`, tt.path)
	}
}

// An ePOS job answered "not printed" is never tried again: its till
// sends a new job.
func TestRetryRefusesAnEPOSJob(t *testing.T) {
	e := newEnvConfig(t, Config{Printers: []station.Config{{Name: "front", Address: "virtual://", Model: "TM-T88V"}},
		Open: func(context.Context, station.Config) (printers.Printer, error) { return nil, errors.New("unplugged") }})
	j, _, err := e.spool.EnqueueJob("front", "epos:1", spool.Job{Source: spool.SourceEPOS}, []byte("x"))
	require.NoError(t, err)
	_, err = e.spool.FailUnsent(j.ID, "ePOS answer: not printed")
	require.NoError(t, err)
	resp, body := e.do(t, "POST", "/v1/jobs/"+j.ID+"/retry", "", "")
	assert.Equal(t, http.StatusConflict, resp.StatusCode, body)
	assert.Contains(t, body, `"code": "not_retryable"`)
}

// Keys are the service's: the same key with the same receipt for another
// printer is refused (an ECR failing over to a second printer needs a new
// key), naming the key's job; nothing is queued.
func TestKeyForAnotherPrinterIsReused(t *testing.T) {
	e := newEnvConfig(t, Config{Printers: []station.Config{
		{Name: "front", Address: "virtual://", Model: "TM-T88V"}, {Name: "back", Address: "virtual://", Model: "TM-T88V"}}})
	for _, hdr := range [][]string{{"Idempotency-Key", "till-7"}, nil} { // the till's key, and the default key
		resp, body := e.do(t, "POST", "/v1/printers/front/jobs", "application/json", sample(t, "card-topup"), hdr...)
		require.Contains(t, []int{200, 202}, resp.StatusCode, body)
		first := resp.Header.Get("Location")
		resp, body = e.do(t, "POST", "/v1/printers/back/jobs", "application/json", sample(t, "card-topup"), hdr...)
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, body)
		assert.Contains(t, body, `"code": "idempotency_key_reused"`)
		assert.Contains(t, body, "on printer front")
		assert.Equal(t, first, resp.Header.Get("Location"))
	}
	n, err := e.spool.Counts()
	require.NoError(t, err)
	assert.Empty(t, n["back"])
}
