package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers"
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
	if key == "" {
		key = "test-page:" + strconv.FormatInt(time.Now().UnixNano(), 10)
	}
	switch p.profile.Language {
	case escpos.LanguageStarLine, escpos.LanguageStarPRNT:
		// The test page is written in ESC/POS; these printers read another
		// language. (A Star Graphic printer gets it as raster.)
		writeError(w, http.StatusConflict, "unsupported", "the test page is ESC/POS; printer "+p.Name+" speaks "+p.profile.Language.String(), nil)
		return
	}
	page, err := printers.TestPage(p.profile) // in the printer's language
	if err != nil {
		writeError(w, http.StatusInternalServerError, "render_failed", err.Error(), nil)
		return
	}
	j, existing, err := s.spool.EnqueueJob(p.Name, key, spool.Job{}, page)
	if err != nil {
		writeSpoolError(w, err)
		return
	}
	if existing {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/v1/jobs/"+j.ID)
	writeJSON(w, http.StatusAccepted, j)
}
