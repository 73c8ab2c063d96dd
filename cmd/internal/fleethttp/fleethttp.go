// Package fleethttp is the hub's HTTP API: a thin adapter around
// fleet.Hub with the local API's bodies, headers and answers, the site in
// the path. docs/fleet.md documents it.
package fleethttp

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/secuprint/receipt/printers/fleet"
	"github.com/secuprint/receipt/receipt"
)

// MaxBody bounds a transaction, as the local API does.
const MaxBody = 1 << 20

// Options configure the handler.
type Options struct {
	// Tokens, when set, are the bearer tokens a client must present.
	Tokens []string
	Log    *slog.Logger
}

type handler struct {
	hub *fleet.Hub
	opt Options
	mux *http.ServeMux
}

// New is the hub's API around hub.
func New(hub *fleet.Hub, opt Options) http.Handler {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	h := &handler{hub: hub, opt: opt, mux: http.NewServeMux()}
	h.mux.HandleFunc("POST /v1/sites/{site}/printers/{printer}/jobs", h.post)
	h.mux.HandleFunc("GET /v1/jobs/{id}", h.get)
	h.mux.HandleFunc("DELETE /v1/jobs/{id}", h.cancel)
	h.mux.HandleFunc("POST /v1/jobs/{id}/cancel", h.cancel)
	h.mux.HandleFunc("GET /v1/sites", h.sites)
	h.mux.HandleFunc("GET /readyz", h.ready)
	h.mux.HandleFunc("GET /healthz", h.ready)
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "frame-ancestors 'none'")
	probe := r.URL.Path == "/readyz" || r.URL.Path == "/healthz"
	if len(h.opt.Tokens) > 0 && !probe && !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", "Bearer")
		writeError(w, http.StatusUnauthorized, "unauthorized", "send Authorization: Bearer TOKEN")
		return
	}
	h.mux.ServeHTTP(w, r)
}

