package fleet

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

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

	// acked are the changes JetStream stored, for Watch to take off the
	// spool's unreported jobs; ackc wakes it.
	ackMu sync.Mutex
	acked []spool.Report
	ackc  chan struct{}
}

// maxAcked bounds the acknowledgements waiting for Watch: past it they
// are dropped, which only means their jobs are published again at the
// next start.
const maxAcked = 1 << 16

// NewStationLocal is the Local of the stations, all on sp. A pulled
// printer (CloudPRNT, SDP) is left out: no worker of the site checks a
// job's deadline before it fetches one, and the fleet does not serve
// them (the site keeps them for its local tills).
func NewStationLocal(sp *spool.Spool, stations []*station.Station) *StationLocal {
	l := &StationLocal{sp: sp, byName: map[string]*station.Station{}, ackc: make(chan struct{}, 1)}
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

// send reports changes to the site, if attached.
func (l *StationLocal) send(chs ...Change) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.report == nil {
		return
	}
	for _, ch := range chs {
		l.report(ch)
	}
}

// fleetJob: a job the hubs hear of (a copy printed at the shop is the
// shop's).
func fleetJob(src spool.Source, copied bool) bool { return src == spool.SourceFleet && !copied }

func changeOf(j spool.Job) Change {
	return changeOfEvent(spool.Event{ID: j.ID, Printer: j.Printer, Key: j.Key, Source: j.Source, Copy: j.Copy, State: j.State, Reason: j.Reason})
}

func changeOfEvent(e spool.Event) Change {
	ch := Change{ID: e.Key, Printer: e.Printer, State: State(e.State), Reason: e.Reason}
	if e.State == spool.Cancelled {
		ch.Reason = ReasonCancelled
	}
	return ch
}

// published tells a Local that keeps which changes are still to be
// published (StationLocal) that JetStream stored ch.
func published(l Local, ch Change) {
	if p, ok := l.(interface{ Published(Change) }); ok {
		p.Published(ch)
	}
}

// Published is the site's word that JetStream stored ch: once the job is
// still in that state, it is no longer one to publish again at start.
func (l *StationLocal) Published(ch Change) {
	if ch.Printer == "" {
		return // a change the site made of a job it never stored
	}
	l.ackMu.Lock()
	if len(l.acked) < maxAcked {
		l.acked = append(l.acked, spool.Report{Printer: ch.Printer, Key: ch.ID, State: spool.State(ch.State)})
	}
	l.ackMu.Unlock()
	select {
	case l.ackc <- struct{}{}:
	default:
	}
}

// flushAcked takes the acknowledged changes off the spool's unreported
// jobs, in one write. Should it fail, they stay unreported: published
// again at the next start, which the hubs fold.
func (l *StationLocal) flushAcked() {
	l.ackMu.Lock()
	rs := l.acked
	l.acked = nil
	l.ackMu.Unlock()
	_ = l.sp.Reported(rs)
}

// Watch reports the fleet jobs' state changes until ctx ends, as the
// spool's change feed names them: each change costs nothing but its
// report, however many jobs wait. Changes that come together are folded
// to each job's newest (a state shorter than the watcher's turn, printing
// at an instant printer, may go unreported: the hubs fold states that
// never move back, so the final one is enough). Should the watcher fall
// further behind than the feed keeps, it reports the jobs whose newest
// state is not acknowledged yet (Jobs), so no final state is ever missed.
// It also takes the acknowledged changes (Published) off those.
func (l *StationLocal) Watch(ctx context.Context) {
	seq := l.sp.EventSeq()
	for {
		changed := l.sp.Changed()
		evs, complete := l.sp.Events(seq, 0)
		switch {
		case !complete:
			seq = l.sp.EventSeq()
			chs, err := l.Jobs(ctx)
			if err != nil {
				seq = 0 // read again at the next change
				break
			}
			l.send(chs...)
		case len(evs) > 0:
			seq = evs[len(evs)-1].Seq
			l.send(fold(evs)...)
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-l.ackc:
			l.flushAcked()
		}
	}
}

// fold is the changes of the fleet jobs among evs, each job's newest
// only, in the order of those.
func fold(evs []spool.Event) []Change {
	last := map[string]int{}
	for i, e := range evs {
		if fleetJob(e.Source, e.Copy) && e.State != "" {
			last[e.ID] = i
		}
	}
	out := make([]Change, 0, len(last))
	for i, e := range evs {
		if j, ok := last[e.ID]; ok && j == i {
			out = append(out, changeOfEvent(e))
		}
	}
	return out
}

// find is the spool job of fleet job id, at whichever printer holds it.
func (l *StationLocal) find(id string) (spool.Job, error) {
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
	_, err = l.sp.Cancel(j.ID)
	switch {
	case errors.Is(err, spool.ErrNotQueued):
		return false, nil
	case err != nil:
		return false, err
	}
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

// Jobs are the fleet jobs whose newest state JetStream has not
// acknowledged (Published) since it changed, in their current states: a
// change a crash kept from the hubs is among them, and a job the hubs
// already know as it is is not, so a site's start costs what it has to
// say, not what its spool keeps.
func (l *StationLocal) Jobs(ctx context.Context) ([]Change, error) {
	js, err := l.sp.Unreported()
	l.reads.Add(int64(len(js)))
	if err != nil {
		return nil, err
	}
	out := make([]Change, 0, len(js))
	for _, j := range js {
		out = append(out, changeOf(j))
	}
	return out, nil
}
