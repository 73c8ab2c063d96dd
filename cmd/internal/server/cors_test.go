package server

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormalizeOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://POS.example.com":     "https://pos.example.com",
		"https://pos.example.com/":    "https://pos.example.com",
		"https://pos.example.com:443": "https://pos.example.com",
		"http://192.168.1.20:8069":    "http://192.168.1.20:8069",
		"http://localhost:80":         "http://localhost",
	} {
		got, err := NormalizeOrigin(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "pos.example.com", "ftp://x", "https://x/path", "https://u@x", "https://x?q", "*"} {
		_, err := NormalizeOrigin(bad)
		assert.Error(t, err, bad)
	}
	_, err := New(Config{AllowedOrigins: []string{"nope"}}, nil)
	assert.ErrorContains(t, err, "allowed origin")
}

// TestCORS: an allowed origin gets its preflight (with Private Network
// Access) answered and may post and read with its token; any other origin
// keeps today's protection.
func TestCORS(t *testing.T) {
	e := newEnvConfig(t, Config{Printers: []*Printer{{Name: "front", Address: "virtual://", Model: "TM-T88V"}},
		Tokens: []string{"secret-token-1234567890"}, AllowedOrigins: []string{"https://pos.example.com"}})
	const good, evil = "https://pos.example.com", "https://evil.example"

	resp, _ := e.do(t, "OPTIONS", "/v1/printers/front/jobs", "", "", "Origin", good,
		"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type,idempotency-key",
		"Access-Control-Request-Private-Network", "true")
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	h := resp.Header
	assert.Equal(t, good, h.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "GET, POST, DELETE", h.Get("Access-Control-Allow-Methods"))
	assert.Equal(t, "Authorization, Content-Type, Idempotency-Key", h.Get("Access-Control-Allow-Headers"))
	assert.Equal(t, "true", h.Get("Access-Control-Allow-Private-Network"))
	assert.Equal(t, "600", h.Get("Access-Control-Max-Age"))
	assert.Contains(t, h.Values("Vary"), "Origin")

	// Without the PNA question, no PNA answer.
	resp, _ = e.do(t, "OPTIONS", "/v1/jobs", "", "", "Origin", good, "Access-Control-Request-Method", "GET")
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Private-Network"))

	tx := sample(t, "card-topup")
	resp, body := e.do(t, "POST", "/v1/printers/front/jobs?wait=5s", "application/json", tx, "Origin", good,
		"Sec-Fetch-Site", "cross-site", "Authorization", "Bearer secret-token-1234567890")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, good, resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, resp.Header.Values("Vary"), "Origin")
	// Tokens still apply to an allowed origin.
	resp, _ = e.do(t, "GET", "/v1/jobs", "", "", "Origin", good, "Sec-Fetch-Site", "cross-site")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, good, resp.Header.Get("Access-Control-Allow-Origin"), "the till can read why")

	// Another origin: preflight refused, no CORS headers, no state change.
	resp, _ = e.do(t, "OPTIONS", "/v1/printers/front/jobs", "", "", "Origin", evil, "Access-Control-Request-Method", "POST")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	resp, body = e.do(t, "POST", "/v1/jobs/j1000000000001/reprint", "", "", "Origin", evil, "Sec-Fetch-Site", "cross-site",
		"Authorization", "Bearer secret-token-1234567890")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	assert.Contains(t, body, "cross_origin")
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	resp, _ = e.do(t, "GET", "/v1/jobs", "", "", "Origin", evil, "Sec-Fetch-Site", "cross-site", "Authorization", "Bearer secret-token-1234567890")
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"), "nothing readable")
}

// TestNoCORSByDefault: without allowed_origins nothing changes.
func TestNoCORSByDefault(t *testing.T) {
	e := newEnv(t)
	resp, _ := e.do(t, "OPTIONS", "/v1/jobs", "", "", "Origin", "https://pos.example.com", "Access-Control-Request-Method", "GET")
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Empty(t, resp.Header.Values("Vary"))
}
