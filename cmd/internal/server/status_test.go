package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/station"
)

// slowPrinter holds its lock while a job prints, as a printer on one link
// does; Status waits for it.
type slowPrinter struct {
	mu      sync.Mutex
	started chan struct{}
	release chan struct{}
}

func (p *slowPrinter) Name() string { return "slow" }
func (p *slowPrinter) Print(ctx context.Context, job []byte) printers.Result {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.started <- struct{}{}
	<-p.release
	return printers.Result{Outcome: printers.OutcomePrinted, Sent: len(job), Status: &printers.Status{Online: true}}
}
func (p *slowPrinter) Status(ctx context.Context) (printers.Status, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return printers.Status{Online: true, PaperNearEnd: true}, nil
}
func (p *slowPrinter) Close() error { return nil }

// A status read while a job prints answers at once: busy, with the last
// status read and when.
func TestStatusReadDoesNotWaitForAPrint(t *testing.T) {
	sp := &slowPrinter{started: make(chan struct{}, 1), release: make(chan struct{})}
	e := newEnvConfig(t, Config{Printers: []station.Config{{Name: "front", Address: "virtual://"}},
		Open: func(context.Context, station.Config) (printers.Printer, error) { return sp, nil }})
	_, body := e.do(t, "GET", "/v1/printers/front", "", "")
	require.Contains(t, body, `"paper_near_end": true`)
	resp, body := e.do(t, "POST", "/v1/printers/front/jobs", "application/json", sample(t, "cash-start"))
	require.Equal(t, http.StatusAccepted, resp.StatusCode, body)
	<-sp.started
	defer close(sp.release)

	client := &http.Client{Timeout: 10 * time.Second}
	r, err := client.Get(e.http.URL + "/v1/printers/front")
	require.NoError(t, err, "the status read waits for the print")
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	var v struct {
		Busy     bool             `json:"busy"`
		Status   *printers.Status `json:"status"`
		StatusAt time.Time        `json:"status_at"`
		Error    string           `json:"error"`
	}
	require.NoError(t, json.Unmarshal(b, &v), string(b))
	assert.True(t, v.Busy, string(b))
	require.NotNil(t, v.Status, "the last known status")
	assert.True(t, v.Status.PaperNearEnd)
	assert.WithinDuration(t, time.Now(), v.StatusAt, time.Minute)
	assert.Empty(t, v.Error)
}

// A shared printer another host holds is busy, not an error.
type heldPrinter struct{ slowPrinter }

func (p *heldPrinter) Status(ctx context.Context) (printers.Status, error) {
	return printers.Status{}, printers.ErrBusy
}

func TestPrinterHeldElsewhereIsBusy(t *testing.T) {
	hp := &heldPrinter{}
	e := newEnvConfig(t, Config{Printers: []station.Config{{Name: "front", Address: "virtual://"}},
		Open: func(context.Context, station.Config) (printers.Printer, error) { return hp, nil }})
	_, body := e.do(t, "GET", "/v1/printers/front", "", "")
	assert.Contains(t, body, `"busy": true`)
	assert.NotContains(t, body, `"status":`, "no status was ever read")
}

// A status read does not wait past its timeout for another caller's open
// of the printer (a dial to an address that does not answer takes 5 s).
func TestStatusReadDoesNotWaitForAnOpen(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	opening := make(chan struct{}, 1)
	e := newEnvConfig(t, Config{Printers: []station.Config{{Name: "front", Address: "virtual://"}}, StatusInterval: time.Hour,
		Open: func(context.Context, station.Config) (printers.Printer, error) {
			select {
			case opening <- struct{}{}:
			default:
			}
			<-release
			return nil, context.DeadlineExceeded
		}})
	<-opening // the status watcher opens
	client := &http.Client{Timeout: 10 * time.Second}
	r, err := client.Get(e.http.URL + "/v1/printers/front")
	require.NoError(t, err, "the status read waits for the worker's open")
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	assert.Contains(t, string(b), `"error": "`)
}
