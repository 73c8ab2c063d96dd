package server

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/station"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/printers/virtual/virtualtest"
	"github.com/secuprint/receipt/receipt"
)

var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")

func sample(t testing.TB, name string) string {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "secuconnect", name+".json"))
	require.NoError(t, err)
	return string(b)
}

type env struct {
	srv   *Server
	http  *httptest.Server
	spool *spool.Spool
}

func newEnv(t testing.TB, tokens ...string) *env {
	t.Helper()
	return newEnvWith(t, []station.Config{{Name: "front", Address: "virtual://", Model: "TM-T88V"}}, tokens...)
}

func newEnvWith(t testing.TB, ps []station.Config, tokens ...string) *env {
	t.Helper()
	return newEnvConfig(t, Config{Printers: ps, Tokens: tokens})
}

// newEnvConfig serves cfg, with printers opened by address.
func newEnvConfig(t testing.TB, cfg Config) *env {
	t.Helper()
	sp, err := spool.Open(filepath.Join(t.TempDir(), "spool.db"))
	require.NoError(t, err)
	t.Cleanup(func() { sp.Close() })
	open := func(ctx context.Context, p station.Config) (printers.Printer, error) {
		prof, err := printers.Lookup(orDefault(p.Model, "default"))
		if err != nil {
			return nil, err
		}
		return printers.Open(ctx, p.Address, printers.OpenOptions{Profile: prof})
	}
	if cfg.Open == nil {
		cfg.Open = open
	}
	s, err := New(cfg, sp)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Run(ctx) }()
	hs := httptest.NewServer(s)
	t.Cleanup(func() { hs.Close(); cancel(); <-done })
	return &env{srv: s, http: hs, spool: sp}
}

