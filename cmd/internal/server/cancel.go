package server

import (
	"errors"
	"net/http"

	"github.com/secuprint/receipt/printers/spool"
)

// cancelRoutes registers cancel under both its routes.
func cancelRoutes(api func(string, http.HandlerFunc), cancel http.HandlerFunc) {
	api("DELETE /v1/jobs/{id}", cancel)
	api("POST /v1/jobs/{id}/cancel", cancel)
}

// cancel withdraws a queued job: DELETE /v1/jobs/{id} and
// POST /v1/jobs/{id}/cancel. Cancelling a cancelled job answers it again
// (200); a job past the queue is 409 not_queued.
func (s *Server) cancel(w http.ResponseWriter, r *http.Request) {
	j, err := s.spool.Cancel(r.PathValue("id"))
	switch {
	case errors.Is(err, spool.ErrNotQueued):
		writeError(w, "not_queued", err.Error())
	case err != nil:
		writeFault(w, err)
	default:
		s.log.Info("cancel", "id", j.ID, "printer", j.Printer)
		writeJSON(w, http.StatusOK, j)
	}
}
