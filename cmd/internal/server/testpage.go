package server

import (
	"net/http"

	"github.com/secuprint/receipt/printers/spool"
)

// testPage queues the printer's test page (its model, column rulers, code
// pages, a QR code, barcodes and an image), for an installer checking a
// printer against its profile: POST /v1/printers/{name}/test-page. Each
// call prints one page, unless an Idempotency-Key makes a retry the same.
func (s *Server) testPage(w http.ResponseWriter, r *http.Request) {
	p, ok := s.printerOf(w, r)
	if !ok {
		return
	}
	key, ok := idempotencyKey(w, r)
	if !ok {
		return
	}
	a, err := p.TestPage(r.Context(), key, spool.SourceAPI)
	if err != nil {
		writeFault(w, err)
		return
	}
	j, existing := a.Job, a.Existing
	if existing {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/v1/jobs/"+j.ID)
	writeJSON(w, http.StatusAccepted, j)
}
