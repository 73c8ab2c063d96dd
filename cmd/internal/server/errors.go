package server

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/station"
	"github.com/secuprint/receipt/receipt"
)

// statusOf is the one table of the API's error codes: each code has one
// HTTP status everywhere (docs/api.md lists the same table; a test holds
// the two together).
var statusOf = map[string]int{
	"invalid_json": 400, "bad_request": 400, "bad_decision": 400, "bad_idempotency_key": 400, "bad_wait": 400,
	"bad_limit": 400, "bad_before": 400, "bad_attempt": 400, "bad_state": 400, "bad_format": 400, "bad_options": 400, "unknown_model": 400,
	"unauthorized": 401,
	"forbidden":    403, "cross_origin": 403, "forbidden_host": 403,
	"unknown_printer": 404, "unknown_site": 404, "unknown_job": 404, "not_found": 404, "empty": 404,
	"printer_gone": 409, "not_at_site": 409, "not_unknown": 409, "not_queued": 409, "not_failed": 409, "not_retryable": 409, "damaged_job": 409, "quarantined": 409, "unsupported": 409,
	"too_large":              413,
	"unsupported_media_type": 415, "unsupported_encoding": 415,
	"invalid_receipt": 422, "invalid_block": 422, "invalid_basket": 422, "invalid_transaction": 422,
	"no_idempotency_key": 422, "idempotency_key_reused": 422,
	"render_failed":     500,
	"site_fault":        502,
	"spool_unavailable": 503, "not_ready": 503, "store_fault": 503, "render_busy": 503, "fleet_unavailable": 503, "site_offline": 503,
	"site_unreachable": 504,
}

// codeOf is what an error of the station or the spool is called in the
// API; an error none of these matches is the store's (spool_unavailable).
var codeOf = []struct {
	err  error
	code string
}{
	{station.ErrNoKey, "no_idempotency_key"},
	{station.ErrRender, "render_failed"},
	{station.ErrUnsupported, "unsupported"},
	{station.ErrBusy, "render_busy"},
	{station.ErrFormat, "bad_format"},
	{spool.ErrBadKey, "bad_idempotency_key"},
	{spool.ErrQuarantined, "quarantined"},
	{spool.ErrNotFound, "unknown_job"},
	{spool.ErrBadBytes, "damaged_job"}, // fails its checksum: never sent, never copied
	{spool.ErrNotQueued, "not_queued"},
	{spool.ErrNotUnknown, "not_unknown"},
	{spool.ErrNotFailed, "not_failed"},
	{spool.ErrNotRetryable, "not_retryable"},
	{spool.ErrBadDecision, "bad_decision"},
	{spool.ErrBadQuery, "bad_limit"},
}

type apiError struct {
	Error struct {
		Code    string    `json:"code"`
		Message string    `json:"message"`
		Line    *int      `json:"line,omitempty"`
		Block   *blockRef `json:"block,omitempty"`
	} `json:"error"`
}

// blockRef names the header or footer block at fault.
type blockRef struct {
	Section string `json:"section"` // header, footer, template.header, template.footer
	Index   int    `json:"index"`
}

// writeFault answers err of the station, the spool or the receipt with
// its code and status.
func writeFault(w http.ResponseWriter, err error) {
	var reused *station.KeyReusedError
	if errors.As(err, &reused) {
		w.Header().Set("Location", "/v1/jobs/"+reused.Job.ID)
		writeError(w, "idempotency_key_reused", reused.Error())
		return
	}
	if writeDocumentError(w, err) {
		return
	}
	for _, c := range codeOf {
		if errors.Is(err, c.err) {
			if c.code == "render_busy" {
				w.Header().Set("Retry-After", "1")
			}
			writeError(w, c.code, err.Error())
			return
		}
	}
	writeError(w, "spool_unavailable", err.Error())
}

// writeDocumentError answers a transaction that cannot print, naming the
// receipt line or block at fault, and reports whether err was one.
func writeDocumentError(w http.ResponseWriter, err error) bool {
	var le *receipt.LineError
	var be *receipt.BlockError
	var e apiError
	e.Error.Code, e.Error.Message = "invalid_transaction", err.Error()
	switch {
	case errors.As(err, &le):
		line := le.Line
		e.Error.Code, e.Error.Line = "invalid_receipt", &line
	case errors.As(err, &be):
		e.Error.Code, e.Error.Block = "invalid_block", &blockRef{Section: be.Section, Index: be.Index}
	case errors.As(err, new(*receipt.BasketError)):
		e.Error.Code = "invalid_basket"
	case errors.As(err, new(*station.DocumentError)):
	default:
		return false
	}
	writeJSON(w, statusOf[e.Error.Code], e)
	return true
}

// writeError answers code with its status from statusOf.
func writeError(w http.ResponseWriter, code, msg string) {
	var e apiError
	e.Error.Code, e.Error.Message = code, msg
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError // a code missing from the table: a bug the docs test catches
	}
	writeJSON(w, status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client hung up: nothing left to tell it
}
