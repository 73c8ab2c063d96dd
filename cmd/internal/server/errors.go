package server

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/secuprint/receipt/printers/spool"
)

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Line    *int   `json:"line,omitempty"`
	} `json:"error"`
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
	if errors.Is(err, spool.ErrNotFound) {
		writeError(w, http.StatusNotFound, "unknown_job", err.Error(), nil)
		return
	}
	writeError(w, http.StatusServiceUnavailable, "spool_unavailable", err.Error(), nil)
}
