package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/secuprint/receipt/printers/spool"
)

// workerView is a printer worker's health as the API shows it.
type workerView struct {
	Fault  string     `json:"fault,omitempty"` // "" while healthy
	Since  *time.Time `json:"fault_since,omitempty"`
	Faults uint64     `json:"faults"` // faults seen since start
}

func (s *Server) worker(name string) workerView {
	h := s.spool.Health(name)
	v := workerView{Fault: h.Err, Faults: h.Faults}
	if h.Err != "" && !h.Since.IsZero() {
		v.Since = &h.Since
	}
	return v
}

// storeFault reports a worker that cannot write the spool: its printer may
// be fine, but no job's outcome can be recorded until the store recovers.
func storeFault(h spool.Health) bool {
	return strings.HasPrefix(h.Err, spool.ErrStoreFault.Error())
}

// readyz is 200 once the workers run and none of them is stuck on the
// spool (a full disk, say); a printer out of paper does not make the
// service unready: its jobs wait, and its status says why.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	select {
	case <-s.ready:
	default:
		writeError(w, http.StatusServiceUnavailable, "not_ready", "workers not started", nil)
		return
	}
	for _, p := range s.cfg.Printers {
		if h := s.spool.Health(p.Name); storeFault(h) {
			writeError(w, http.StatusServiceUnavailable, "store_fault",
				"printer "+p.Name+"'s worker cannot write the spool since "+h.Since.Format(time.RFC3339)+": "+h.Err, nil)
			return
		}
	}
	ready := map[string]string{"status": "ready"}
	if warn := s.spool.Warning(); warn != "" { // until a person acknowledges it (docs/spool.md)
		ready["warning"] = warn
	}
	writeJSON(w, http.StatusOK, ready)
}
