package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers/fleet"
	"github.com/secuprint/receipt/printers/virtual"
)

// hubPost posts body (JSON, or none) to a hub's path with key, and
// returns the status, the answer's headers and its body as a record (or
// an error's code).
func hubPost(t *testing.T, hub *daemon, path, key, body string) (int, http.Header, fleet.Record, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", hub.url+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var raw json.RawMessage
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&raw))
	var rec fleet.Record
	_ = json.Unmarshal(raw, &rec)
	var e struct {
		Error struct{ Code, Message string }
	}
	_ = json.Unmarshal(raw, &e)
	return resp.StatusCode, resp.Header, rec, e.Error.Code
}

// paper is how many times text is on the virtual printer's paper.
func paper(dev *virtual.Device, text string) int {
	var all []byte
	for _, tk := range dev.Tickets() {
		all = append(all, tk.Raw...)
	}
	return bytes.Count(all, []byte(text))
}

// printed waits for job id printed at both hubs.
func printedAtHubs(t *testing.T, f *siteFleet, id string) fleet.Record {
	t.Helper()
	var rec fleet.Record
	for _, hub := range []*daemon{f.long, f.short} {
		rec = waitHub(t, hub, id, func(r fleet.Record) bool { return r.State.Final() })
		require.Equal(t, fleet.Printed, rec.State, "%+v", rec)
	}
	return rec
}

