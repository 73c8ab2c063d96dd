package server

import (
	"context"
	"errors"
	"time"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
)

// serverStation gives the ePOS endpoint the service's printers and spool
// (documentStation). When printers/station lands, its Station does this:
// SubmitDocument becomes Station.SubmitDocument with source "epos".
type serverStation struct{ s *Server }

// eposStatusFresh is how old a printer status may be to explain a job
// that waits; older, the printer is asked again.
const eposStatusFresh = 5 * time.Second

func (st serverStation) Printers() []string {
	names := make([]string, 0, len(st.s.cfg.Printers))
	for _, p := range st.s.cfg.Printers {
		names = append(names, p.Name)
	}
	return names
}

func (st serverStation) Profile(name string) (*escpos.Profile, bool) {
	p, ok := st.s.byName[name]
	if !ok {
		return nil, false
	}
	return p.profile, true
}

// SubmitDocument stores the document as sent, translated for the printer's
// language like every job (Star Graphic draws it as raster).
func (st serverStation) SubmitDocument(_ context.Context, name string, doc eposJob) (spool.Job, error) {
	p, ok := st.s.byName[name]
	if !ok {
		return spool.Job{}, errors.New("epos: no printer " + name)
	}
	b, err := printers.Finish(p.profile, doc.Bytes)
	if err != nil {
		return spool.Job{}, err
	}
	j, _, err := st.s.spool.EnqueueJob(name, doc.Key, spool.Job{Warnings: doc.Warnings}, b)
	return j, err
}

func (st serverStation) Job(id string) (spool.Job, error) { return st.s.spool.Get(id) }
func (st serverStation) Changed() <-chan struct{}         { return st.s.spool.Changed() }
func (st serverStation) FailUnsent(id, reason string) (spool.Job, error) {
	return st.s.spool.FailUnsent(id, reason)
}

// Status is the printer's status: the last one read if it is fresh or the
// printer is printing for us, else read now (at most 3 s). false: no
// status (unreachable, or a write-only link).
func (st serverStation) Status(name string) (printers.Status, bool) {
	p, ok := st.s.byName[name]
	if !ok {
		return printers.Status{}, false
	}
	l := &p.shared.last
	l.mu.Lock()
	last, at, busy := l.st, l.at, l.jobs > 0
	l.mu.Unlock()
	if !at.IsZero() && (busy || time.Since(at) < eposStatusFresh) {
		return last, true
	}
	s, err := st.s.readStatus(context.Background(), p)
	if err != nil {
		return printers.Status{}, false
	}
	return s, true
}
