package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/secuprint/receipt/printers/station"
)

// Every answer forbids framing: the page, its files, the API's answers
// and its refusals (a 401, a cross-origin 403, a foreign Host's 403).
func TestNoAnswerMayBeFramed(t *testing.T) {
	e := newEnvConfig(t, Config{Printers: []station.Config{{Name: "front", Address: "virtual://", Model: "TM-T88V"}},
		Tokens: []string{"s3cret"}, LoopbackOnly: true})
	tests := []struct {
		name, method, path, host string
		hdr                      http.Header
		status                   int
	}{
		{"page", "GET", "/", "127.0.0.1", nil, 200},
		{"script", "GET", "/app.js", "127.0.0.1", nil, 200},
		{"sample", "GET", "/samples/cash-start.json", "127.0.0.1", nil, 200},
		{"health", "GET", "/healthz", "localhost", nil, 200},
		{"api", "GET", "/v1/printers", "127.0.0.1", http.Header{"Authorization": {"Bearer s3cret"}}, 200},
		{"api without token", "GET", "/v1/jobs", "127.0.0.1", nil, 401},
		{"unknown endpoint", "GET", "/v1/nope", "127.0.0.1", http.Header{"Authorization": {"Bearer s3cret"}}, 404},
		{"cross-origin post", "POST", "/v1/jobs/j1000000000001/reprint", "127.0.0.1",
			http.Header{"Authorization": {"Bearer s3cret"}, "Sec-Fetch-Site": {"cross-site"}}, 403},
		{"foreign host", "GET", "/", "receipts.example.com", nil, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.path, strings.NewReader(""))
			r.Host = tt.host
			for k, v := range tt.hdr {
				r.Header[k] = v
			}
			w := httptest.NewRecorder()
			e.srv.ServeHTTP(w, r)
			assert.Equal(t, tt.status, w.Code, w.Body.String())
			assert.Equal(t, "frame-ancestors 'none'", w.Header().Get("Content-Security-Policy"))
			assert.Equal(t, "DENY", w.Header().Get("X-Frame-Options"))
		})
	}
}
