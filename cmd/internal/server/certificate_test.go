package server

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers/station"
)

// Issue 19 item 2: a re-issued self-signed certificate is named in GET
// /v1/printers' envelope, so the staff page can tell staff to accept it
// again; without HTTPS the envelope is as before.
func TestPrintersCertificateNote(t *testing.T) {
	ps := []station.Config{{Name: "front", Address: "virtual://", Model: "TM-T88V"}}
	for _, tc := range []struct {
		name string
		note *CertificateNote
		want map[string]any
	}{
		{"no https", nil, nil},
		{"reused", &CertificateNote{SHA256: "AB:CD"}, map[string]any{"sha256": "AB:CD"}},
		{"reissued", &CertificateNote{SHA256: "AB:CD", Port: "8443", Reissued: "the host's names or addresses changed (10.0.0.7 not in it)"},
			map[string]any{"sha256": "AB:CD", "port": "8443", "reissued": "the host's names or addresses changed (10.0.0.7 not in it)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvConfig(t, Config{Printers: ps, Certificate: tc.note})
			resp, body := e.do(t, "GET", "/v1/printers", "", "")
			require.Equal(t, http.StatusOK, resp.StatusCode)
			var env map[string]any
			require.NoError(t, json.Unmarshal([]byte(body), &env))
			assert.Len(t, env["printers"], 1)
			c, ok := env["certificate"]
			assert.Equal(t, tc.want != nil, ok, body)
			if tc.want != nil {
				assert.Equal(t, tc.want, c)
			}
		})
	}
}
