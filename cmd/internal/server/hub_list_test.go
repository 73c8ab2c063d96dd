package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/secuprint/receipt/printers/fleet"
	"github.com/secuprint/receipt/printers/fleet/fleettest"
)

// listed is GET url's job ids in order, the page's next_before and
// the answer.
func listed(t *testing.T, url string) ([]string, string, map[string]any) {
	t.Helper()
	resp, got := hubDo(t, "GET", url, "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, got)
	}
	var ids []string
	for _, j := range got["jobs"].([]any) {
		ids = append(ids, j.(map[string]any)["id"].(string))
	}
	next, _ := got["next_before"].(string)
	return ids, next, got
}

// GET /v1/jobs on either hub: the fleet's jobs newest first with their
// site, printer and state, filtered, paged; bad filters are refused.
func TestHubJobList(t *testing.T) {
	a, b, _ := start(t)
	var ids []string
	for i := range 3 {
		_, job := hubDo(t, "POST", a+"/v1/sites/shop1/printers/front/jobs?wait=10s", fmt.Sprint("list-", i), receiptJSON)
		if job["state"] != "printed" {
			t.Fatalf("post %d: %v", i, job)
		}
		ids = append([]string{job["id"].(string)}, ids...) // newest first
	}
	for _, hub := range []string{a, b} {
		var got []string
		var page map[string]any
		for range 100 { // the other hub's watch is a moment behind
			if got, _, page = listed(t, hub+"/v1/jobs?state=printed"); fmt.Sprint(got) == fmt.Sprint(ids) {
				break
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(ids) {
			t.Fatalf("%s lists %v, want %v", hub, got, ids)
		}
		j := page["jobs"].([]any)[0].(map[string]any)
		if j["site"] != "shop1" || j["printer"] != "front" || j["state"] != "printed" {
			t.Errorf("a listed job: %v", j)
		}
	}
	for _, q := range []string{"site=shop9", "printer=back", "state=queued", "site=shop1&state=failed"} {
		if got, _, _ := listed(t, a+"/v1/jobs?"+q); len(got) != 0 {
			t.Errorf("?%s lists %v", q, got)
		}
	}
	first, next, _ := listed(t, a+"/v1/jobs?site=shop1&printer=front&limit=2")
	rest, end, _ := listed(t, a+"/v1/jobs?site=shop1&printer=front&limit=2&before="+next)
	if fmt.Sprint(append(first, rest...)) != fmt.Sprint(ids) || next == "" || end != "" {
		t.Errorf("paged: %v (next %q) then %v (next %q), want %v", first, next, rest, end, ids)
	}
	for q, code := range map[string]string{"state=lost": "bad_state", "limit=0": "bad_limit", "limit=1001": "bad_limit",
		"before=j1000000000001": "bad_before", "before=x.y": "bad_before"} {
		resp, got := hubDo(t, "GET", a+"/v1/jobs?"+q, "", "")
		if resp.StatusCode != 400 || got["error"].(map[string]any)["code"] != code {
			t.Errorf("?%s: %d %v, want 400 %s", q, resp.StatusCode, got, code)
		}
	}
}

// The hub serves the staff page marked as a hub's, without a token (the
// page asks for one), not framed; its API wants the token.
func TestHubPage(t *testing.T) {
	c := fleettest.Start(t, fleettest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	hub, err := fleet.NewHub(ctx, js(t, c.URL()), fleet.HubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wg.Go(func() { _ = hub.Run(ctx) })
	srv := httptest.NewServer(NewHub(hub, HubOptions{Tokens: []string{"s3cret"}}))
	t.Cleanup(srv.Close)
	for path, want := range map[string]string{"/": `<body data-fleet="hub">`, "/app.js": "'use strict'", "/words.js": "function jobWords"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("%s: %d, want %q in %.80q", path, resp.StatusCode, want, body)
		}
		if resp.Header.Get("Content-Security-Policy") != "frame-ancestors 'none'" || resp.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s may be framed: %v", path, resp.Header)
		}
	}
	for _, path := range []string{"/v1/jobs", "/v1/sites"} {
		resp, _ := hubDo(t, "GET", srv.URL+path, "", "")
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("%s without a token: %d", path, resp.StatusCode)
		}
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer s3cret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s with the token: %d", path, resp.StatusCode)
		}
	}
}
