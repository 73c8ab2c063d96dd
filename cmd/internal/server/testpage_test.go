package server

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers/station"
)

// The test page button: each press prints a page (a retry with the same
// Idempotency-Key does not); a Star Line printer is told it cannot.
func TestTestPageEndpoint(t *testing.T) {
	e := newEnvWith(t, []station.Config{{Name: "front", Address: "virtual://", Model: "TM-T88V"}, {Name: "star", Address: "virtual://", Model: "TSP650II"}})
	resp, body := e.do(t, "POST", "/v1/printers/front/test-page", "", "")
	require.Equal(t, http.StatusAccepted, resp.StatusCode, body)
	var j struct{ ID string }
	require.NoError(t, json.Unmarshal([]byte(body), &j))
	_, body = e.do(t, "GET", "/v1/jobs/"+j.ID+"?wait=5s", "", "")
	assert.Contains(t, body, `"state": "printed"`)
	b, err := e.spool.Bytes(j.ID)
	require.NoError(t, err)
	assert.Contains(t, string(b), "Test page")

	resp, _ = e.do(t, "POST", "/v1/printers/front/test-page", "", "", "Idempotency-Key", "k1")
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	resp, _ = e.do(t, "POST", "/v1/printers/front/test-page", "", "", "Idempotency-Key", "k1")
	assert.Equal(t, "true", resp.Header.Get("Idempotent-Replayed"))
	jobs, err := e.spool.List("front", "", 0)
	require.NoError(t, err)
	assert.Len(t, jobs, 2)

	resp, body = e.do(t, "POST", "/v1/printers/star/test-page", "", "")
	assert.Equal(t, http.StatusConflict, resp.StatusCode, body)
	assert.Contains(t, body, "unsupported")
	resp, _ = e.do(t, "POST", "/v1/printers/nope/test-page", "", "")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}
