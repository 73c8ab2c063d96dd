package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/station"
)

const wireToken = "wire-token-0123456789abcdef"

// wiredStar is a CloudPRNT printer as receiptd's configuration gives it.
func wiredStar() station.Config {
	return station.Config{Name: "star", Address: "cloudprnt://" + testMAC, Model: "mC-Print3", Secret: testCPSecret, PollInterval: time.Second}
}

// TestPulledPrinterWired: a pulled printer among the configured ones is
// served at /cloudprnt outside the bearer token and the loopback host
// guard; its jobs enter by the JSON API and wait for its poll (no worker
// fails them as unreachable); GET /v1/printers shows its polls.
func TestPulledPrinterWired(t *testing.T) {
	e := newEnvConfig(t, Config{Printers: []station.Config{wiredStar(), {Name: "front", Address: "virtual://", Model: "TM-T88V"}},
		Tokens: []string{wireToken}, LoopbackOnly: true})
	auth := []string{"Authorization", "Bearer " + wireToken}

	resp, body := e.do(t, "GET", "/v1/printers/star", "", "", auth...)
	require.Equal(t, 200, resp.StatusCode, body)
	var v printerView
	require.NoError(t, json.Unmarshal([]byte(body), &v))
	require.NotNil(t, v.Pull)
	assert.Equal(t, "cloudprnt", v.Pull.Protocol)
	assert.False(t, v.Pull.Polling)
	assert.Nil(t, v.Status, "no poll yet: no status")
	assert.Contains(t, v.Error, "has not polled")

	resp, body = e.do(t, "POST", "/v1/printers/star/jobs", "application/json", sample(t, "card-topup"), auth...)
	require.Equal(t, 202, resp.StatusCode, body)
	var j spool.Job
	require.NoError(t, json.Unmarshal([]byte(body), &j))

	// A poll by the LAN name, no bearer token: the job is offered.
	req, err := http.NewRequest("POST", e.http.URL+"/cloudprnt/"+testCPSecret, strings.NewReader(pollOK))
	require.NoError(t, err)
	req.Host = "receiptd.lan:8080"
	var a struct {
		JobReady bool   `json:"jobReady"`
		JobToken string `json:"jobToken"`
	}
	for range 2 { // the first answer may ask for clientAction instead
		res, err := http.DefaultClient.Do(req.Clone(context.Background()))
		require.NoError(t, err)
		require.Equal(t, 200, res.StatusCode)
		require.NoError(t, json.NewDecoder(res.Body).Decode(&a))
		res.Body.Close()
		req.Body, _ = req.GetBody()
		if a.JobReady {
			break
		}
	}
	assert.True(t, a.JobReady)
	assert.Equal(t, j.ID, a.JobToken)

	resp, body = e.do(t, "GET", "/v1/printers/star", "", "", auth...)
	require.Equal(t, 200, resp.StatusCode, body)
	v = printerView{}
	require.NoError(t, json.Unmarshal([]byte(body), &v))
	assert.True(t, v.Pull.Polling)
	require.NotNil(t, v.Status)
	assert.True(t, v.Status.Online)
	assert.True(t, v.Ready, v.Error)
	assert.NotNil(t, v.Pull.LastPoll)

	// Its gauges follow its polls, for alerts.
	require.Eventually(t, func() bool {
		_, m := e.do(t, "GET", "/metrics", "", "")
		return strings.Contains(m, `receiptd_printer_ready{printer="star"} 1`) &&
			strings.Contains(m, `receiptd_printer_condition{condition="paper_end",printer="star"} 0`)
	}, 3*sweepEvery, 50*time.Millisecond)

	// The JSON API keeps its token and its host guard.
	resp, _ = e.do(t, "GET", "/v1/printers", "", "")
	assert.Equal(t, 401, resp.StatusCode)
	req, err = http.NewRequest("GET", e.http.URL+"/v1/printers", nil)
	require.NoError(t, err)
	req.Host = "receiptd.lan:8080"
	req.Header.Set("Authorization", "Bearer "+wireToken)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 403, res.StatusCode)
	// A path that only starts like the printers' is not theirs.
	resp, _ = e.do(t, "POST", "/cloudprntx", "", "")
	assert.NotEqual(t, 200, resp.StatusCode)
}

// TestPulledJobsSweptAndNotOrphaned: a job queued for a pulled printer
// before the start is not failed as an orphan; the sweep fails it at its
// deadline though the printer never polls; a printer no longer
// configured still has its jobs failed.
func TestPulledJobsSweptAndNotOrphaned(t *testing.T) {
	sp, err := spool.Open(filepath.Join(t.TempDir(), "spool.db"))
	require.NoError(t, err)
	t.Cleanup(func() { sp.Close() })
	mine, _, err := sp.Enqueue("star", "k1", "", []byte("\x1b@job\n"), nil)
	require.NoError(t, err)
	gone, _, err := sp.Enqueue("gone", "k2", "", []byte("\x1b@job\n"), nil)
	require.NoError(t, err)
	s, err := New(Config{Printers: []station.Config{wiredStar()}, Worker: spool.WorkerOptions{Deadline: 3 * time.Second}}, sp)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	<-s.ready

	j, err := sp.Get(gone.ID)
	require.NoError(t, err)
	assert.Equal(t, spool.Failed, j.State, "a printer no longer configured")
	j, err = sp.Get(mine.ID)
	require.NoError(t, err)
	assert.Equal(t, spool.Queued, j.State, "a pulled printer is configured: its job waits")
	require.Eventually(t, func() bool {
		j, err := sp.Get(mine.ID)
		return err == nil && j.State == spool.Failed
	}, 3*time.Second+3*sweepEvery, 50*time.Millisecond, "the sweep applies the deadline to a printer that never polls")
	j, err = sp.Get(mine.ID)
	require.NoError(t, err)
	assert.Contains(t, j.Reason, "did not fetch it")
}

// TestPulledConfigChecked: what New refuses of a pulled printer.
func TestPulledConfigChecked(t *testing.T) {
	sp, err := spool.Open(filepath.Join(t.TempDir(), "spool.db"))
	require.NoError(t, err)
	t.Cleanup(func() { sp.Close() })
	for _, tt := range []struct {
		name string
		edit func(*station.Config)
		want string
	}{
		{"no secret", func(c *station.Config) { c.Secret = "" }, "secret of at least 16 characters"},
		{"negative interval", func(c *station.Config) { c.PollInterval = -time.Second }, "want a positive duration"},
		{"sdp_version on cloudprnt", func(c *station.Config) { c.SDPVersion = 1 }, "sdp_version is for sdp://"},
		{"secret on tcp", func(c *station.Config) { c.Address = "tcp://127.0.0.1:9" }, "are for cloudprnt:// and sdp://"},
		{"sdp_version 7", func(c *station.Config) { c.Address, c.SDPVersion = "sdp://shop-1", 7 }, "want 1 or 2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := wiredStar()
			tt.edit(&c)
			_, err := New(Config{Printers: []station.Config{c}}, sp)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	for _, p := range []string{"/cloudprnt", "/cloudprnt/", "/cloudprnt/abc", "/sdp", "/sdp/x"} {
		assert.True(t, isPullPath(p), p)
	}
	for _, p := range []string{"/cloudprntx", "/sdpx", "/v1/sdp", "/", "/cloud"} {
		assert.False(t, isPullPath(p), p)
	}
}
