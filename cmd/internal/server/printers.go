package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
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

func (s *Server) view(ctx context.Context, p *Printer) printerView {
	v := printerView{Name: p.Name, Address: p.Address, Model: p.Model, Copies: p.Copies, CodePages: p.CodePages,
		Worker: s.worker(p.Name), Template: p.Template, Drawer: p.Drawer, Logo: p.Logo}
	if id := p.Identity; id != nil {
		v.Identity = &identityView{Identity: id.Identity, Profile: id.Profile.ID, Match: id.Match}
		if id.Err != nil {
			v.Identity.Error = id.Err.Error()
		}
	}
	if counts, err := s.spool.Counts(); err == nil {
		v.Queued = counts[p.Name][spool.Queued]
	}
	st, err := s.readStatus(ctx, p)
	switch {
	case errors.Is(err, printers.ErrBusy):
		p.shared.last.busyView(&v, err)
	case err != nil:
		v.Error = err.Error()
	default:
		now := time.Now()
		v.Status, v.Ready, v.StatusAt = &st, st.Ready(), &now
	}
	return v
}

// readStatus asks the printer for its status and sets its gauges.
func (s *Server) readStatus(ctx context.Context, p *Printer) (printers.Status, error) {
	if p.shared.last.printing() {
		// Not behind the job's conversation, which may take its 20 s.
		return printers.Status{}, errPrinting
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	pr, err := p.shared.get(ctx)
	var st printers.Status
	if err == nil {
		st, err = pr.Status(ctx)
	}
	if errors.Is(err, printers.ErrBusy) {
		return st, err // the gauges keep the last status read
	}
	if err == nil {
		p.shared.last.set(st)
	}
	ready := 0.0
	if err == nil && st.Ready() {
		ready = 1
	}
	s.metrics.ready.WithLabelValues(p.Name).Set(ready)
	for _, c := range conditions {
		if err != nil {
			s.metrics.condition.DeleteLabelValues(p.Name, c.name) // unknown, not "no"
			continue
		}
		g := 0.0
		if c.of(st) {
			g = 1
		}
		s.metrics.condition.WithLabelValues(p.Name, c.name).Set(g)
	}
	return st, err
}

// watchStatus reads p's status every interval until ctx ends.
func (s *Server) watchStatus(ctx context.Context, p *Printer, interval time.Duration) {
	every(ctx, interval, func() {
		_, _ = s.readStatus(ctx, p) // the gauges carry the outcome, an error included
	})
}

func (s *Server) listPrinters(w http.ResponseWriter, r *http.Request) {
	out := []printerView{}
	for _, p := range s.cfg.Printers {
		out = append(out, s.view(r.Context(), p))
	}
	writeJSON(w, http.StatusOK, map[string]any{"printers": out})
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
func (s *Server) printerOf(w http.ResponseWriter, r *http.Request) (*Printer, bool) {
	p, ok := s.byName[r.PathValue("name")]
	if !ok {
		writeError(w, http.StatusNotFound, "unknown_printer", "no printer named "+strconv.Quote(r.PathValue("name")), nil)
	}
	return p, ok
}
