package server

import (
	"testing"

	"github.com/secuprint/receipt/printers/fleet"
)

// The hub's reprint, decision and retry read their requests and answer
// refusals as the local API does, with the fleet's own codes: a site
// whose receiptd does not answer commands is site_offline, nothing
// recorded. (Commands that reach a site: printers/fleet's
// TestControlRoutedToSite, receiptd's TestSiteControlBinary.)
func TestHubControlRefusals(t *testing.T) {
	a, _, _ := start(t)
	_, job := hubDo(t, "POST", a+"/v1/sites/shop1/printers/front/jobs?wait=10s", "k-1", receiptJSON)
	id, _ := job["id"].(string)
	if job["state"] != "printed" {
		t.Fatalf("post: %v", job)
	}
	cases := []struct {
		name, path, key, ctype, body string
		status                       int
		code                         string
	}{
		{"reprint without a key", "/v1/jobs/" + id + "/reprint", "", "", "", 422, "no_idempotency_key"},
		{"reprint of no job", "/v1/jobs/fnosuchjob/reprint", "r", "", "", 404, "unknown_job"},
		{"reprint at a site without commands", "/v1/jobs/" + id + "/reprint", "r", "", "", 503, "site_offline"},
		{"decision not JSON", "/v1/jobs/" + id + "/decision", "", "text/plain", "printed", 415, "unsupported_media_type"},
		{"decision unreadable", "/v1/jobs/" + id + "/decision", "", "application/json", `{"decision":`, 400, "invalid_json"},
		{"decision unknown field", "/v1/jobs/" + id + "/decision", "", "application/json", `{"decided":"printed"}`, 400, "invalid_json"},
		{"decision of no kind", "/v1/jobs/" + id + "/decision", "", "application/json", `{"decision":"maybe"}`, 400, "bad_decision"},
		{"decision on a printed job", "/v1/jobs/" + id + "/decision", "", "application/json", `{"decision":"printed"}`, 409, "not_unknown"},
		{"decision on no job", "/v1/jobs/fnosuchjob/decision", "", "application/json", `{"decision":"printed"}`, 404, "unknown_job"},
		{"retry attempt not a number", "/v1/jobs/" + id + "/retry?attempt=x", "", "", "", 400, "bad_attempt"},
		{"retry attempt 0", "/v1/jobs/" + id + "/retry?attempt=0", "", "", "", 400, "bad_attempt"},
		{"retry of a printed job", "/v1/jobs/" + id + "/retry", "", "", "", 409, "not_failed"},
		{"retry of no job", "/v1/jobs/fnosuchjob/retry", "", "", "", 404, "unknown_job"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, e := askError(t, "POST", a+c.path, c.ctype, c.key, c.body)
			if status != c.status || e.Error.Code != c.code {
				t.Fatalf("%d %q, want %d %s", status, e.Error.Code, c.status, c.code)
			}
			_, got := hubDo(t, "GET", a+"/v1/jobs/"+id, "", "")
			if got["state"] != "printed" {
				t.Fatalf("the job moved: %v", got)
			}
		})
	}
	resp, _ := hubDo(t, "GET", a+"/v1/jobs/"+fleet.CopyID(id, "r"), "", "")
	if resp.StatusCode != 404 {
		t.Fatalf("a copy recorded for a site that never heard of it: %d", resp.StatusCode)
	}
}
