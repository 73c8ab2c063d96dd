package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The request edges each get a clear 4xx and store nothing.
func TestRequestEdges(t *testing.T) {
	e := newEnv(t)
	tx := sample(t, "cash-start")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(tx))
	require.NoError(t, zw.Close())
	tests := []struct {
		name, path, body string
		hdr              http.Header
		status           int
		want             string
	}{
		{"empty key", "/v1/printers/front/jobs", tx, http.Header{"Idempotency-Key": {""}}, 400, `"bad_idempotency_key"`},
		{"two keys", "/v1/printers/front/jobs", tx, http.Header{"Idempotency-Key": {"a", "b"}}, 400, `"bad_idempotency_key"`},
		{"two equal keys", "/v1/printers/front/jobs", tx, http.Header{"Idempotency-Key": {"a", "a"}}, 400, `"bad_idempotency_key"`},
		{"empty reprint key", "/v1/jobs/j1000000000001/reprint", "", http.Header{"Idempotency-Key": {""}}, 400, `"bad_idempotency_key"`},
		{"gzip", "/v1/printers/front/jobs", gz.String(), http.Header{"Content-Encoding": {"gzip"}}, 415, `"unsupported_encoding"`},
		{"plain labelled gzip", "/v1/printers/front/jobs", tx, http.Header{"Content-Encoding": {"gzip"}}, 415, `"unsupported_encoding"`},
		{"br on render", "/v1/render", tx, http.Header{"Content-Encoding": {"br"}}, 415, `"unsupported_encoding"`},
		{"two encodings", "/v1/printers/front/jobs", tx, http.Header{"Content-Encoding": {"identity", "gzip"}}, 415, `"unsupported_encoding"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest("POST", e.http.URL+tt.path, strings.NewReader(tt.body))
			require.NoError(t, err)
			req.Header = tt.hdr.Clone()
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			assert.Equal(t, tt.status, resp.StatusCode, string(body))
			assert.Contains(t, string(body), tt.want)
			jobs, err := e.spool.List("", "", 0)
			require.NoError(t, err)
			assert.Empty(t, jobs)
		})
	}
	// identity is no encoding at all.
	resp, body := e.do(t, "POST", "/v1/printers/front/jobs", "application/json", tx, "Content-Encoding", "identity")
	assert.Equal(t, http.StatusAccepted, resp.StatusCode, body)
}

func TestEmptyTokensAreRefused(t *testing.T) {
	for _, tokens := range [][]string{{""}, {"a", " "}, {" a"}} {
		_, err := New(Config{Tokens: tokens}, nil)
		assert.ErrorContains(t, err, "token", "%q", tokens)
	}
}

// growReader is a body announced as 1 MiB of which 150 bytes arrive: it
// records the largest read the handler offered it.
type growReader struct {
	data []byte
	max  int
}

func (g *growReader) Read(p []byte) (int, error) {
	g.max = max(g.max, len(p))
	if len(g.data) == 0 {
		return 0, io.ErrUnexpectedEOF // the client hung up
	}
	n := copy(p, g.data)
	g.data = g.data[n:]
	return n, nil
}

// The buffer grows with the bytes that came, not with Content-Length: a
// slow client announcing 1 MiB costs what it sent.
func TestBodyBufferGrowsAsBytesArrive(t *testing.T) {
	body := &growReader{data: bytes.Repeat([]byte(" "), 150)}
	r := httptest.NewRequest("POST", "/v1/render", body)
	r.ContentLength = MaxBody
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	_, ok := readTransaction(w, r)
	assert.False(t, ok)
	assert.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
	assert.LessOrEqual(t, body.max, 64<<10, "a read was offered a buffer sized by Content-Length")
}

// FuzzRequestHeaders: any Idempotency-Key and Content-Encoding values are
// taken (a key of 1 to 255 visible ASCII characters, once; identity) or
// refused with 400 or 415, never anything else.
func FuzzRequestHeaders(f *testing.F) {
	f.Add("k", "", 1)
	f.Add("", "gzip", 1)
	f.Add("a b", "identity", 2)
	f.Add("k", "identity, gzip", 1)
	f.Add("k", " IDENTITY ", 0)
	f.Fuzz(func(t *testing.T, key, enc string, keys int) {
		r := httptest.NewRequest("POST", "/", nil)
		for range keys % 3 {
			r.Header.Add("Idempotency-Key", key)
		}
		if enc != "" {
			r.Header.Set("Content-Encoding", enc)
		}
		w := httptest.NewRecorder()
		got, ok := idempotencyKey(w, r)
		if ok {
			require.LessOrEqual(t, keys%3, 1)
			require.Equal(t, key != "" && keys%3 == 1, got != "")
			require.LessOrEqual(t, len(got), maxKeyHeader)
		} else {
			require.Equal(t, http.StatusBadRequest, w.Code)
		}
		w = httptest.NewRecorder()
		if !identityEncoding(w, r) {
			require.Equal(t, http.StatusUnsupportedMediaType, w.Code)
			require.Contains(t, w.Body.String(), `"unsupported_encoding"`)
		}
	})
}
