package server

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/receipt"
)

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

// writeDocumentError answers a transaction that cannot print, naming the
// receipt line or block at fault: 422 with its index, and nothing queued.
func writeDocumentError(w http.ResponseWriter, err error) {
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
	}
	writeJSON(w, http.StatusUnprocessableEntity, e)
}

func writeError(w http.ResponseWriter, status int, code, msg string, line *int) {
	var e apiError
	e.Error.Code, e.Error.Message, e.Error.Line = code, msg, line
	writeJSON(w, status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client hung up: nothing left to tell it
}

// writeSpoolError answers a failed spool call: an unknown job is the
// client's mistake, anything else the store's.
func writeSpoolError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, spool.ErrNotFound):
		writeError(w, http.StatusNotFound, "unknown_job", err.Error(), nil)
		return
	case errors.Is(err, spool.ErrBadBytes):
		// The stored bytes fail their checksum: never sent, never copied.
		writeError(w, http.StatusConflict, "damaged_job", err.Error(), nil)
		return
	case errors.Is(err, spool.ErrQuarantined):
		writeError(w, http.StatusConflict, "quarantined", err.Error(), nil)
		return
	}
	writeError(w, http.StatusServiceUnavailable, "spool_unavailable", err.Error(), nil)
}
