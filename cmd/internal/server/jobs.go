package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/station"
)

func (s *Server) postJob(w http.ResponseWriter, r *http.Request) {
	p, ok := s.printerOf(w, r)
	if !ok {
		return
	}
	wait, ok := parseWait(w, r)
	if !ok {
		return
	}
	key, ok := idempotencyKey(w, r)
	if !ok {
		return
	}
	tx, ok := readTransaction(w, r)
	if !ok {
		return
	}
	a, err := p.Submit(r.Context(), tx, station.Request{Key: key, Source: spool.SourceAPI})
	if err != nil {
		if !knownFault(err) {
			s.log.Error("enqueue", "err", err)
			err = fmt.Errorf("the job could not be stored: %w", err)
		}
		writeFault(w, err)
		return
	}
	j := a.Job
	if wait > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), wait)
		defer cancel()
		if got, err := s.spool.Wait(ctx, j.ID); err == nil {
			j = got
		}
	}
	writeAccepted(w, j.ID, j.State.Final(), a.Existing, j)
}

// writeAccepted answers a submitted job, the local API's and the hub's
// alike: 200 when it finished within ?wait, 202 otherwise, marked
// Idempotent-Replayed when the key already named it.
func writeAccepted(w http.ResponseWriter, id string, final, existing bool, job any) {
	status := http.StatusAccepted
	if final {
		status = http.StatusOK
	}
	if existing {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/v1/jobs/"+id)
	writeJSON(w, status, job)
}

// maxKeyHeader bounds an Idempotency-Key, as payment APIs commonly do.
const maxKeyHeader = 255

// knownFault reports an error the station or the spool names (anything
// else is the store failing).
func knownFault(err error) bool {
	if errors.As(err, new(*station.KeyReusedError)) || errors.As(err, new(*station.DocumentError)) {
		return true
	}
	for _, c := range codeOf {
		if errors.Is(err, c.err) {
			return true
		}
	}
	return false
}

// idempotencyKey reads the Idempotency-Key header: once, 1 to 255 visible
// ASCII characters, "" when absent.
func idempotencyKey(w http.ResponseWriter, r *http.Request) (string, bool) {
	keys := r.Header.Values("Idempotency-Key")
	if len(keys) > 1 {
		// Which one the client meant is a guess either way.
		writeError(w, "bad_idempotency_key", "send one Idempotency-Key header, not several")
		return "", false
	}
	key := r.Header.Get("Idempotency-Key")
	ok := len(key) <= maxKeyHeader && (len(keys) == 0 || key != "") // present but empty is a client bug
	for i := 0; ok && i < len(key); i++ {
		ok = key[i] > ' ' && key[i] < 0x7f
	}
	if !ok {
		writeError(w, "bad_idempotency_key", "Idempotency-Key must be 1 to 255 visible ASCII characters")
	}
	return key, ok
}

// parseWait reads ?wait, how long a request may wait for a job's outcome.
func parseWait(w http.ResponseWriter, r *http.Request) (time.Duration, bool) {
	v := r.URL.Query().Get("wait")
	if v == "" {
		return 0, true
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > 60*time.Second {
		writeError(w, "bad_wait", "wait must be a duration up to 60s, e.g. 10s")
		return 0, false
	}
	return d, true
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) {
	wait, ok := parseWait(w, r)
	if !ok {
		return
	}
	j, err := s.spool.Get(r.PathValue("id"))
	if err != nil {
		writeFault(w, err)
		return
	}
	if wait > 0 && !j.State.Final() {
		ctx, cancel := context.WithTimeout(r.Context(), wait)
		defer cancel()
		if got, err := s.spool.Wait(ctx, j.ID); err == nil {
			j = got
		}
	}
	writeJSON(w, http.StatusOK, j)
}

func (s *Server) reprint(w http.ResponseWriter, r *http.Request) {
	key, ok := idempotencyKey(w, r)
	if !ok {
		return
	}
	orig, err := s.spool.Get(r.PathValue("id"))
	if err != nil {
		writeFault(w, err)
		return
	}
	if !s.servesPrinterOf(w, orig) {
		return
	}
	j, err := s.byName[orig.Printer].Reprint(orig.ID, key)
	if err != nil {
		writeFault(w, err)
		return
	}
	w.Header().Set("Location", "/v1/jobs/"+j.ID)
	writeJSON(w, http.StatusAccepted, j)
}

// decide settles a job in state unknown as a person found it:
// {"decision": "printed" | "not_printed" | "retry"}.
func (s *Server) decide(w http.ResponseWriter, r *http.Request) {
	decision, ok := readDecision(w, r)
	if !ok {
		return
	}
	if decision == spool.DecidedRetry {
		if j, err := s.spool.Get(r.PathValue("id")); err == nil && !s.servesPrinterOf(w, j) {
			return
		}
	}
	j, err := s.spool.Decide(r.PathValue("id"), decision)
	switch {
	case err != nil:
		writeFault(w, err)
	default:
		s.log.Info("decision", "id", j.ID, "decision", string(decision), "state", string(j.State))
		writeJSON(w, http.StatusOK, j)
	}
}

// readDecision reads a decision's body, {"decision": …}, the local API's
// and the hub's alike.
func readDecision(w http.ResponseWriter, r *http.Request) (spool.Decision, bool) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, "unsupported_media_type", `send {"decision": …} as application/json`)
		return "", false
	}
	if !identityEncoding(w, r) {
		return "", false
	}
	var body struct {
		Decision spool.Decision `json:"decision"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		writeError(w, "invalid_json", err.Error())
		return "", false
	}
	return body.Decision, true
}

// parseAttempt reads a retry's ?attempt: the attempt the caller saw
// fail, 0 when absent.
func parseAttempt(w http.ResponseWriter, r *http.Request) (int, bool) {
	v := r.URL.Query().Get("attempt")
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		writeError(w, "bad_attempt", "attempt is the number of the attempt that failed: 1, 2, …")
		return 0, false
	}
	return n, true
}

// retry queues a failed job again as the original, its next attempt:
// POST /v1/jobs/{id}/retry[?attempt=N]. N is the attempt the caller saw
// fail: a retry of an attempt already tried again answers the job as it
// is (Idempotent-Replayed), so a double click prints once.
func (s *Server) retry(w http.ResponseWriter, r *http.Request) {
	attempt, ok := parseAttempt(w, r)
	if !ok {
		return
	}
	j, err := s.spool.Get(r.PathValue("id"))
	if err != nil {
		writeFault(w, err)
		return
	}
	if !s.servesPrinterOf(w, j) {
		return
	}
	j, existing, err := s.spool.Retry(j.ID, attempt)
	if err != nil {
		writeFault(w, err)
		return
	}
	if existing {
		w.Header().Set("Idempotent-Replayed", "true")
	} else {
		s.log.Info("retry", "id", j.ID, "attempt", j.Attempt)
	}
	w.Header().Set("Location", "/v1/jobs/"+j.ID)
	writeJSON(w, http.StatusAccepted, j)
}

// servesPrinterOf reports whether j's printer is still configured, and
// answers 409 when not: a job queued for it would never print.
func (s *Server) servesPrinterOf(w http.ResponseWriter, j spool.Job) bool {
	if _, ok := s.byName[j.Printer]; ok {
		return true
	}
	writeError(w, "printer_gone", "the job's printer "+strconv.Quote(j.Printer)+" is no longer configured")
	return false
}
