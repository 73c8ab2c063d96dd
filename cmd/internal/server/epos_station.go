package server

import (
	"context"
	"errors"
	"time"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/station"
)

// serverStation gives the ePOS endpoint the service's stations and spool
// (documentStation): a document enters through Station.SubmitDocument
// with source "epos".
type serverStation struct{ s *Server }

// eposStatusFresh is how old a printer status may be to explain a job
// that waits; older, the printer is asked again.
const eposStatusFresh = 5 * time.Second

func (st serverStation) Printers() []string {
	names := make([]string, 0, len(st.s.stations))
	for _, p := range st.s.stations {
		names = append(names, p.Name())
	}
	return names
}

func (st serverStation) Profile(name string) (*escpos.Profile, bool) {
	p, ok := st.s.byName[name]
	if !ok {
		return nil, false
	}
	return p.Profile(), true
}

// SubmitDocument stores the converted document (ESC/POS) as sent, made
// the printer's language by its station (Star Graphic draws it as raster).
func (st serverStation) SubmitDocument(ctx context.Context, name string, doc eposJob) (spool.Job, error) {
	p, ok := st.s.byName[name]
	if !ok {
		return spool.Job{}, errors.New("epos: no printer " + name)
	}
	a, err := p.SubmitDocument(ctx, station.Document{Bytes: doc.Bytes, ESCPOS: true, Key: doc.Key, Source: spool.SourceEPOS, Warnings: doc.Warnings})
	return a.Job, err
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
	if ps, known, pulled := st.s.pullStatus(name); pulled {
		return ps, known // what its last poll said
	}
	last, at := p.LastStatus()
	if !at.IsZero() && time.Since(at) < eposStatusFresh {
		return last, true
	}
	s, err := p.ReadStatus(context.Background())
	switch {
	case errors.Is(err, station.ErrPrinting) && !at.IsZero():
		return last, true // printing for us: what its confirmation said last
	case err != nil:
		return printers.Status{}, false
	}
	return s, true
}
