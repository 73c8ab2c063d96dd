package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/receipt"
)

// renderFor renders the whole receipt of tx for p: its template around
// the transaction's own blocks. The logos it prints by key, and whether the
// printer still needs them defined, are in the report.
func (s *Server) renderFor(p *Printer, tx *receipt.Transaction) ([]byte, []string, receipt.Report, error) {
	start := time.Now()
	r := p.renderers.Get().(*receipt.Renderer)
	out, rep, err := r.RenderTransaction(nil, tx)
	p.renderers.Put(r)
	s.metrics.render.Observe(time.Since(start).Seconds())
	var warnings []string
	for _, w := range append(tx.Warnings, rep.Warnings...) {
		warnings = append(warnings, w.String())
	}
	return out, warnings, rep, err
}

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
	if key == "" && tx.ID == "" {
		writeError(w, http.StatusUnprocessableEntity, "no_idempotency_key", "send an Idempotency-Key header or a transaction with an id", nil)
		return
	}
	job, warnings, rep, err := s.renderFor(p, tx)
	if err != nil {
		writeDocumentError(w, err)
		return
	}
	digest := tx.Digest()
	if key == "" {
		// One transaction yields several receipts as it moves on (started,
		// missing sum paid, captured: the API documents all with one id), so
		// the default key is the id qualified by what the receipt says.
		id := tx.ID
		if len(id) > maxKeyHeader {
			idSum := sha256.Sum256([]byte(id))
			id = "sha256:" + hex.EncodeToString(idSum[:16])
		}
		key = id + ":" + hex.EncodeToString(digest[:8])
	}
	proto := spool.Job{TransactionID: tx.ID, Warnings: warnings, Digest: hex.EncodeToString(digest[:16])}
	if p.Copies > 1 {
		// One job, so the copies print together and are confirmed as one.
		job, proto.Receipts = bytes.Repeat(job, p.Copies), p.Copies
	}
	// A stored logo the printer does not hold yet is defined ahead of the
	// receipt, once: NV memory wears out.
	defines, defs, err := s.logos.defines(p.Name, rep.Logos)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "render_failed", err.Error(), nil)
		return
	}
	job = append(defines, job...)
	// Noted before the job exists: an idle printer may print it before
	// EnqueueJob returns.
	s.logos.sent(p.Name, key, defs)
	j, existing, err := s.spool.EnqueueJob(p.Name, key, proto, job)
	if err != nil {
		_ = s.logos.finished(p.Name, key, false) // nothing goes out: forget the note
	}
	switch {
	case errors.Is(err, spool.ErrBadKey):
		writeError(w, http.StatusBadRequest, "bad_idempotency_key", err.Error(), nil)
		return
	case errors.Is(err, spool.ErrQuarantined):
		// The key's job was set aside as damaged; the key stays so a retry
		// cannot print it a second time.
		writeError(w, http.StatusConflict, "quarantined", err.Error(), nil)
		return
	}
	if err != nil {
		s.log.Error("enqueue", "err", err)
		writeError(w, http.StatusServiceUnavailable, "spool_unavailable", "the job could not be stored", nil)
		return
	}
	if existing && j.Digest != "" && j.Digest != proto.Digest {
		// A retry sends the same receipt; another receipt under a used key
		// is a client bug that would otherwise lose this receipt silently.
		w.Header().Set("Location", "/v1/jobs/"+j.ID)
		writeError(w, http.StatusUnprocessableEntity, "idempotency_key_reused",
			"this Idempotency-Key already names job "+j.ID+", which prints another receipt; nothing was queued", nil)
		return
	}
	if wait > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), wait)
		defer cancel()
		if got, err := s.spool.Wait(ctx, j.ID); err == nil {
			j = got
		}
	}
	status := http.StatusAccepted
	if j.State.Final() {
		status = http.StatusOK
	}
	if existing {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/v1/jobs/"+j.ID)
	writeJSON(w, status, j)
}

