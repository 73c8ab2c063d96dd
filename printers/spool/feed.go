package spool

import (
	bolt "go.etcd.io/bbolt"
)

// Event is one committed change of a job's state, in the spool's change
// feed: which job moved and where to, not all of it (read the job for the
// rest).
type Event struct {
	// Seq numbers the events of this process's spool from 1, in commit
	// order; it starts again at each Open.
	Seq     uint64
	ID      string
	Printer string
	Key     string
	Source  Source
	Copy    bool
	// State is the job's new state; "" when the job was removed (pruned).
	State  State
	Reason string
}

// feedSize bounds the feed: the newest events kept in memory. A reader
// that falls further behind is told it missed some (Events' complete is
// false) and reads the state afresh: the writers never wait for it.
const feedSize = 4096

// feed is a ring of the newest events, under Spool.mu.
type feed struct {
	ring []Event // feedSize, made at the first event
	last uint64  // Seq of the newest event; 0 before the first
}

// record adds an event for j, once tx has committed: a change rolled
// back (a batch tried again without a failing change) is never seen.
func (s *Spool) record(tx *bolt.Tx, j Job, st State) {
	tx.OnCommit(func() {
		s.mu.Lock()
		f := &s.feed
		if f.ring == nil {
			f.ring = make([]Event, feedSize)
		}
		f.last++
		f.ring[f.last%feedSize] = Event{Seq: f.last, ID: j.ID, Printer: j.Printer, Key: j.Key, Source: j.Source, Copy: j.Copy, State: st, Reason: j.Reason}
		s.mu.Unlock()
	})
}

// EventSeq is the Seq of the newest event (0 before the first): a reader
// that reads the jobs it cares about afresh starts from it.
func (s *Spool) EventSeq() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.feed.last
}

// Events are the events after Seq after, oldest first, at most max (all
// kept when max <= 0). complete is false when events after after are no
// longer kept (the reader fell more than the feed's size behind): it must
// then read the state of what it watches afresh, from EventSeq taken
// before. Wait for more with Changed, taken before the call: every change
// that notifies is in the feed by then.
func (s *Spool) Events(after uint64, max int) (evs []Event, complete bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := &s.feed
	if after > f.last {
		return nil, false // a Seq from another Open
	}
	if f.last-after > feedSize {
		return nil, false
	}
	n := f.last - after
	if max > 0 && n > uint64(max) {
		n = uint64(max)
	}
	evs = make([]Event, 0, n)
	for seq := after + 1; seq <= after+n; seq++ {
		evs = append(evs, f.ring[seq%feedSize])
	}
	return evs, true
}