// Reprint, decisions and retry posted at the hub binaries reach the site
// binary and print on its virtual printer exactly as asked: one KOPIE for
// a reprint asked twice on two hubs; a job left unknown by a kill -9
// mid-print sent again once by a retry decision, another settled
// not_printed without printing; a job that expired in the site's spool
// tried again with a fresh deadline, once, however often the retry is
// sent. A stopped (SIGSTOP) site is 504 site_unreachable, and the same
// request once it runs again is the same copy; a site that is gone is
// 503 site_offline at once.
func TestSiteControlBinary(t *testing.T) {
	dev, addr := printerAt(t)
	const ttl = 6 * time.Second
	f := startSiteFleet(t, ttl, addr)
	site := start(t, f.siteArgs...)

	// Reprint: one copy, asked on both hubs.
	r0 := postAt(t, f.long, "R0")
	printedAtHubs(t, f, r0)
	code, _, _, errCode := hubPost(t, f.long, "/v1/jobs/"+r0+"/reprint", "", "")
	assert.Equal(t, 422, code)
	assert.Equal(t, "no_idempotency_key", errCode)
	code, h, cp, _ := hubPost(t, f.long, "/v1/jobs/"+r0+"/reprint", "copy-1", "")
	require.Equal(t, 202, code, "%+v", cp)
	assert.Equal(t, "/v1/jobs/"+cp.ID, h.Get("Location"))
	assert.Equal(t, fleet.CopyID(r0, "copy-1"), cp.ID)
	assert.True(t, cp.Copy)
	assert.Equal(t, r0, cp.CopyOf)
	code, h, again, _ := hubPost(t, f.short, "/v1/jobs/"+r0+"/reprint", "copy-1", "")
	require.Equal(t, 202, code)
	assert.Equal(t, "true", h.Get("Idempotent-Replayed"))
	assert.Equal(t, cp.ID, again.ID)
	printedAtHubs(t, f, cp.ID)
	time.Sleep(300 * time.Millisecond) // nothing more comes
	assert.Equal(t, 1, paper(dev, "KOPIE"), "one copy")
	assert.Equal(t, 2, paper(dev, "FLEET R0\n"), "the original and its copy")

	// U on the wire to a hung printer, F (short deadline) queued behind
	// it; the site is killed, F's deadline passes.
	dev.Stall(true)
	u := postAt(t, f.long, "U")
	waitHub(t, f.long, u, func(r fleet.Record) bool { return r.State == fleet.Printing })
	fj := postAt(t, f.short, "F")
	fPosted := time.Now()
	waitHub(t, f.long, fj, func(r fleet.Record) bool { return r.AtSite && r.State == fleet.Queued })
	site.kill()
	time.Sleep(time.Until(fPosted.Add(ttl + 500*time.Millisecond)))
	dev.Stall(false)
	site = start(t, f.siteArgs...)
	for _, hub := range []*daemon{f.long, f.short} {
		rec := waitHub(t, hub, u, func(r fleet.Record) bool { return r.State.Final() })
		require.Equal(t, fleet.Unknown, rec.State, "%+v", rec)
		rec = waitHub(t, hub, fj, func(r fleet.Record) bool { return r.State.Final() })
		require.Equal(t, fleet.Failed, rec.State, "%+v", rec)
		require.Equal(t, fleet.ReasonExpired, rec.Reason)
	}
	time.Sleep(300 * time.Millisecond)
	uBefore := paper(dev, "FLEET U\n")
	require.LessOrEqual(t, uBefore, 1)
	require.Equal(t, 0, paper(dev, "FLEET F\n"))

	// The retry decision sends U again, once; a second decision is refused.
	code, _, rec, _ := hubPost(t, f.short, "/v1/jobs/"+u+"/decision", "", `{"decision":"retry"}`)
	require.Equal(t, 200, code, "%+v", rec)
	assert.NotEqual(t, fleet.Unknown, rec.State)
	assert.False(t, rec.RetriedAt.IsZero())
	printedAtHubs(t, f, u)
	code, _, _, errCode = hubPost(t, f.long, "/v1/jobs/"+u+"/decision", "", `{"decision":"retry"}`)
	assert.Equal(t, 409, code)
	assert.Equal(t, "not_unknown", errCode)

	// F, failed expired in the spool, tried again with a fresh deadline.
	code, _, _, errCode = hubPost(t, f.long, "/v1/jobs/"+fj+"/retry?attempt=2", "", "")
	assert.Equal(t, 409, code)
	assert.Equal(t, "not_failed", errCode)
	code, h, rec, _ = hubPost(t, f.long, "/v1/jobs/"+fj+"/retry?attempt=1", "", "")
	require.Equal(t, 202, code, "%+v", rec)
	assert.Empty(t, h.Get("Idempotent-Replayed"))
	assert.Equal(t, 2, rec.Attempt)
	rec = printedAtHubs(t, f, fj)
	assert.Equal(t, 2, rec.Attempt)
	require.Len(t, rec.History, 1)
	assert.Equal(t, fleet.Failed, rec.History[0].State)
	assert.Equal(t, fleet.ReasonExpired, rec.History[0].Reason)
	code, h, rec, _ = hubPost(t, f.short, "/v1/jobs/"+fj+"/retry?attempt=1", "", "")
	require.Equal(t, 202, code)
	assert.Equal(t, "true", h.Get("Idempotent-Replayed"))
	assert.Equal(t, fleet.Printed, rec.State)
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, uBefore+1, paper(dev, "FLEET U\n"), "the retry decision printed U once")
	assert.Equal(t, 1, paper(dev, "FLEET F\n"), "the retried job printed once")

	// Another unknown job, settled not printed: nothing prints.
	dev.Stall(true)
	u2 := postAt(t, f.long, "U2")
	waitHub(t, f.long, u2, func(r fleet.Record) bool { return r.State == fleet.Printing })
	site.kill()
	dev.Stall(false)
	site = start(t, f.siteArgs...)
	waitHub(t, f.short, u2, func(r fleet.Record) bool { return r.State == fleet.Unknown })
	time.Sleep(300 * time.Millisecond)
	u2Before := paper(dev, "FLEET U2\n")
	code, _, rec, _ = hubPost(t, f.long, "/v1/jobs/"+u2+"/decision", "", `{"decision":"not_printed"}`)
	require.Equal(t, 200, code, "%+v", rec)
	assert.Equal(t, fleet.Failed, rec.State)
	for _, hub := range []*daemon{f.long, f.short} {
		waitHub(t, hub, u2, func(r fleet.Record) bool { return r.State == fleet.Failed })
	}

	// A site that does not answer (stopped, its connection open): 504
	// after the bound; running again it did it, and the same request is
	// the same copy.
	require.NoError(t, site.cmd.Process.Signal(syscall.SIGSTOP))
	start0 := time.Now()
	code, _, _, errCode = hubPost(t, f.long, "/v1/jobs/"+r0+"/reprint", "copy-2", "")
	took := time.Since(start0)
	require.NoError(t, site.cmd.Process.Signal(syscall.SIGCONT))
	assert.Equal(t, 504, code)
	assert.Equal(t, "site_unreachable", errCode)
	assert.Less(t, took, fleet.ControlTimeout+3*time.Second)
	var cp2 fleet.Record
	require.Eventually(t, func() bool {
		code, _, cp2, _ = hubPost(t, f.short, "/v1/jobs/"+r0+"/reprint", "copy-2", "")
		return code == 202
	}, 20*time.Second, 200*time.Millisecond)
	printedAtHubs(t, f, cp2.ID)
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, 2, paper(dev, "KOPIE"), "copy-2 printed once")
	assert.Equal(t, u2Before, paper(dev, "FLEET U2\n"), "not_printed prints nothing")

	// The site gone: 503 at once, nothing recorded.
	assert.Equal(t, 0, site.stop(t))
	start0 = time.Now()
	code, _, _, errCode = hubPost(t, f.long, "/v1/jobs/"+r0+"/reprint", "copy-3", "")
	assert.Equal(t, 503, code)
	assert.Equal(t, "site_offline", errCode)
	assert.Less(t, time.Since(start0), 2*time.Second)
	resp, err := http.Get(f.long.url + "/v1/jobs/" + fleet.CopyID(r0, "copy-3"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 404, resp.StatusCode, "no copy recorded")
	assert.Equal(t, 2, paper(dev, "KOPIE"))
}
