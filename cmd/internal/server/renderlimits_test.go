package server

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers/station"
)

// Renders beyond the bound wait briefly, then get 503 with Retry-After,
// rather than pile up.
func TestRenderConcurrencyIsBounded(t *testing.T) {
	e := newEnvConfig(t, Config{Renders: 1, Printers: []station.Config{{Name: "front", Address: "virtual://", Model: "TM-T88V"}}})
	require.NoError(t, e.srv.gate.Enter(context.Background()), "the one slot")
	resp, body := e.do(t, "POST", "/v1/render?format=png", "application/json", sample(t, "pay-missing-sum"))
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, body)
	assert.Contains(t, body, `"render_busy"`)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	e.srv.gate.Leave()
	resp, body = e.do(t, "POST", "/v1/render?format=png", "application/json", sample(t, "pay-missing-sum"))
	assert.Equal(t, http.StatusOK, resp.StatusCode, body)
	_, body = e.do(t, "GET", "/metrics", "", "")
	assert.Contains(t, body, "receiptd_render_rejected_total 1\n")
	assert.Contains(t, body, "receiptd_renders_running 0\n")
	assert.Contains(t, body, `receiptd_render_cache_total{result="miss"} 2`)
}

// A render or preview asked again comes from the cache, byte for byte.
func TestRendersAreCached(t *testing.T) {
	e := newEnv(t)
	tx := sample(t, "pay-missing-sum")
	for _, format := range []string{"png", "html", "escpos", "text"} {
		_, first := e.do(t, "POST", "/v1/render?model=TM-T88V&format="+format, "application/json", tx)
		hits := e.srv.cache.hits.Load()
		resp, again := e.do(t, "POST", "/v1/render?model=TM-T88V&format="+format, "application/json", tx)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, hits+1, e.srv.cache.hits.Load(), format)
		assert.Equal(t, first, again, format)
	}
	resp, body := e.do(t, "POST", "/v1/printers/front/jobs?wait=5s", "application/json", tx)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	for _, ext := range []string{"png", "html"} {
		resp, first := e.do(t, "GET", "/v1/jobs/j1000000000001/preview."+ext, "", "")
		require.Equal(t, http.StatusOK, resp.StatusCode, first)
		hits := e.srv.cache.hits.Load()
		_, again := e.do(t, "GET", "/v1/jobs/j1000000000001/preview."+ext, "", "")
		assert.Equal(t, hits+1, e.srv.cache.hits.Load(), ext)
		assert.Equal(t, first, again)
	}
	c := newRenderCache(10)
	c.put("a", "t", []byte("12345"))
	c.put("b", "t", []byte("12345"))
	_, _ = c.get("a") // a is the more recent
	c.put("c", "t", []byte("1"))
	_, okA := c.get("a")
	_, okB := c.get("b")
	assert.True(t, okA)
	assert.False(t, okB, "the least recently used went first")
	c.put("huge", "t", make([]byte, 11))
	_, ok := c.get("huge")
	assert.False(t, ok, "larger than the budget: not kept")
}

// A page of another site may not read a preview (an <img> needs no CORS);
// the service's own page and clients that are no browser may.
func TestPreviewsAreSameOrigin(t *testing.T) {
	e := newEnv(t)
	resp, body := e.do(t, "POST", "/v1/printers/front/jobs?wait=5s", "application/json", sample(t, "cash-start"))
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	for site, want := range map[string]int{"cross-site": 403, "same-site": 403, "same-origin": 200, "none": 200, "": 200} {
		var hdr []string
		if site != "" {
			hdr = []string{"Sec-Fetch-Site", site}
		}
		resp, body := e.do(t, "GET", "/v1/jobs/j1000000000001/preview.png", "", "", hdr...)
		assert.Equal(t, want, resp.StatusCode, "Sec-Fetch-Site %q: %s", site, body)
	}
	// With tokens, a preview needs one like every call (an <img> cannot send it).
	e = newEnv(t, "s3cret")
	resp, _ = e.do(t, "GET", "/v1/jobs/j1000000000001/preview.png", "", "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}
