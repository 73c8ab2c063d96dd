package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/station"
)

// FuzzPostJob drives POST /v1/printers/{name}/jobs with arbitrary bodies,
// content types and keys: the answer is always a 2xx job or a 4xx error in
// the documented shape, a rejected request stores nothing, and an accepted
// one stores at most one job.
func FuzzPostJob(f *testing.F) {
	for _, dir := range []string{"secuconnect", "receipts"} {
		files, err := filepath.Glob(filepath.Join("..", "..", "..", "testdata", dir, "*.json"))
		require.NoError(f, err)
		for _, file := range files {
			b, err := os.ReadFile(file)
			require.NoError(f, err)
			f.Add(b, "application/json", "")
			f.Add(b, "application/json; charset=utf-8", "ecr-1")
		}
	}
	f.Add([]byte(`{"id":"x","receipt":[{"type":"textline","value":{"text":"\u001b@ESC in text"}}]}`), "application/json", "")
	f.Add([]byte(`{"receipt":[{"type":"space"}]}`), "text/plain", "")
	f.Add([]byte(`{"receipt":[`), "application/json", "k")
	f.Add([]byte(`{"id":"x","receipt":[]}`), "application/json", "a b")

	sp, err := spool.Open(filepath.Join(f.TempDir(), "spool.db"))
	require.NoError(f, err)
	f.Cleanup(func() { sp.Close() })
	// No worker runs: accepted jobs stay queued, which is all this checks.
	s, err := New(Config{Printers: []station.Config{{Name: "front", Address: "virtual://", Model: "TM-T88V"}}}, sp)
	require.NoError(f, err)
	stored := func(t *testing.T) int {
		counts, err := sp.Counts()
		require.NoError(t, err)
		n := 0
		for _, c := range counts["front"] {
			n += c
		}
		return n
	}

	f.Fuzz(func(t *testing.T, body []byte, ctype, key string) {
		before := stored(t)
		req := httptest.NewRequest("POST", "/v1/printers/front/jobs", bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Idempotency-Key", key)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		added := stored(t) - before

		var answer struct {
			ID    string `json:"id"`
			State string `json:"state"`
			Error *struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &answer), "every answer is JSON: %q", rec.Body.String())
		switch rec.Code {
		case http.StatusAccepted:
			require.NotEmpty(t, answer.ID)
			want := 1
			if rec.Header().Get("Idempotent-Replayed") == "true" {
				want = 0
			}
			require.Equal(t, want, added, "jobs stored")
		case http.StatusBadRequest, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity, http.StatusRequestEntityTooLarge:
			require.NotNil(t, answer.Error, rec.Body.String())
			require.NotEmpty(t, answer.Error.Code)
			require.NotEmpty(t, answer.Error.Message)
			require.Zero(t, added, "a rejected request stores nothing")
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	})
}