func (h *handler) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	match := 0
	for _, t := range h.opt.Tokens {
		match |= subtle.ConstantTimeCompare([]byte(t), []byte(tok))
	}
	return match == 1
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Line    *int   `json:"line,omitempty"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	var e apiError
	e.Error.Code, e.Error.Message = code, msg
	writeJSON(w, status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client hung up: nothing left to tell it
}

// writeHubError answers what the hub refused, as the local API would.
func writeHubError(w http.ResponseWriter, err error) {
	var ie *fleet.InvalidError
	var kr *fleet.KeyReusedError
	var le *receipt.LineError
	switch {
	case errors.Is(err, fleet.ErrUnknownSite):
		writeError(w, http.StatusNotFound, "unknown_site", err.Error())
	case errors.Is(err, fleet.ErrUnknownPrinter):
		writeError(w, http.StatusNotFound, "unknown_printer", err.Error())
	case errors.Is(err, fleet.ErrUnknownJob):
		writeError(w, http.StatusNotFound, "unknown_job", err.Error())
	case errors.Is(err, fleet.ErrNoKey):
		writeError(w, http.StatusUnprocessableEntity, "no_idempotency_key", "send an Idempotency-Key header or a transaction with an id")
	case errors.As(err, &kr):
		w.Header().Set("Location", "/v1/jobs/"+kr.Job.ID)
		writeError(w, http.StatusUnprocessableEntity, "idempotency_key_reused", err.Error())
	case errors.Is(err, receipt.ErrSyntax):
		writeError(w, http.StatusBadRequest, "invalid_json", err.Error())
	case errors.As(err, &le):
		var e apiError
		line := le.Line
		e.Error.Code, e.Error.Message, e.Error.Line = "invalid_receipt", err.Error(), &line
		writeJSON(w, http.StatusUnprocessableEntity, e)
	case errors.As(err, new(*receipt.BlockError)):
		writeError(w, http.StatusUnprocessableEntity, "invalid_block", err.Error())
	case errors.As(err, new(*receipt.BasketError)):
		writeError(w, http.StatusUnprocessableEntity, "invalid_basket", err.Error())
	case errors.As(err, &ie):
		writeError(w, http.StatusUnprocessableEntity, "invalid_transaction", err.Error())
	case errors.Is(err, fleet.ErrTooLate):
		writeError(w, http.StatusConflict, "not_queued", err.Error())
	default:
		// NATS unreachable or without quorum: nothing was accepted, retry
		// with the same key (on any hub).
		writeError(w, http.StatusServiceUnavailable, "fleet_unavailable", err.Error())
	}
}

// maxKey bounds an Idempotency-Key, as on the local API.
const maxKey = 255

func idempotencyKey(w http.ResponseWriter, r *http.Request) (string, bool) {
	keys := r.Header.Values("Idempotency-Key")
	if len(keys) > 1 {
		writeError(w, http.StatusBadRequest, "bad_idempotency_key", "send one Idempotency-Key header, not several")
		return "", false
	}
	key := r.Header.Get("Idempotency-Key")
	ok := len(key) <= maxKey && (len(keys) == 0 || key != "")
	for i := 0; ok && i < len(key); i++ {
		ok = key[i] > ' ' && key[i] < 0x7f
	}
	if !ok {
		writeError(w, http.StatusBadRequest, "bad_idempotency_key", "Idempotency-Key must be 1 to 255 visible ASCII characters")
	}
	return key, ok
}

func parseWait(w http.ResponseWriter, r *http.Request) (time.Duration, bool) {
	v := r.URL.Query().Get("wait")
	if v == "" {
		return 0, true
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > 60*time.Second {
		writeError(w, http.StatusBadRequest, "bad_wait", "wait must be a duration up to 60s, e.g. 10s")
		return 0, false
	}
	return d, true
}

// readBody applies the local API's body rules: JSON, uncompressed, 1 MiB.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send the transaction as application/json")
		return nil, false
	}
	if enc := r.Header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_encoding", "Content-Encoding "+enc+" is not supported: send the body uncompressed")
		return nil, false
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxBody)); err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", "the body exceeds 1 MiB")
		} else {
			writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		}
		return nil, false
	}
	return buf.Bytes(), true
}

func (h *handler) post(w http.ResponseWriter, r *http.Request) {
	wait, ok := parseWait(w, r)
	if !ok {
		return
	}
	key, ok := idempotencyKey(w, r)
	if !ok {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	s, err := h.hub.Submit(ctx, r.PathValue("site"), r.PathValue("printer"), key, body)
	if err != nil {
		writeHubError(w, err)
		return
	}
	job := s.Job
	if wait > 0 {
		wctx, cancel := context.WithTimeout(r.Context(), wait)
		defer cancel()
		if got, err := h.hub.Wait(wctx, job.ID); err == nil {
			job = got
		}
	}
	status := http.StatusAccepted
	if job.State.Final() {
		status = http.StatusOK
	}
	if s.Existing {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/v1/jobs/"+job.ID)
	writeJSON(w, status, job)
}

func (h *handler) get(w http.ResponseWriter, r *http.Request) {
	wait, ok := parseWait(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second+wait)
	defer cancel()
	job, err := h.hub.Job(ctx, r.PathValue("id"))
	if err == nil && wait > 0 && !job.State.Final() {
		wctx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		job, err = h.hub.Wait(wctx, job.ID)
	}
	if err != nil {
		writeHubError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, job)
}

// cancel records a cancel at the hub: 202, the site honours it before it
// prints and the job turns cancelled when the site reports it; 409
// not_queued when the site already reported it printing or finished.
func (h *handler) cancel(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	job, err := h.hub.Cancel(ctx, r.PathValue("id"))
	if err != nil {
		writeHubError(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, job)
}

func (h *handler) sites(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	sites, err := h.hub.Sites(ctx)
	if err != nil {
		writeHubError(w, err)
		return
	}
	if sites == nil {
		sites = []fleet.SiteView{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"sites": sites})
}

// ready answers 200 when the hub can read the fleet's buckets (NATS
// reachable with a quorum), 503 otherwise.
func (h *handler) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if _, err := h.hub.Sites(ctx); err != nil {
		writeError(w, http.StatusServiceUnavailable, "fleet_unavailable", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