// maxKeyHeader bounds an Idempotency-Key, as payment APIs commonly do.
const maxKeyHeader = 255

// idempotencyKey reads the Idempotency-Key header: once, 1 to 255 visible
// ASCII characters, "" when absent.
func idempotencyKey(w http.ResponseWriter, r *http.Request) (string, bool) {
	keys := r.Header.Values("Idempotency-Key")
	if len(keys) > 1 {
		// Which one the client meant is a guess either way.
		writeError(w, http.StatusBadRequest, "bad_idempotency_key", "send one Idempotency-Key header, not several", nil)
		return "", false
	}
	key := r.Header.Get("Idempotency-Key")
	ok := len(key) <= maxKeyHeader && (len(keys) == 0 || key != "") // present but empty is a client bug
	for i := 0; ok && i < len(key); i++ {
		ok = key[i] > ' ' && key[i] < 0x7f
	}
	if !ok {
		writeError(w, http.StatusBadRequest, "bad_idempotency_key", "Idempotency-Key must be 1 to 255 visible ASCII characters", nil)
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
		writeError(w, http.StatusBadRequest, "bad_wait", "wait must be a duration up to 60s, e.g. 10s", nil)
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
		writeError(w, http.StatusNotFound, "unknown_job", err.Error(), nil)
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
		writeSpoolError(w, err)
		return
	}
	if !s.servesPrinterOf(w, orig) {
		return
	}
	mark, err := s.copyMark(s.byName[orig.Printer])
	if err != nil {
		writeError(w, http.StatusInternalServerError, "render_failed", err.Error(), nil)
		return
	}
	j, err := s.spool.Reprint(orig.ID, key, mark)
	if err != nil {
		writeSpoolError(w, err)
		return
	}
	w.Header().Set("Location", "/v1/jobs/"+j.ID)
	writeJSON(w, http.StatusAccepted, j)
}

// decide settles a job in state unknown as a person found it:
// {"decision": "printed" | "not_printed" | "retry"}.
func (s *Server) decide(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", `send {"decision": …} as application/json`, nil)
		return
	}
	if !identityEncoding(w, r) {
		return
	}
	var body struct {
		Decision spool.Decision `json:"decision"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_json", err.Error(), nil)
		return
	}
	if body.Decision == spool.DecidedRetry {
		if j, err := s.spool.Get(r.PathValue("id")); err == nil && !s.servesPrinterOf(w, j) {
			return
		}
	}
	j, err := s.spool.Decide(r.PathValue("id"), body.Decision)
	switch {
	case errors.Is(err, spool.ErrBadDecision):
		writeError(w, http.StatusBadRequest, "bad_decision", err.Error(), nil)
	case errors.Is(err, spool.ErrNotUnknown):
		writeError(w, http.StatusConflict, "not_unknown", err.Error(), nil)
	case err != nil:
		writeSpoolError(w, err)
	default:
		s.log.Info("decision", "id", j.ID, "decision", string(body.Decision), "state", string(j.State))
		writeJSON(w, http.StatusOK, j)
	}
}

// servesPrinterOf reports whether j's printer is still configured, and
// answers 409 when not: a job queued for it would never print.
func (s *Server) servesPrinterOf(w http.ResponseWriter, j spool.Job) bool {
	if _, ok := s.byName[j.Printer]; ok {
		return true
	}
	writeError(w, http.StatusConflict, "unknown_printer", "the job's printer "+strconv.Quote(j.Printer)+" is no longer configured", nil)
	return false
}

// copyMark is the reprint banner in p's command language (a Star Graphic
// printer gets it as raster).
func (s *Server) copyMark(p *Printer) ([]byte, error) {
	r := p.renderers.Get().(*receipt.Renderer)
	mark, err := r.AppendCopyMark(nil)
	p.renderers.Put(r)
	return mark, err
}
