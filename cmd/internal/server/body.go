package server

import (
	"bytes"
	"net/http"
	"strings"
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
				writeError(w, http.StatusUnsupportedMediaType, "unsupported_encoding",
					"Content-Encoding "+enc+" is not supported: send the body uncompressed", nil)
				return false
			}
		}
	}
	return true
}