func (e *env) do(t testing.TB, method, path, ctype, body string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, e.http.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func TestPostPrintsOnceAndIsIdempotent(t *testing.T) {
	e := newEnv(t)
	tx := sample(t, "card-topup")
	resp, body := e.do(t, "POST", "/v1/printers/front/jobs?wait=5s", "application/json", tx)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Contains(t, body, `"state": "printed"`)
	assert.Contains(t, body, `"source": "api"`)
	resp, body2 := e.do(t, "POST", "/v1/printers/front/jobs", "application/json", tx)
	assert.Equal(t, "true", resp.Header.Get("Idempotent-Replayed"))
	assert.Contains(t, body2, `"id": "j1000000000001"`, "the same transaction id is the same job")
	jobs, err := e.spool.List("", "", 0)
	require.NoError(t, err)
	assert.Len(t, jobs, 1)
	// The same transaction at its next step has another receipt: a new job.
	_, body = e.do(t, "POST", "/v1/printers/front/jobs", "application/json", sample(t, "capture-step4"))
	assert.Contains(t, body, `"id": "j1000000000002"`)
	resp, _ = e.do(t, "POST", "/v1/jobs/j1000000000001/reprint", "", "")
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	resp, body = e.do(t, "GET", "/v1/jobs?printer=front", "", "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, `"copy": true`)
	assert.Equal(t, 3, strings.Count(body, `"source": "api"`), "every job says its entrance")
	resp, _ = e.do(t, "GET", "/v1/jobs/j1000000000001/preview.png", "", "")
	assert.Equal(t, "image/png", resp.Header.Get("Content-Type"))
	for _, id := range []string{"j1000000000002", "j1000000000003"} {
		_, body = e.do(t, "GET", "/v1/jobs/"+id+"?wait=5s", "", "")
		require.Contains(t, body, `"state": "printed"`)
	}
	_, body = e.do(t, "GET", "/metrics", "", "")
	assert.Contains(t, body, `receiptd_jobs{printer="front",state="printed"} 3`)
	// Two receipts and a reprint; the replay is no new job.
	assert.Contains(t, body, `receiptd_jobs_accepted_total{printer="front",source="api"} 3`)
	assert.Contains(t, body, `receiptd_print_seconds_count{source="api"} 3`)
}

func TestRejectedRequestsLeaveTheSpoolUntouched(t *testing.T) {
	e := newEnv(t)
	big := `{"receipt":[{"type":"textline","value":{"text":"` + strings.Repeat("x", MaxBody) + `"}}]}`
	tests := []struct {
		name, path, ctype, body string
		status                  int
		want                    string
		key                     string // Idempotency-Key
	}{
		{"too large", "/v1/printers/front/jobs", "application/json", big, 413, `"too_large"`, ""},
		{"wrong type", "/v1/printers/front/jobs", "text/plain", `{}`, 415, `"unsupported_media_type"`, ""},
		{"invalid json", "/v1/printers/front/jobs", "application/json", `{"receipt":[`, 400, `"invalid_json"`, ""},
		{"unknown line type", "/v1/printers/front/jobs", "application/json", `{"id":"x","receipt":[{"type":"space"},{"type":"barcode"}]}`, 422, `"line": 1`, ""},
		{"wrong field type", "/v1/printers/front/jobs", "application/json", `{"id":"x","receipt":[{"type":"separator","value":{"caption":7}}]}`, 422, `"line": 0`, ""},
		{"no key", "/v1/printers/front/jobs", "application/json", `{"receipt":[{"type":"space"}]}`, 422, `"no_idempotency_key"`, ""},
		{"unknown printer", "/v1/printers/back/jobs", "application/json", sample(t, "cash-start"), 404, `"unknown_printer"`, ""},
		{"bad wait", "/v1/printers/front/jobs?wait=forever", "application/json", sample(t, "cash-start"), 400, `"bad_wait"`, ""},
		{"key too long", "/v1/printers/front/jobs", "application/json", sample(t, "cash-start"), 400, `"bad_idempotency_key"`, strings.Repeat("k", 256)},
		{"key with a space", "/v1/printers/front/jobs", "application/json", sample(t, "cash-start"), 400, `"bad_idempotency_key"`, "a b"},
		{"reprint key too long", "/v1/jobs/j1000000000001/reprint", "", "", 400, `"bad_idempotency_key"`, strings.Repeat("k", 256)},
		{"reprint unknown job", "/v1/jobs/j1000000000001/reprint", "", "", 404, `"unknown_job"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.key != "" {
				hdr = []string{"Idempotency-Key", tt.key}
			}
			resp, body := e.do(t, "POST", tt.path, tt.ctype, tt.body, hdr...)
			assert.Equal(t, tt.status, resp.StatusCode, body)
			assert.Contains(t, body, tt.want)
			jobs, err := e.spool.List("", "", 0)
			require.NoError(t, err)
			assert.Empty(t, jobs)
		})
	}
}

func TestLongTransactionIDStillHasAKey(t *testing.T) {
	e := newEnv(t)
	tx := `{"id":"` + strings.Repeat("i", 40000) + `","receipt":[{"type":"space"}]}`
	resp, body := e.do(t, "POST", "/v1/printers/front/jobs", "application/json", tx)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, body)
	assert.Contains(t, body, `"idempotency_key": "sha256:`)
	resp, _ = e.do(t, "POST", "/v1/printers/front/jobs", "application/json", tx)
	assert.Equal(t, "true", resp.Header.Get("Idempotent-Replayed"), "the hashed id still identifies the transaction")
}

func TestReprintIsACopyOnPaper(t *testing.T) {
	e := newEnv(t)
	resp, body := e.do(t, "POST", "/v1/printers/front/jobs?wait=5s", "application/json", sample(t, "cash-start"))
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	orig, err := e.spool.Bytes("j1000000000001")
	require.NoError(t, err)

	resp, body = e.do(t, "POST", "/v1/jobs/j1000000000001/reprint", "", "", "Idempotency-Key", "ecr-7")
	require.Equal(t, http.StatusAccepted, resp.StatusCode, body)
	assert.Contains(t, body, `"copy_of": "j1000000000001"`)
	copied, err := e.spool.Bytes("j1000000000002")
	require.NoError(t, err)
	mark, err := receipt.AppendCopyMark(nil)
	require.NoError(t, err)
	assert.Equal(t, append(mark, orig...), copied, "the banner, then the original bytes")

	_, body = e.do(t, "POST", "/v1/jobs/j1000000000001/reprint", "", "", "Idempotency-Key", "ecr-7")
	assert.Contains(t, body, `"id": "j1000000000002"`, "a retried reprint is the same copy")

	// A job whose printer has left the configuration cannot be reprinted.
	gone, _, err := e.spool.Enqueue("back", "k", "", orig, nil)
	require.NoError(t, err)
	resp, body = e.do(t, "POST", "/v1/jobs/"+gone.ID+"/reprint", "", "")
	assert.Equal(t, http.StatusConflict, resp.StatusCode, body)
}

func TestPrinterOptions(t *testing.T) {
	e := newEnvWith(t, []station.Config{
		{Name: "front", Address: "virtual://", Model: "TM-T88V"},
		{Name: "twice", Address: "virtual://", Model: "TM-T88V", Copies: 2},
		{Name: "cp437", Address: "virtual://", Model: "TM-T88V", CodePages: []string{"CP437"}},
	})
	umlauts, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "receipts", "umlauts.json"))
	require.NoError(t, err)
	var jobs [3][]byte
	for i, name := range []string{"front", "twice", "cp437"} {
		resp, body := e.do(t, "POST", "/v1/printers/"+name+"/jobs?wait=5s", "application/json", string(umlauts), "Idempotency-Key", "u-"+name)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		require.Contains(t, body, `"state": "printed"`)
		if name == "cp437" {
			assert.Contains(t, body, "U+20AC", "the euro sign's fallback is reported")
		}
		var err error
		jobs[i], err = e.spool.Bytes("j100000000000" + strconv.Itoa(i+1))
		require.NoError(t, err)
	}
	assert.Equal(t, append(append([]byte(nil), jobs[0]...), jobs[0]...), jobs[1], "two copies in one job")
	assert.NotEqual(t, jobs[0], jobs[2])
	slots := func(job []byte) (got []byte) {
		for i := 0; i+2 < len(job); i++ {
			if job[i] == 0x1b && job[i+1] == 't' {
				got = append(got, job[i+2])
			}
		}
		return got
	}
	assert.Equal(t, []byte{0, 19, 16}, slots(jobs[0]), "the model's pages: CP437, PC858 for €, WPC1252 for „“")
	assert.Equal(t, []byte{0}, slots(jobs[2]), "pinned to CP437: no other table")
	_, body := e.do(t, "GET", "/v1/printers/twice", "", "")
	assert.Contains(t, body, `"copies": 2`)
	resp, body := e.do(t, "POST", "/v1/jobs/j1000000000002/reprint", "", "")
	require.Equal(t, http.StatusAccepted, resp.StatusCode, body)
	copied, err := e.spool.Bytes("j1000000000004")
	require.NoError(t, err)
	mark, err := receipt.AppendCopyMark(nil)
	require.NoError(t, err)
	assert.Equal(t, append(mark, jobs[0]...), copied, "a reprint is one receipt under the mark, not two under one mark")

	sp, err := spool.Open(filepath.Join(t.TempDir(), "spool.db"))
	require.NoError(t, err)
	defer sp.Close()
	for _, bad := range []station.Config{
		{Name: "p", Address: "virtual://", Copies: station.MaxCopies + 1},
		{Name: "p", Address: "virtual://", Copies: -1},
		{Name: "p", Address: "virtual://", Model: "TM-T88V", CodePages: []string{"CP999"}},
	} {
		_, err := New(Config{Printers: []station.Config{bad}}, sp)
		assert.Error(t, err, "%+v", bad)
	}
}

// The status gauges follow the printer without anyone asking for its
// status: an alert on paper running low needs no open web page.
func TestStatusGaugesFollowThePrinter(t *testing.T) {
	prof, err := printers.Lookup("TM-T88V")
	require.NoError(t, err)
	dev, addr := virtualtest.TCP(t, virtual.Options{Profile: prof})
	e := newEnvConfig(t, Config{StatusInterval: 10 * time.Millisecond, Printers: []station.Config{
		{Name: "front", Address: addr, Model: "TM-T88V"},
		{Name: "gone", Address: "tcp://127.0.0.1:1", Model: "TM-T88V"},
	}})
	metricsShow := func(want ...string) func() bool {
		return func() bool {
			_, body := e.do(t, "GET", "/metrics", "", "")
			for _, w := range want {
				if !strings.Contains(body, w+"\n") {
					return false
				}
			}
			return true
		}
	}
	assert.Eventually(t, metricsShow(
		`receiptd_printer_ready{printer="front"} 1`,
		`receiptd_printer_condition{condition="online",printer="front"} 1`,
		`receiptd_printer_condition{condition="paper_near_end",printer="front"} 0`,
		`receiptd_printer_ready{printer="gone"} 0`,
	), 5*time.Second, 10*time.Millisecond)

	dev.SetFault(virtual.PaperNearEnd, true)
	assert.Eventually(t, metricsShow(
		`receiptd_printer_condition{condition="paper_near_end",printer="front"} 1`,
		`receiptd_printer_ready{printer="front"} 1`,
	), 5*time.Second, 10*time.Millisecond, "near end is a warning: still ready")
	dev.SetFault(virtual.CoverOpen, true)
	assert.Eventually(t, metricsShow(
		`receiptd_printer_condition{condition="cover_open",printer="front"} 1`,
		`receiptd_printer_ready{printer="front"} 0`,
	), 5*time.Second, 10*time.Millisecond)
	dev.SetFault(virtual.CoverOpen, false)
	dev.SetFault(virtual.PaperNearEnd, false)
	assert.Eventually(t, metricsShow(
		`receiptd_printer_condition{condition="cover_open",printer="front"} 0`,
		`receiptd_printer_ready{printer="front"} 1`,
	), 5*time.Second, 10*time.Millisecond)
	_, body := e.do(t, "GET", "/metrics", "", "")
	assert.NotContains(t, body, `printer_condition{condition="online",printer="gone"}`, "unreadable: unknown, not offline")
}

func TestPruneForgetsFinishedJobs(t *testing.T) {
	e := newEnv(t)
	resp, body := e.do(t, "POST", "/v1/printers/front/jobs?wait=5s", "application/json", sample(t, "cash-start"))
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.srv.prune(ctx, time.Nanosecond, 10*time.Millisecond)
	assert.Eventually(t, func() bool {
		resp, _ := e.do(t, "GET", "/v1/jobs/j1000000000001", "", "")
		return resp.StatusCode == http.StatusNotFound
	}, 5*time.Second, 10*time.Millisecond)
}

// Jobs queued for a printer that has left the configuration fail at
// start instead of staying queued with no worker to print them.
func TestJobsOfARemovedPrinterFail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.db")
	sp, err := spool.Open(path)
	require.NoError(t, err)
	orphan, _, err := sp.Enqueue("back", "k", "", []byte("x"), nil)
	require.NoError(t, err)
	s, err := New(Config{Printers: []station.Config{{Name: "front", Address: "virtual://"}}}, sp)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	wctx, wcancel := context.WithTimeout(context.Background(), 5*time.Second)
	j, err := sp.Wait(wctx, orphan.ID)
	wcancel()
	cancel()
	require.NoError(t, <-done)
	require.NoError(t, err)
	assert.Equal(t, spool.Failed, j.State)
	assert.Equal(t, `printer "back" is no longer configured`, j.Reason)
	require.NoError(t, sp.Close())
}

// A web page open in a browser on the kiosk may not print through the
// service: cross-origin changes are refused, and with LoopbackOnly so is a
// page that re-points its own name at 127.0.0.1.
func TestBrowserGuards(t *testing.T) {
	e := newEnvConfig(t, Config{LoopbackOnly: true, Printers: []station.Config{{Name: "front", Address: "virtual://", Model: "TM-T88V"}}})
	tx := sample(t, "cash-start")
	tests := []struct {
		name   string
		method string
		path   string
		hdr    []string
		status int
		code   string
	}{
		{"cross-site reprint", "POST", "/v1/jobs/j1000000000001/reprint", []string{"Sec-Fetch-Site", "cross-site"}, 403, "cross_origin"},
		{"other origin, old browser", "POST", "/v1/printers/front/jobs", []string{"Origin", "http://evil.example"}, 403, "cross_origin"},
		{"rebound name", "GET", "/v1/jobs", []string{"Host", "evil.example:8080"}, 403, "forbidden_host"},
		{"rebound name posting", "POST", "/v1/printers/front/jobs", []string{"Host", "evil.example"}, 403, "forbidden_host"},
		{"the page itself", "POST", "/v1/printers/front/jobs", []string{"Sec-Fetch-Site", "same-origin"}, 202, ""},
		{"localhost", "GET", "/v1/jobs", []string{"Host", "localhost:8080"}, 200, ""},
		{"an ECR (no browser headers)", "POST", "/v1/jobs/j1000000000001/reprint", nil, 202, ""},
		{"cross-site read", "GET", "/v1/jobs", []string{"Sec-Fetch-Site", "cross-site"}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := e.spool.List("", "", 0)
			require.NoError(t, err)
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tx))
			req.Host = "127.0.0.1:8080"
			req.Header.Set("Content-Type", "application/json")
			for i := 0; i+1 < len(tt.hdr); i += 2 {
				if tt.hdr[i] == "Host" {
					req.Host = tt.hdr[i+1]
				} else {
					req.Header.Set(tt.hdr[i], tt.hdr[i+1])
				}
			}
			rec := httptest.NewRecorder()
			e.srv.ServeHTTP(rec, req)
			assert.Equal(t, tt.status, rec.Code, rec.Body.String())
			if tt.code != "" {
				assert.Contains(t, rec.Body.String(), `"code": "`+tt.code+`"`)
				after, err := e.spool.List("", "", 0)
				require.NoError(t, err)
				assert.Equal(t, len(before), len(after), "nothing stored")
			}
		})
	}
}

func TestIsLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.0.0.1:8080": true, "127.8.9.10:80": true, "localhost": true, "LOCALHOST:8080": true,
		"[::1]:8080": true, "::1": true, "[::1]": true,
		"": false, ":8080": false, "0.0.0.0:8080": false, "192.0.2.1:8080": false, "evil.example": false,
		"localhost.evil.example": false, "[::]:8080": false,
	} {
		assert.Equal(t, want, IsLoopbackHost(host), host)
	}
}

// A retry is the same receipt, however its JSON is written; another
// receipt under a used key is refused, not swallowed as a replay.
func TestIdempotencyKeyReuse(t *testing.T) {
	e := newEnv(t)
	cash := sample(t, "cash-start")
	resp, body := e.do(t, "POST", "/v1/printers/front/jobs", "application/json", cash, "Idempotency-Key", "ecr-1")
	require.Equal(t, http.StatusAccepted, resp.StatusCode, body)

	var doc any
	require.NoError(t, json.Unmarshal([]byte(cash), &doc))
	compact, err := json.Marshal(doc) // other whitespace, keys sorted
	require.NoError(t, err)
	resp, body = e.do(t, "POST", "/v1/printers/front/jobs", "application/json", string(compact), "Idempotency-Key", "ecr-1")
	assert.Contains(t, []int{http.StatusOK, http.StatusAccepted}, resp.StatusCode, "the job as it stands, printed or not yet: %s", body)
	assert.Equal(t, "true", resp.Header.Get("Idempotent-Replayed"))
	assert.Contains(t, body, `"id": "j1000000000001"`)

	resp, body = e.do(t, "POST", "/v1/printers/front/jobs", "application/json", sample(t, "pay-missing-sum"), "Idempotency-Key", "ecr-1")
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, body)
	assert.Contains(t, body, `"idempotency_key_reused"`)
	assert.Equal(t, "/v1/jobs/j1000000000001", resp.Header.Get("Location"))
	jobs, err := e.spool.List("", "", 0)
	require.NoError(t, err)
	assert.Len(t, jobs, 1)
}

