package fleet

import (
	"context"
	"errors"
	"sync"

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
	// watched are the fleet jobs not settled yet, by spool id, with the
	// state last reported: Watch reports what changed.
	watched map[string]watched
	// copies are the spool ids of the fleet's copies (reprints through
	// the hub) by their fleet id: a copy's spool key is kept under its
	// original's id, so KeyJob does not find it.
	copies map[string]string
}

type watched struct {
	id    string // the fleet job id (the spool job's key)
	state spool.State
}

// NewStationLocal is the Local of the stations, all on sp. A pulled
// printer (CloudPRNT, SDP) is left out: no worker of the site checks a
// job's deadline before it fetches one, and the fleet does not serve
// them (the site keeps them for its local tills).
func NewStationLocal(sp *spool.Spool, stations []*station.Station) *StationLocal {
	l := &StationLocal{sp: sp, byName: map[string]*station.Station{}, watched: map[string]watched{}, copies: map[string]string{}}
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

// Submit stores the job through its printer's station.
func (l *StationLocal) Submit(ctx context.Context, job Job, tx *receipt.Transaction) error {
	st, ok := l.byName[job.Printer]
	if !ok {
		return ErrNoPrinter
	}
	a, err := st.Submit(ctx, tx, station.Request{Key: job.ID, Source: spool.SourceFleet, NotAfter: job.Deadline})
	var de *station.DocumentError
	var kr *station.KeyReusedError
	switch {
	case errors.As(err, &de), errors.As(err, &kr), errors.Is(err, station.ErrRender), errors.Is(err, station.ErrUnsupported):
		return &RenderError{Err: err}
	case err != nil:
		return err
	}
	l.note(a.Job)
	return nil
}

// note reports j when its state differs from the last reported, and
// watches it until it settles.
func (l *StationLocal) note(j spool.Job) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, seen := l.watched[j.ID]
	if seen && w.state == j.State {
		return
	}
	if settled(j.State) {
		delete(l.watched, j.ID)
	} else {
		l.watched[j.ID] = watched{id: j.Key, state: j.State}
	}
	if l.report != nil {
		l.report(changeOf(j))
	}
}

// settled: the spool's job will not change any more by itself or by a
// person (unknown stays watched: a person's decision moves it on).
func settled(s spool.State) bool {
	return s == spool.Printed || s == spool.Failed || s == spool.Cancelled
}

func changeOf(j spool.Job) Change {
	ch := Change{ID: j.ClientKey(), Printer: j.Printer, State: State(j.State), Reason: j.Reason}
	generation(&ch, j)
	if j.State == spool.Cancelled {
		ch.Reason = ReasonCancelled
	}
	return ch
}

// Watch reports the watched jobs' state changes until ctx ends. It reads
// them again on every change of the spool, so a state that lasts less
// than one read (printing, at an instant printer) may go unreported: the
// hubs fold states that never move back, so the final one is enough.
func (l *StationLocal) Watch(ctx context.Context) {
	for {
		changed := l.sp.Changed()
		l.mu.Lock()
		ids := make([]string, 0, len(l.watched))
		for id := range l.watched {
			ids = append(ids, id)
		}
		l.mu.Unlock()
		for _, id := range ids {
			j, err := l.sp.Get(id)
			switch {
			case err == nil:
				l.note(j)
			case errors.Is(err, spool.ErrNotFound): // pruned
				l.mu.Lock()
				delete(l.watched, id)
				l.mu.Unlock()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
	}
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
	return spool.Job{}, spool.ErrNotFound
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
	j, err = l.sp.Cancel(j.ID)
	switch {
	case errors.Is(err, spool.ErrNotQueued):
		return false, nil
	case err != nil:
		return false, err
	}
	l.note(j)
	return true, nil
}

// Printers are the stations with their workers' health.
func (l *StationLocal) Printers() []PrinterStatus {
	counts, _ := l.sp.Counts()
	ps := make([]PrinterStatus, 0, len(l.stations))
	for _, st := range l.stations {
		p := PrinterStatus{Name: st.Name(), Status: "ok", Queued: counts[st.Name()][spool.Queued]}
		if h := l.sp.Health(st.Name()); h.Err != "" {
			p.Status, p.Problems = "fault", []string{h.Err}
		}
		ps = append(ps, p)
	}
	return ps
}

// Jobs are the spool's fleet jobs in their states; those not settled are
// watched from now on.
func (l *StationLocal) Jobs(ctx context.Context) ([]Change, error) {
	all, err := l.sp.List("", "", 0)
	if err != nil {
		return nil, err
	}
	var out []Change
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, j := range all {
		if j.Source != spool.SourceFleet {
			continue
		}
		if j.Copy {
			l.copies[j.ClientKey()] = j.ID
		}
		out = append(out, changeOf(j))
		if !settled(j.State) {
			l.watched[j.ID] = watched{id: j.Key, state: j.State}
		}
	}
	return out, nil
}
