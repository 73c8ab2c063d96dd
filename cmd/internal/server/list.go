package server

import (
	"net/http"

	"github.com/secuprint/receipt/printers/spool"
)

// parseBefore reads ?before, a job id the page ends before (the previous
// page's next_before); "" when absent.
func parseBefore(w http.ResponseWriter, v string) (string, bool) {
	ok := len(v) == 14 && v[0] == 'j'
	for i := 1; ok && i < len(v); i++ {
		ok = v[i] >= '0' && v[i] <= '9'
	}
	if v != "" && !ok {
		writeError(w, http.StatusBadRequest, "bad_before", "before is a job id, e.g. j1000000000042", nil)
		return "", false
	}
	return v, true
}

// listPage returns up to limit jobs, newest last, older than before when
// it is set. Job ids sort by creation, so before is a cursor.
func (s *Server) listPage(printer string, state spool.State, limit int, before string) ([]spool.Job, error) {
	if before == "" {
		return s.spool.List(printer, state, limit) // reads from the newest end, limit jobs
	}
	// TODO(ListPage): s.spool.ListPage(spool.ListQuery{Printer: printer, State: state, Limit: limit, Before: before}) seeks to before.
	all, err := s.spool.List(printer, state, 0)
	if err != nil {
		return nil, err
	}
	end := len(all)
	for end > 0 && all[end-1].ID >= before {
		end--
	}
	return all[max(0, end-limit):end], nil
}
