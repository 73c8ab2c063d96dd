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
	// Logos: a printer keeping the template's logo in its NV memory
	// (logo = "stored"): the keys, those it holds as far as the service
	// knows, when its NV key list was last read, what went wrong last.
	Logos *station.LogoState `json:"logos,omitempty"`
	// Pull: a printer that pulls its jobs (cloudprnt://, sdp://) and
	// what its polls told; Status is then the one its last poll carried.
	Pull *pullView `json:"pull,omitempty"`
}

type identityView struct {
	printers.Identity
	Profile string         `json:"profile"`
	Match   printers.Match `json:"match"`
	Error   string         `json:"error,omitempty"`
	// Change compares the last identification with the one before
	// (first, same, swapped, model, kept), made At; Problem says what
	// the service cannot follow (another model than it renders for).
	Change  printers.Change `json:"change,omitempty"`
	At      *time.Time      `json:"identified_at,omitempty"`
	Problem string          `json:"problem,omitempty"`
}

// identified logs a re-identification after a reconnect.
func (s *Server) identified(printer string, res printers.Identification, change printers.Change, err error) {
	attrs := []any{"printer", printer, "change", change, "maker", res.Identity.Maker, "model", res.Identity.Model, "serial", res.Identity.Serial}
	if res.Profile != nil {
		attrs = append(attrs, "profile", res.Profile.ID)
	}
	switch {
	case err != nil:
		s.log.Warn("printer not identified again; the last identity stands", append(attrs, "error", err.Error())...)
	case change == printers.ChangeModel:
		s.log.Error("another printer model at the address: receipts are rendered for the model identified at start until receiptd restarts", attrs...)
	case change == printers.ChangeSwapped:
		s.log.Warn("printer swapped: another unit of the same model; its stored logos are checked again", attrs...)
	default:
		s.log.Info("printer identified again", attrs...)
	}
}

func (s *Server) view(ctx context.Context, p *station.Station) printerView {
	c := p.Config()
	v := printerView{Name: c.Name, Address: c.Address, Model: c.Model, Copies: c.Copies, CodePages: c.CodePages,
		Worker: s.worker(c.Name), Template: c.Template, Drawer: c.Drawer, Logo: c.Logo, Logos: p.Logos()}
	if id, ok := p.Identity(); ok && id.Profile != nil {
		v.Identity = &identityView{Identity: id.Identity, Profile: id.Profile.ID, Match: id.Match, Change: id.Change, Problem: id.Problem}
		if !id.At.IsZero() {
			v.Identity.At = &id.At
		}
		if id.Err != nil {
			v.Identity.Error = id.Err.Error()
		}
	}
	if counts, err := s.spool.Counts(); err == nil {
		v.Queued = counts[c.Name][spool.Queued]
	}
	if pp, ok := s.pulled[c.Name]; ok {
		s.viewPulled(&v, pp)
		return v
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
	if _, pulled := s.pulled[p.Name()]; pulled {
		return // its polls carry its status
	}
	every(ctx, interval, func() {
		_, _ = p.ReadStatus(ctx) // the gauges carry the outcome, an error included
	})
}

func (s *Server) listPrinters(w http.ResponseWriter, r *http.Request) {
	out := []printerView{}
	for _, p := range s.stations {
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
func (s *Server) printerOf(w http.ResponseWriter, r *http.Request) (*station.Station, bool) {
	p, ok := s.byName[r.PathValue("name")]
	if !ok {
		writeError(w, "unknown_printer", "no printer named "+strconv.Quote(r.PathValue("name")))
	}
	return p, ok
}
