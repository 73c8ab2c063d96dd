package server

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/secuprint/receipt/receipt"
)

// maxPooledBody is the largest body buffer kept for reuse: a few receipts
// of the usual size, not the 1 MiB a rare big one grew it to, so a burst
// of large bodies does not stay resident.
const maxPooledBody = 64 << 10

// putBody returns a body buffer to the pool unless it grew large.
func putBody(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledBody {
		bodies.Put(buf)
	}
}

// identityEncoding answers 415 unless the body has no Content-Encoding (or
// "identity"): a compressed body read as JSON would be refused as garbage,
// and a plain one labelled gzip is a client bug worth telling.
func identityEncoding(w http.ResponseWriter, r *http.Request) bool {
	for _, v := range r.Header.Values("Content-Encoding") {
		for _, enc := range strings.Split(v, ",") {
			if enc = strings.TrimSpace(enc); enc != "" && !strings.EqualFold(enc, "identity") {
				writeError(w, "unsupported_encoding",
					"Content-Encoding "+enc+" is not supported: send the body uncompressed")
				return false
			}
		}
	}
	return true
}

// readTransaction applies the body rules and parses the transaction.
// bodies are request body buffers; ParseTransaction copies what it keeps.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func readTransaction(w http.ResponseWriter, r *http.Request) (*receipt.Transaction, bool) {
	buf := bodies.Get().(*bytes.Buffer)
	defer putBody(buf)
	buf.Reset()
	if !readBody(w, r, buf) {
		return nil, false
	}
	tx, err := receipt.ParseTransaction(buf.Bytes())
	if err != nil {
		if errors.Is(err, receipt.ErrSyntax) {
			writeError(w, "invalid_json", err.Error())
		} else {
			writeDocumentError(w, err)
		}
		return nil, false
	}
	return tx, true
}

// readBody applies the body rules, JSON, uncompressed, at most MaxBody,
// and reads the body into buf; the hub's API reads its bodies here too.
func readBody(w http.ResponseWriter, r *http.Request, buf *bytes.Buffer) bool {
	if ct := r.Header.Get("Content-Type"); ct != "application/json" { // the usual case needs no parsing
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			writeError(w, "unsupported_media_type", "send the transaction as application/json")
			return false
		}
	}
	if !identityEncoding(w, r) {
		return false
	}
	// The buffer grows as bytes arrive, never to Content-Length first: a
	// client announcing 1 MiB and trickling 150 bytes costs 150 bytes.
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxBody)); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, "too_large", "the body exceeds 1 MiB")
		} else {
			writeError(w, "bad_request", err.Error())
		}
		return false
	}
	return true
}
