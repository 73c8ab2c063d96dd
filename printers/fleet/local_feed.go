package fleet

import (
	"context"

	"github.com/secuprint/receipt/printers/spool"
)

// maxAcked bounds the acknowledgements waiting for Watch: past it they
// are dropped, which only means their jobs are published again at the
// next start.
const maxAcked = 1 << 16

// sent is a change with the spool job it is of.
type sent struct {
	ch Change
	id string // the spool job's id
}

// flight counts the changes of one spool job reported and not yet
// acknowledged (Published).
type flight struct {
	id string
	n  int
}

// fleetJob: a job the hubs hear of, a copy too (a reprint through the
// hubs has its own fleet id; one made at the shop is reported under its
// local key, which the hubs do not know).
func fleetJob(j spool.Job) bool { return j.Source == spool.SourceFleet }

// send reports changes to the site, if attached, and keeps them in
// flight until JetStream acknowledges them.
func (l *StationLocal) send(ss ...sent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.report == nil {
		return // not attached: the spool keeps them unreported for Jobs
	}
	l.track(ss)
	for _, s := range ss {
		l.report(s.ch)
	}
}

// track puts ss in flight.
func (l *StationLocal) track(ss []sent) {
	l.ackMu.Lock()
	defer l.ackMu.Unlock()
	for _, s := range ss {
		f := l.flights[s.ch.ID]
		if f == nil {
			f = &flight{id: s.id}
			l.flights[s.ch.ID] = f
		}
		f.n++
	}
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
	l.ackMu.Lock()
	f := l.flights[ch.ID]
	if f == nil { // a change the site made itself, of a job it never stored
		l.ackMu.Unlock()
		return
	}
	if f.n--; f.n <= 0 {
		delete(l.flights, ch.ID)
	}
	if len(l.acked) < maxAcked {
		l.acked = append(l.acked, spool.Report{ID: f.id, State: spool.State(ch.State), Attempt: ch.Attempt, RetriedAt: ch.RetriedAt})
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
// spool's change feed names them: a change costs one read of its job,
// however many jobs wait. Changes that come together are folded to each
// job's current state (a state shorter than the watcher's turn, printing
// at an instant printer, may go unreported: the hubs fold states that
// never move back, so the final one is enough). Should the watcher fall
// further behind than the feed keeps, it reports the jobs whose newest
// state is not acknowledged yet (as Jobs), so no final state is ever
// missed. It also takes the acknowledged changes (Published) off those.
func (l *StationLocal) Watch(ctx context.Context) {
	seq := l.sp.EventSeq()
	behind := false // the feed lost changes not reported yet
	for {
		changed := l.sp.Changed()
		evs, complete := l.sp.Events(seq, 0)
		switch {
		case !complete || behind:
			seq = l.sp.EventSeq()
			ss, err := l.unreported()
			if behind = err != nil; behind {
				break // read afresh at the next change
			}
			l.send(ss...)
		case len(evs) > 0:
			seq = evs[len(evs)-1].Seq
			l.send(l.current(evs)...)
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

// current reads the fleet jobs evs name, each once, in the order of
// their last change; a job pruned since is left out.
func (l *StationLocal) current(evs []spool.Event) []sent {
	last := map[string]int{}
	for i, e := range evs {
		if e.Source == spool.SourceFleet && e.State != "" {
			last[e.ID] = i
		}
	}
	out := make([]sent, 0, len(last))
	for i, e := range evs {
		if k, ok := last[e.ID]; !ok || k != i {
			continue
		}
		j, err := l.sp.Get(e.ID)
		l.reads.Add(1)
		if err != nil || !fleetJob(j) {
			// Pruned, or unreadable: a change not reported stays
			// unreported in the spool, published at the next start.
			continue
		}
		out = append(out, sent{changeOf(j), j.ID})
	}
	return out
}

// unreported are the fleet jobs the spool holds as not acknowledged, in
// their current states.
func (l *StationLocal) unreported() ([]sent, error) {
	js, err := l.sp.Unreported()
	l.reads.Add(int64(len(js)))
	if err != nil {
		return nil, err
	}
	out := make([]sent, 0, len(js))
	for _, j := range js {
		if fleetJob(j) {
			out = append(out, sent{changeOf(j), j.ID})
		}
	}
	return out, nil
}
