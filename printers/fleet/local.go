package fleet

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/station"
	"github.com/secuprint/receipt/receipt"
)

// StationLocal is Local over a receiptd's stations and spool: a fleet job
// is a spool job of source fleet whose idempotency key is the fleet job
// id and whose NotAfter is the job's deadline, printed by the printer's
// worker like any other.
type StationLocal struct {
	sp       *spool.Spool
	stations []*station.Station
	byName   map[string]*station.Station

	mu sync.Mutex
	// report is the site's Report, once attached.
	report func(Change)
	// reads counts the spool reads the watcher made: the benchmark's
	// figure.
	reads atomic.Int64
	// copies are the spool ids of the fleet's copies (reprints through
	// the hub) by their fleet id, as this process made or met them: a
	// copy's spool key is kept under its original's id, so KeyJob does
	// not find it (find asks the spool when a copy is not here).
	copies map[string]string

	// flights are the changes reported and not acknowledged yet, by
	// fleet id; acked are those JetStream stored, for Watch to take off
	// the spool's unreported jobs; ackc wakes it (local_feed.go).
	ackMu   sync.Mutex
	flights map[string]*flight
	acked   []spool.Report
	ackc    chan struct{}
}

// NewStationLocal is the Local of the stations, all on sp. A pulled
// printer (CloudPRNT, SDP) is left out: no worker of the site checks a
// job's deadline before it fetches one, and the fleet does not serve
// them (the site keeps them for its local tills).
func NewStationLocal(sp *spool.Spool, stations []*station.Station) *StationLocal {
	l := &StationLocal{sp: sp, byName: map[string]*station.Station{}, copies: map[string]string{},
		flights: map[string]*flight{}, ackc: make(chan struct{}, 1)}
	for _, st := range stations {
		if st.Config().Pulled() {
			continue
		}
		l.stations = append(l.stations, st)
		l.byName[st.Name()] = st
	}
	return l
}

// Attach makes the site's Report the place changes go.
func (l *StationLocal) Attach(report func(Change)) {
	l.mu.Lock()
	l.report = report
	l.mu.Unlock()
}

// Submit stores the job through its printer's station. Its state is
// reported by Watch, from the spool's change feed, like every later one.
func (l *StationLocal) Submit(ctx context.Context, job Job, tx *receipt.Transaction) error {
	st, ok := l.byName[job.Printer]
	if !ok {
		return ErrNoPrinter
	}
	_, err := st.Submit(ctx, tx, station.Request{Key: job.ID, Source: spool.SourceFleet, NotAfter: job.Deadline})
	var de *station.DocumentError
	var kr *station.KeyReusedError
	switch {
	case errors.As(err, &de), errors.As(err, &kr), errors.Is(err, station.ErrRender), errors.Is(err, station.ErrUnsupported):
		return &RenderError{Err: err}
	case err != nil:
		return err
	}
	return nil
}

func changeOf(j spool.Job) Change {
	ch := Change{ID: j.ClientKey(), Printer: j.Printer, State: State(j.State), Reason: j.Reason}
	generation(&ch, j)
	if j.State == spool.Cancelled {
		ch.Reason = ReasonCancelled
	}
	return ch
}

// find is the spool job of fleet job id, at whichever printer holds it.
func (l *StationLocal) find(id string) (spool.Job, error) {
	if sid, ok := l.copy(id); ok {
		return l.sp.Get(sid)
	}
	for _, st := range l.stations {
		j, err := l.sp.KeyJob(st.Name(), id)
		if !errors.Is(err, spool.ErrNotFound) {
			return j, err
		}
	}
	// A copy made before this process started (Jobs lists only what the
	// hubs have not acknowledged).
	j, err := l.sp.CopyByKey(id)
	if err == nil && j.Source == spool.SourceFleet {
		l.mu.Lock()
		l.copies[id] = j.ID
		l.mu.Unlock()
		return j, nil
	}
	if err == nil {
		err = spool.ErrNotFound
	}
	return spool.Job{}, err
}

// Cancel cancels fleet job id while it is queued.
func (l *StationLocal) Cancel(ctx context.Context, id string) (bool, error) {
	j, err := l.find(id)
	if errors.Is(err, spool.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	_, err = l.sp.Cancel(j.ID)
	switch {
	case errors.Is(err, spool.ErrNotQueued):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// Printers are the stations with their workers' health and the status
// each last read (station.LastRead: no new read, so a heartbeat never
// waits for a printer). A printer's change reaches the hubs with the
// first heartbeat after the site read it: its status_interval reads, or
// a job's confirmation.
func (l *StationLocal) Printers() []PrinterStatus {
	counts, _ := l.sp.Counts()
	ps := make([]PrinterStatus, 0, len(l.stations))
	for _, st := range l.stations {
		p := PrinterStatus{Name: st.Name(), Status: "ok", Queued: counts[st.Name()][spool.Queued]}
		lr := st.LastRead()
		p.Busy = lr.Printing
		switch {
		case lr.Err != nil:
			p.Status, p.Error, p.ReadAt = "offline", lr.Err.Error(), lr.ErrAt
			if errors.Is(lr.Err, printers.ErrBusy) { // another host holds it
				p.Status, p.Busy = "busy", true
			}
			p.Problems = append(p.Problems, p.Error)
		case !lr.At.IsZero():
			s := lr.Status
			p.PrinterStatus, p.Ready, p.ReadAt = &s, s.Ready(), lr.At
			if r := s.Reason(); r != printers.ReasonNone {
				p.Status = r.String()
				p.Problems = append(p.Problems, s.String())
			}
		}
		if h := l.sp.Health(st.Name()); h.Err != "" {
			if p.Status == "ok" { // else the printer's own word says more
				p.Status = "fault"
			}
			p.Problems = append([]string{h.Err}, p.Problems...)
		}
		ps = append(ps, p)
	}
	return ps
}

// Jobs are the fleet jobs whose newest state JetStream has not
// acknowledged (Published) since it changed, in their current states: a
// change a crash kept from the hubs is among them, and a job the hubs
// already know as it is is not, so a site's start costs what it has to
// say, not what its spool keeps. The site publishes them: they are in
// flight from now on.
func (l *StationLocal) Jobs(ctx context.Context) ([]Change, error) {
	ss, err := l.unreported()
	if err != nil {
		return nil, err
	}
	l.track(ss)
	out := make([]Change, 0, len(ss))
	for _, s := range ss {
		out = append(out, s.ch)
	}
	return out, nil
}
