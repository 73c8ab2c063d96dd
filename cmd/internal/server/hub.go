package server

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/secuprint/receipt/printers/fleet"
	"github.com/secuprint/receipt/receipt"
)

// HubOptions configure the fleet hub's API.
type HubOptions struct {
	// Tokens, when set, are the bearer tokens a client must present.
	Tokens []string
	Log    *slog.Logger
}

// hubAPI is the fleet hub's HTTP API: a thin adapter around fleet.Hub
// with the local API's bodies, headers and answers, the site in the path.
// docs/fleet.md documents it.
type hubAPI struct {
	hub *fleet.Hub
	opt HubOptions
	mux *http.ServeMux
}

// NewHub is the hub's API around hub.
func NewHub(hub *fleet.Hub, opt HubOptions) http.Handler {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	h := &hubAPI{hub: hub, opt: opt, mux: http.NewServeMux()}
	h.mux.HandleFunc("POST /v1/sites/{site}/printers/{printer}/jobs", h.post)
	h.mux.HandleFunc("GET /v1/jobs", h.list)
	h.mux.HandleFunc("GET /v1/jobs/{id}", h.get)
	h.mux.HandleFunc("DELETE /v1/jobs/{id}", h.cancel)
	h.mux.HandleFunc("POST /v1/jobs/{id}/cancel", h.cancel)
	h.mux.HandleFunc("POST /v1/jobs/{id}/reprint", h.reprint)
	h.mux.HandleFunc("POST /v1/jobs/{id}/decision", h.decide)
	h.mux.HandleFunc("POST /v1/jobs/{id}/retry", h.retry)
	h.mux.HandleFunc("GET /v1/sites", h.sites)
	h.mux.HandleFunc("GET /readyz", h.ready)
	h.mux.HandleFunc("GET /healthz", h.ready)
	h.mux.Handle("GET /", hubPage())
	return noFraming(h)
}

func (h *hubAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	// The probes and the page's files need no token (the page asks for
	// one, as a site's does); the API does.
	public := r.URL.Path == "/readyz" || r.URL.Path == "/healthz" ||
		(r.Method == http.MethodGet || r.Method == http.MethodHead) && !strings.HasPrefix(r.URL.Path, "/v1/")
	if len(h.opt.Tokens) > 0 && !public && !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", "Bearer")
		writeError(w, "unauthorized", "send Authorization: Bearer TOKEN")
		return
	}
	h.mux.ServeHTTP(w, r)
}

func (h *hubAPI) authorized(r *http.Request) bool {
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

// hubCodeOf is what an error of the hub is called in the API.
var hubCodeOf = []struct {
	err  error
	code string
}{
	{fleet.ErrUnknownSite, "unknown_site"},
	{fleet.ErrUnknownPrinter, "unknown_printer"},
	{fleet.ErrUnknownJob, "unknown_job"},
	{fleet.ErrTooLate, "not_queued"},
	// Reprint, decisions and retry routed to the site (hub_control.go).
	{fleet.ErrSiteOffline, "site_offline"},
	{fleet.ErrSiteUnreachable, "site_unreachable"},
	{fleet.ErrNotAtSite, "not_at_site"},
	{fleet.ErrPrinterGone, "printer_gone"},
	{fleet.ErrNoReprintKey, "no_idempotency_key"},
	{fleet.ErrKeyPostedAgain, "not_retryable"},
	{fleet.ErrSiteFault, "site_fault"},
}

// writeHubFault answers what the hub refused, as the local API would.
func writeHubFault(w http.ResponseWriter, err error) {
	var kr *fleet.KeyReusedError
	for _, c := range hubCodeOf {
		if errors.Is(err, c.err) {
			writeError(w, c.code, err.Error())
			return
		}
	}
	switch {
	case errors.Is(err, fleet.ErrNoKey):
		writeError(w, "no_idempotency_key", "send an Idempotency-Key header or a transaction with an id")
	case errors.As(err, &kr):
		w.Header().Set("Location", "/v1/jobs/"+kr.Job.ID)
		writeError(w, "idempotency_key_reused", err.Error())
	case errors.Is(err, receipt.ErrSyntax):
		writeError(w, "invalid_json", err.Error())
	case writeDocumentError(w, err):
	case errors.As(err, new(*fleet.InvalidError)):
		writeError(w, "invalid_transaction", err.Error())
	case knownFault(err):
		writeFault(w, err) // the site's spool refused it, as a local receiptd would
	default:
		// NATS unreachable or without quorum: nothing was accepted, retry
		// with the same key (on any hub).
		writeError(w, "fleet_unavailable", err.Error())
	}
}

func (h *hubAPI) post(w http.ResponseWriter, r *http.Request) {
	wait, ok := parseWait(w, r)
	if !ok {
		return
	}
	key, ok := idempotencyKey(w, r)
	if !ok {
		return
	}
	var body bytes.Buffer // not pooled: the hub keeps the client's JSON as sent
	if !readBody(w, r, &body) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	s, err := h.hub.Submit(ctx, r.PathValue("site"), r.PathValue("printer"), key, body.Bytes())
	if err != nil {
		writeHubFault(w, err)
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
	writeAccepted(w, job.ID, job.State.Final(), s.Existing, job)
}

func (h *hubAPI) get(w http.ResponseWriter, r *http.Request) {
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
		writeHubFault(w, err)
		return
	}
	writeJSON(w, http.StatusOK, job)
}

// cancel records a cancel at the hub: 202, the site honours it before it
// prints and the job turns cancelled when the site reports it; 409
// not_queued when the site already reported it printing or finished.
func (h *hubAPI) cancel(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	job, err := h.hub.Cancel(ctx, r.PathValue("id"))
	if err != nil {
		writeHubFault(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, job)
}

func (h *hubAPI) sites(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	sites, err := h.hub.Sites(ctx)
	if err != nil {
		writeHubFault(w, err)
		return
	}
	if sites == nil {
		sites = []fleet.SiteView{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"sites": sites})
}

// ready answers 200 when the hub can read the fleet's buckets (NATS
// reachable with a quorum), 503 otherwise.
func (h *hubAPI) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if _, err := h.hub.Sites(ctx); err != nil {
		writeError(w, "fleet_unavailable", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
