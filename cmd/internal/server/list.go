package server

import (
	"bufio"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
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
		writeError(w, "bad_before", "before is a job id, e.g. j1000000000042")
		return "", false
	}
	return v, true
}

// listPage returns up to limit jobs, newest last, older than before when
// it is set, and the cursor of the page before it ("" at the oldest). The
// spool seeks through its indexes, so a page costs its jobs whatever the
// history holds.
func (s *Server) listPage(printer string, state spool.State, limit int, before string) ([]spool.Job, string, error) {
	jobs, next, err := s.spool.ListPage(spool.ListQuery{Printer: printer, State: state, Limit: limit, Before: before})
	if err != nil {
		return nil, "", err
	}
	slices.Reverse(jobs) // the spool pages newest first; the API lists oldest first
	return jobs, next, nil
}

// writePage answers {"jobs": [...], "next_before": next}, in writeJSON's
// layout, encoding one job at a time: a page costs its jobs, not a second
// copy of them as JSON.
func writePage[J any](w http.ResponseWriter, jobs []J, next string) {
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

// parseLimit reads ?limit, 200 when absent.
func parseLimit(w http.ResponseWriter, v string) (int, bool) {
	if v == "" {
		return 200, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxListLimit {
		writeError(w, "bad_limit", "limit is 1 to "+strconv.Itoa(maxListLimit)+": page with before for more")
		return 0, false
	}
	return n, true
}

// parseState reads ?state, "" when absent.
func parseState(w http.ResponseWriter, v string) (spool.State, bool) {
	state := spool.State(v)
	if state != "" && !state.Valid() {
		writeError(w, "bad_state", "state is one of queued, printing, printed, failed, unknown, cancelled")
		return "", false
	}
	return state, true
}

// parseFilters reads the ?state and ?limit that a site's list and a
// hub's take alike.
func parseFilters(w http.ResponseWriter, q url.Values) (spool.State, int, bool) {
	state, ok := parseState(w, q.Get("state"))
	if !ok {
		return "", 0, false
	}
	limit, ok := parseLimit(w, q.Get("limit"))
	return state, limit, ok
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state, limit, ok := parseFilters(w, q)
	if !ok {
		return
	}
	before, ok := parseBefore(w, q.Get("before"))
	if !ok {
		return
	}
	jobs, next, err := s.listPage(q.Get("printer"), state, limit, before)
	if errors.Is(err, spool.ErrBadQuery) {
		writeError(w, "bad_limit", err.Error())
		return
	}
	if err != nil {
		writeError(w, "spool_unavailable", err.Error())
		return
	}
	writePage(w, jobs, next)
}
