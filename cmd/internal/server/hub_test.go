package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/secuprint/receipt/printers/fleet"
	"github.com/secuprint/receipt/printers/fleet/fleettest"
	"github.com/secuprint/receipt/receipt"
)

// instant is a site's receiptd whose printer prints at once.
type instant struct {
	mu      sync.Mutex
	site    *fleet.Site
	printed map[string]int
}

func (l *instant) Submit(ctx context.Context, job fleet.Job, tx *receipt.Transaction) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if job.Printer != "front" {
		return fleet.ErrNoPrinter
	}
	if _, ok := l.printed[job.ID]; ok {
		return nil
	}
	l.printed[job.ID]++
	l.site.Report(fleet.Change{ID: job.ID, Printer: job.Printer, State: fleet.Printed})
	return nil
}
func (l *instant) Cancel(context.Context, string) (bool, error) { return false, nil }
func (l *instant) Printers() []fleet.PrinterStatus {
	return []fleet.PrinterStatus{{Name: "front", Status: "ok"}}
}
func (l *instant) Jobs(context.Context) ([]fleet.Change, error) { return nil, nil }

func js(t *testing.T, url string) jetstream.JetStream {
	nc, err := nats.Connect(url, nats.MaxReconnects(-1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	j, _ := jetstream.New(nc)
	return j
}

// start is a 3-node cluster, two hub APIs and site "shop1".
func start(t *testing.T) (a, b string, local *instant) {
	c := fleettest.Start(t, fleettest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	var urls []string
	for range 2 {
		hub, err := fleet.NewHub(ctx, js(t, c.URL()), fleet.HubOptions{})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { _ = hub.Run(ctx) })
		srv := httptest.NewServer(NewHub(hub, HubOptions{}))
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	local = &instant{printed: map[string]int{}}
	site, err := fleet.NewSite(ctx, js(t, c.URL()), fleet.SiteOptions{Site: "shop1", Local: local})
	if err != nil {
		t.Fatal(err)
	}
	local.site = site
	if err := site.Announce(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Go(func() { _ = site.Run(ctx) })
	return urls[0], urls[1], local
}

func hubDo(t *testing.T, method, url, key, body string) (*http.Response, map[string]any) {
	t.Helper()
	ctype := ""
	if body != "" {
		ctype = "application/json"
	}
	resp, data := hubAsk(t, method, url, ctype, key, body)
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s %s: %q: %v", method, url, data, err)
	}
	return resp, v
}

// hubAsk sends one request and reads its whole answer.
func hubAsk(t *testing.T, method, url, ctype, key, body string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

const receiptJSON = `{"id":"T-1","receipt":[{"type":"textline","value":{"text":"hello"}}]}`

func TestHubAPI(t *testing.T) {
	a, b, local := start(t)
	resp, job := hubDo(t, "POST", a+"/v1/sites/shop1/printers/front/jobs", "k-1", receiptJSON)
	id, _ := job["id"].(string)
	if resp.StatusCode != 202 || resp.Header.Get("Location") != "/v1/jobs/"+id || job["state"] != "queued" {
		t.Fatalf("post: %d %v %v", resp.StatusCode, resp.Header, job)
	}
	// The client retries on the other hub with the same key: one job.
	resp, again := hubDo(t, "POST", b+"/v1/sites/shop1/printers/front/jobs?wait=10s", "k-1", receiptJSON)
	if again["id"] != id || resp.Header.Get("Idempotent-Replayed") != "true" || resp.StatusCode != 200 || again["state"] != "printed" {
		t.Fatalf("retry: %d %v %v", resp.StatusCode, resp.Header, again)
	}
	for _, hub := range []string{a, b} {
		resp, got := hubDo(t, "GET", hub+"/v1/jobs/"+id+"?wait=10s", "", "")
		if resp.StatusCode != 200 || got["state"] != "printed" || got["site"] != "shop1" || got["printer"] != "front" {
			t.Fatalf("get on %s: %d %v", hub, resp.StatusCode, got)
		}
	}
	if n := local.printed[id]; n != 1 {
		t.Fatalf("printed %d times", n)
	}
	resp, got := hubDo(t, "DELETE", b+"/v1/jobs/"+id, "", "")
	if resp.StatusCode != 409 || got["error"].(map[string]any)["code"] != "not_queued" {
		t.Fatalf("cancel printed: %d %v", resp.StatusCode, got)
	}
	resp, got = hubDo(t, "GET", a+"/v1/sites", "", "")
	sites, _ := got["sites"].([]any)
	if resp.StatusCode != 200 || len(sites) != 1 {
		t.Fatalf("sites: %d %v", resp.StatusCode, got)
	}
	s := sites[0].(map[string]any)
	printers := s["printers"].([]any)
	if s["site"] != "shop1" || s["online"] != true || s["heartbeat"] == "" || len(printers) != 1 || printers[0].(map[string]any)["name"] != "front" {
		t.Fatalf("site: %v", s)
	}
}

func TestHubAPIRefusals(t *testing.T) {
	a, _, local := start(t)
	cases := []struct {
		name, path, ctype, key, body string
		status                       int
		code                         string
	}{
		{"unknown site", "/v1/sites/shop9/printers/front/jobs", "application/json", "k", receiptJSON, 404, "unknown_site"},
		{"unknown printer", "/v1/sites/shop1/printers/back/jobs", "application/json", "k", receiptJSON, 404, "unknown_printer"},
		{"not JSON", "/v1/sites/shop1/printers/front/jobs", "application/json", "k", `{`, 400, "invalid_json"},
		{"bad line", "/v1/sites/shop1/printers/front/jobs", "application/json", "k", `{"id":"x","receipt":[{"type":"space"},{"type":"barcode"}]}`, 422, "invalid_receipt"},
		{"no key, no id", "/v1/sites/shop1/printers/front/jobs", "application/json", "", `{"receipt":[]}`, 422, "no_idempotency_key"},
		{"text body", "/v1/sites/shop1/printers/front/jobs", "text/plain", "k", receiptJSON, 415, "unsupported_media_type"},
		{"bad key", "/v1/sites/shop1/printers/front/jobs", "application/json", "a b", receiptJSON, 400, "bad_idempotency_key"},
		{"bad wait", "/v1/sites/shop1/printers/front/jobs?wait=2m", "application/json", "k", receiptJSON, 400, "bad_wait"},
		{"unknown job", "/v1/jobs/f00", "", "", "", 404, "unknown_job"},
	}
	for _, c := range cases {
		method := "POST"
		if c.body == "" {
			method = "GET"
		}
		status, e := askError(t, method, a+c.path, c.ctype, c.key, c.body)
		if status != c.status || e.Error.Code != c.code {
			t.Errorf("%s: %d %q, want %d %q (%s)", c.name, status, e.Error.Code, c.status, c.code, e.Error.Message)
		}
	}
	// Another receipt under a used key.
	hubDo(t, "POST", a+"/v1/sites/shop1/printers/front/jobs", "k-2", receiptJSON)
	resp, got := hubDo(t, "POST", a+"/v1/sites/shop1/printers/front/jobs", "k-2", strings.Replace(receiptJSON, "hello", "bye", 1))
	if resp.StatusCode != 422 || got["error"].(map[string]any)["code"] != "idempotency_key_reused" {
		t.Fatalf("key reused: %d %v", resp.StatusCode, got)
	}
	// The site prints asynchronously: wait for the first receipt (a loaded
	// box may take seconds), then give a wrongly accepted second one time to
	// arrive too.
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		local.mu.Lock()
		n := len(local.printed)
		local.mu.Unlock()
		if n > 0 {
			break
		}
	}
	time.Sleep(300 * time.Millisecond)
	local.mu.Lock()
	defer local.mu.Unlock()
	if len(local.printed) != 1 {
		t.Fatalf("printed %v, want only k-2's first receipt", local.printed)
	}
}

// askError sends one request and reads the error answer it expects.
func askError(t *testing.T, method, url, ctype, key, body string) (int, apiError) {
	t.Helper()
	resp, data := hubAsk(t, method, url, ctype, key, body)
	var e apiError
	_ = json.Unmarshal(data, &e)
	return resp.StatusCode, e
}
