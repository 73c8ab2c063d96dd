package server

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/secuprint/receipt/printers/spool"
)

// maxListLimit bounds a page: 100 clients not reading 10 000-job answers
// held 1.4 GB. Older jobs are a ?before away.
const maxListLimit = 1000

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

// writePage answers {"jobs": [...], "next_before": next}, in writeJSON's
// layout, encoding one job at a time: a page costs its jobs, not a second
// copy of them as JSON.
func writePage(w http.ResponseWriter, jobs []spool.Job, next string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriter(w)
	// Errors: the client hung up, nothing left to tell it.
	_, _ = bw.WriteString("{\n  \"jobs\": [")
	for i, j := range jobs {
		b, err := json.MarshalIndent(j, "    ", "  ")
		if err != nil {
			return // a Job always marshals; a broken answer ends short
		}
		if i > 0 {
			_ = bw.WriteByte(',')
		}
		_, _ = bw.WriteString("\n    ")
		_, _ = bw.Write(b)
	}
	if len(jobs) > 0 {
		_, _ = bw.WriteString("\n  ")
	}
	_ = bw.WriteByte(']')
	if next != "" {
		b, _ := json.Marshal(next) // a string
		_, _ = bw.WriteString(",\n  \"next_before\": ")
		_, _ = bw.Write(b)
	}
	_, _ = bw.WriteString("\n}\n")
	_ = bw.Flush()
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := spool.State(q.Get("state"))
	if state != "" && !state.Valid() {
		writeError(w, http.StatusBadRequest, "bad_state", "state is one of queued, printing, printed, failed, unknown", nil)
		return
	}
	limit := 200
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxListLimit {
			writeError(w, http.StatusBadRequest, "bad_limit", "limit is 1 to "+strconv.Itoa(maxListLimit)+": page with before for more", nil)
			return
		}
		limit = n
	}
	before, ok := parseBefore(w, q.Get("before"))
	if !ok {
		return
	}
	// One more than asked tells whether an older page exists.
	jobs, err := s.listPage(q.Get("printer"), state, limit+1, before)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "spool_unavailable", err.Error(), nil)
		return
	}
	next := ""
	if len(jobs) > limit { // newest last; keep the newest
		jobs = jobs[len(jobs)-limit:]
		next = jobs[0].ID
	}
	writePage(w, jobs, next)
}
