package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/station"
)

type printerView struct {
	Name      string           `json:"name"`
	Address   string           `json:"address"`
	Model     string           `json:"model"`
	Copies    int              `json:"copies,omitempty"`
	CodePages []string         `json:"code_pages,omitempty"`
	Ready     bool             `json:"ready"`
	Status    *printers.Status `json:"status,omitempty"`
	Error     string           `json:"error,omitempty"`
	Queued    int              `json:"queued"`
	// Busy: the printer is printing a job, or another host holds it; Status
	// is then the last one read, at StatusAt.
	Busy     bool       `json:"busy,omitempty"`
	StatusAt *time.Time `json:"status_at,omitempty"`
	// Worker is the printer's queue worker: a fault it is retrying (the
	// spool cannot be written, the printer refuses) and how many so far.
	Worker workerView `json:"worker"`
	// Template, Drawer: what the printer adds to each receipt.
	Template string `json:"template,omitempty"`
	Drawer   string `json:"drawer,omitempty"`
	Logo     string `json:"logo,omitempty"`
	// Identity: what a printer configured with model "auto" said it is,
	// and how its profile was chosen.
	Identity *identityView `json:"identity,omitempty"`
}

type identityView struct {
	printers.Identity
	Profile string         `json:"profile"`
	Match   printers.Match `json:"match"`
	Error   string         `json:"error,omitempty"`
}

func (s *Server) view(ctx context.Context, p *station.Station) printerView {
	c := p.Config()
	v := printerView{Name: c.Name, Address: c.Address, Model: c.Model, Copies: c.Copies, CodePages: c.CodePages,
		Worker: s.worker(c.Name), Template: c.Template, Drawer: c.Drawer, Logo: c.Logo}
	if id := c.Identity; id != nil {
		v.Identity = &identityView{Identity: id.Identity, Profile: id.Profile.ID, Match: id.Match}
		if id.Err != nil {
			v.Identity.Error = id.Err.Error()
		}
	}
	if counts, err := s.spool.Counts(); err == nil {
		v.Queued = counts[c.Name][spool.Queued]
	}
	st, err := p.ReadStatus(ctx)
	switch {
	case errors.Is(err, printers.ErrBusy):
		// Printing a job, or another host holds it: the last status read.
		v.Busy = true
		if !errors.Is(err, station.ErrPrinting) {
			v.Error = err.Error() // another host holds it: say what was seen
		}
		if last, at := p.LastStatus(); !at.IsZero() {
			v.Status, v.Ready, v.StatusAt = &last, last.Ready(), &at
		}
	case err != nil:
		v.Error = err.Error()
	default:
		now := time.Now()
		v.Status, v.Ready, v.StatusAt = &st, st.Ready(), &now
	}
	return v
}

// watchStatus reads p's status every interval until ctx ends.
func (s *Server) watchStatus(ctx context.Context, p *station.Station, interval time.Duration) {
	every(ctx, interval, func() {
		_, _ = p.ReadStatus(ctx) // the gauges carry the outcome, an error included
	})
}

func (s *Server) listPrinters(w http.ResponseWriter, r *http.Request) {
	out := []printerView{}
	for _, p := range s.stations {
		out = append(out, s.view(r.Context(), p))
	}
	env := map[string]any{"printers": out}
	if s.cfg.Certificate != nil {
		env["certificate"] = s.cfg.Certificate
	}
	writeJSON(w, http.StatusOK, env)
}

func (s *Server) getPrinter(w http.ResponseWriter, r *http.Request) {
	p, ok := s.printerOf(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.view(r.Context(), p))
}

// printerOf is the printer a /v1/printers/{name}/… request names; an
// unknown one is answered 404 unknown_printer.
func (s *Server) printerOf(w http.ResponseWriter, r *http.Request) (*station.Station, bool) {
	p, ok := s.byName[r.PathValue("name")]
	if !ok {
		writeError(w, "unknown_printer", "no printer named "+strconv.Quote(r.PathValue("name")))
	}
	return p, ok
}
