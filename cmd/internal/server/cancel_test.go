package server

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/station"
)

func TestCancelAQueuedJob(t *testing.T) {
	// A printer that never opens keeps its jobs queued.
	e := newEnvConfig(t, Config{
		Printers: []station.Config{{Name: "front", Address: "virtual://", Model: "TM-T88V"}},
		Open: func(context.Context, station.Config) (printers.Printer, error) {
			return nil, errors.New("unplugged")
		},
	})
	resp, body := e.do(t, "POST", "/v1/printers/front/jobs", "application/json", sample(t, "card-topup"))
	require.Equal(t, http.StatusAccepted, resp.StatusCode, body)
	_, _, err := e.spool.Enqueue("front", "second", "", []byte("x"), nil)
	require.NoError(t, err)
	done, _, err := e.spool.Enqueue("front", "third", "", []byte("x"), nil)
	require.NoError(t, err)
	_, err = e.spool.Cancel(done.ID)
	require.NoError(t, err)

	tests := []struct {
		name, method, path string
		status             int
		want               string
	}{
		{"delete", "DELETE", "/v1/jobs/j1000000000001", 200, `"state": "cancelled"`},
		{"again: idempotent", "DELETE", "/v1/jobs/j1000000000001", 200, `"state": "cancelled"`},
		{"post cancel", "POST", "/v1/jobs/j1000000000002/cancel", 200, `"state": "cancelled"`},
		{"post cancel again", "POST", "/v1/jobs/j1000000000002/cancel", 200, `"reason": "cancelled by a person before printing"`},
		{"no such job", "DELETE", "/v1/jobs/j1000000000099", 404, `"code": "unknown_job"`},
		{"listed by state", "GET", "/v1/jobs?state=cancelled", 200, `"id": "j1000000000003"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do(t, tt.method, tt.path, "", "")
			assert.Equal(t, tt.status, resp.StatusCode, body)
			assert.Contains(t, body, tt.want)
		})
	}
	_, body = e.do(t, "GET", "/v1/jobs?state=cancelled", "", "")
	assert.Equal(t, 3, countOf(body, `"state": "cancelled"`))
}

func countOf(s, sub string) int {
	n := 0
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			n++
		}
	}
	return n
}

func TestCancelAPrintedJobIsAConflict(t *testing.T) {
	e := newEnv(t, "secret")
	auth := []string{"Authorization", "Bearer secret"}
	resp, body := e.do(t, "POST", "/v1/printers/front/jobs?wait=5s", "application/json", sample(t, "card-topup"), auth...)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, `"state": "printed"`)
	tests := []struct {
		name   string
		hdr    []string
		status int
		code   string
	}{
		{"printed", auth, 409, "not_queued"},
		{"no token", nil, 401, "unauthorized"},
		{"cross-site", append([]string{"Sec-Fetch-Site", "cross-site"}, auth...), 403, "cross_origin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do(t, "DELETE", "/v1/jobs/j1000000000001", "", "", tt.hdr...)
			assert.Equal(t, tt.status, resp.StatusCode, body)
			assert.Contains(t, body, `"code": "`+tt.code+`"`)
		})
	}
	j, err := e.spool.Get("j1000000000001")
	require.NoError(t, err)
	assert.Equal(t, "printed", string(j.State))
}