// scripted is a printer whose results are set by the test; after them it
// prints.
type scripted struct {
	mu      sync.Mutex
	results []printers.Result
	jobs    int
}

func (p *scripted) Name() string { return "scripted" }
func (p *scripted) Print(_ context.Context, job []byte) printers.Result {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.jobs++
	if len(p.results) > 0 {
		r := p.results[0]
		p.results = p.results[1:]
		return r
	}
	return printers.Result{Outcome: printers.OutcomePrinted, Sent: len(job)}
}
func (p *scripted) Status(context.Context) (printers.Status, error) {
	return printers.Status{Online: true}, nil
}
func (p *scripted) Close() error { return nil }

// A job that may have printed waits for a person: printed, not printed, or
// sent again, which prints the original once more.
func TestDecisionOnAnUnknownJob(t *testing.T) {
	cut := printers.Result{Outcome: printers.OutcomeUnknown, Reason: printers.ReasonDisconnected, Sent: 100}
	pr := &scripted{results: []printers.Result{cut, cut, cut}}
	e := newEnvConfig(t, Config{
		Printers: []station.Config{{Name: "front", Address: "scripted://", Model: "TM-T88V"}},
		Open:     func(context.Context, station.Config) (printers.Printer, error) { return pr, nil },
	})
	for i, doc := range []string{"cash-start", "pay-missing-sum", "card-topup"} {
		_, body := e.do(t, "POST", "/v1/printers/front/jobs?wait=5s", "application/json", sample(t, doc))
		require.Contains(t, body, `"state": "unknown"`, "job %d", i+1)
	}
	list := []struct {
		query  string
		status int
		ids    []string
	}{
		{"state=unknown", 200, []string{"j1000000000001", "j1000000000002", "j1000000000003"}},
		{"state=unknown&printer=front&limit=2", 200, []string{"j1000000000002", "j1000000000003"}},
		{"state=printed", 200, nil},
		{"printer=back", 200, nil},
		{"state=lost", 400, nil},
		{"limit=0", 400, nil},
	}
	for _, tt := range list {
		resp, body := e.do(t, "GET", "/v1/jobs?"+tt.query, "", "")
		require.Equal(t, tt.status, resp.StatusCode, "%s: %s", tt.query, body)
		if tt.status != 200 {
			continue
		}
		var got struct {
			Jobs []struct{ ID string } `json:"jobs"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &got))
		var ids []string
		for _, j := range got.Jobs {
			ids = append(ids, j.ID)
		}
		assert.Equal(t, tt.ids, ids, tt.query)
	}

	tests := []struct {
		id, body string
		status   int
		want     string
	}{
		{"j1000000000001", `{"decision":"printed"}`, 200, `"state": "printed"`},
		{"j1000000000002", `{"decision":"not_printed"}`, 200, `"state": "failed"`},
		{"j1000000000003", `{"decision":"retry"}`, 200, `"state": "queued"`},
		{"j1000000000001", `{"decision":"retry"}`, 409, `"not_unknown"`},
		{"j1000000000002", `{"decision":"maybe"}`, 400, `"bad_decision"`},
		{"j1000000000002", `{"decision":"printed","why":"x"}`, 400, `"invalid_json"`},
		{"j1000000000009", `{"decision":"printed"}`, 404, `"unknown_job"`},
	}
	for _, tt := range tests {
		resp, body := e.do(t, "POST", "/v1/jobs/"+tt.id+"/decision", "application/json", tt.body)
		assert.Equal(t, tt.status, resp.StatusCode, "%s %s: %s", tt.id, tt.body, body)
		assert.Contains(t, body, tt.want)
	}
	resp, _ := e.do(t, "POST", "/v1/jobs/j1000000000002/decision", "text/plain", `{"decision":"printed"}`)
	assert.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode)
	gone, _, err := e.spool.Enqueue("back", "k", "", []byte("x"), nil)
	require.NoError(t, err)
	resp, body := e.do(t, "POST", "/v1/jobs/"+gone.ID+"/decision", "application/json", `{"decision":"retry"}`)
	assert.Equal(t, http.StatusConflict, resp.StatusCode, "no printer would send it again: %s", body)

	_, body = e.do(t, "GET", "/v1/jobs/j1000000000003?wait=5s", "", "")
	assert.Contains(t, body, `"state": "printed"`, "sent again, and printed")
	assert.Contains(t, body, `"retried_at"`)
	pr.mu.Lock()
	defer pr.mu.Unlock()
	assert.Equal(t, 4, pr.jobs, "three cut off, one sent again")
}

func TestSharedRegistryTwiceIsAnError(t *testing.T) {
	sp, err := spool.Open(filepath.Join(t.TempDir(), "spool.db"))
	require.NoError(t, err)
	defer sp.Close()
	reg := prometheus.NewRegistry()
	cfg := Config{Printers: []station.Config{{Name: "front", Address: "virtual://"}}, Registry: reg}
	_, err = New(cfg, sp)
	require.NoError(t, err)
	cfg.Printers = []station.Config{{Name: "front", Address: "virtual://"}}
	_, err = New(cfg, sp)
	assert.ErrorContains(t, err, "server: metrics:")
}

func TestAuth(t *testing.T) {
	e := newEnv(t, "s3cret")
	resp, _ := e.do(t, "GET", "/v1/printers", "", "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp, _ = e.do(t, "GET", "/v1/printers", "", "", "Authorization", "Bearer wrong")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = e.do(t, "GET", "/v1/printers", "", "", "Authorization", "Bearer s3cret")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	resp, _ = e.do(t, "GET", "/healthz", "", "")
	assert.Equal(t, http.StatusOK, resp.StatusCode, "health needs no token")
}

func TestRenderAndStatusEndpoints(t *testing.T) {
	e := newEnv(t)
	tx := sample(t, "pay-missing-sum")
	for format, ctype := range map[string]string{"escpos": "application/vnd.escpos", "text": "text/plain; charset=utf-8", "png": "image/png", "html": "text/html; charset=utf-8"} {
		resp, body := e.do(t, "POST", "/v1/render?model=TM-T88V&format="+format, "application/json", tx)
		assert.Equal(t, http.StatusOK, resp.StatusCode, format)
		assert.Equal(t, ctype, resp.Header.Get("Content-Type"))
		assert.NotEmpty(t, body)
	}
	golden, err := os.ReadFile("../../../testdata/golden/pay-missing-sum/TM-T88V-42col.bin")
	require.NoError(t, err)
	_, body := e.do(t, "POST", "/v1/render?model=TM-T88V", "application/json", tx)
	assert.Equal(t, string(golden), body)
	resp, _ := e.do(t, "POST", "/v1/render?model=nope", "application/json", tx)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp, body = e.do(t, "GET", "/v1/printers/front", "", "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, `"ready": true`)
	resp, body = e.do(t, "GET", "/metrics", "", "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "receiptd_render_seconds")
	resp, body = e.do(t, "GET", "/", "", "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "<title>receiptd</title>")
	resp, _ = e.do(t, "GET", "/v1/nothing", "", "")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func BenchmarkRenderEndpoint(b *testing.B) {
	e := newEnv(b)
	tx := sample(b, "pay-missing-sum")
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := http.Post(e.http.URL+"/v1/render?model=TM-T88V", "application/json", strings.NewReader(tx))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// TestConcurrentPosts: renderers keep buffers, so concurrent requests for
// one printer must not share one (run with -race).
func TestConcurrentPosts(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tx := `{"id":"C-` + strconv.Itoa(i) + `","receipt":[{"type":"textline","value":{"text":"` + strings.Repeat("ä", i+1) + `"}}]}`
			resp, body := e.do(t, "POST", "/v1/printers/front/jobs", "application/json", tx)
			assert.Equal(t, http.StatusAccepted, resp.StatusCode, body)
		}()
	}
	wg.Wait()
	jobs, err := e.spool.List("front", "", 0)
	require.NoError(t, err)
	assert.Len(t, jobs, 16)
}

// Status reads every millisecond share the link with print jobs: every job
// still prints once, byte for byte, and no answer is taken for another's.
func TestStatusReadsInterleaveWithJobs(t *testing.T) {
	prof, err := printers.Lookup("TM-T88V")
	require.NoError(t, err)
	dev, addr := virtualtest.TCP(t, virtual.Options{Profile: prof})
	e := newEnvConfig(t, Config{StatusInterval: time.Millisecond, Printers: []station.Config{
		{Name: "front", Address: addr, Model: "TM-T88V"},
	}})
	const jobs = 40
	for i := range jobs {
		tx := `{"id":"S-` + strconv.Itoa(i) + `","receipt":[{"type":"textline","value":{"text":"job ` + strconv.Itoa(i) + `"}}]}`
		resp, body := e.do(t, "POST", "/v1/printers/front/jobs", "application/json", tx)
		require.Equal(t, http.StatusAccepted, resp.StatusCode, body)
		if i%8 == 0 {
			_, body = e.do(t, "GET", "/v1/printers/front", "", "") // a page view's read, too
			// While a job prints the read does not wait for it: busy.
			assert.True(t, strings.Contains(body, `"ready": true`) || strings.Contains(body, `"busy": true`), body)
		}
	}
	for i := range jobs {
		_, body := e.do(t, "GET", "/v1/jobs/j"+strconv.Itoa(1000000000001+i)+"?wait=10s", "", "")
		require.Contains(t, body, `"state": "printed"`)
	}
	tickets := dev.Tickets()
	require.Len(t, tickets, jobs)
	for i, tk := range tickets {
		want, err := e.spool.Bytes("j" + strconv.Itoa(1000000000001+i))
		require.NoError(t, err)
		assert.Equal(t, want, tk.Raw, "ticket %d", i+1)
	}
}
