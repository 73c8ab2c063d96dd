package fleet

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Changes fold by generation (the site's attempt, then when it was queued
// again), then by state: a retry and a retry decision move a job back to
// queued, and a late report of an earlier generation changes nothing.
func TestFoldOrder(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Minute)
	at := func(id string, attempt int, retried time.Time, s State) Record {
		return Record{ID: id, Attempt: attempt, RetriedAt: retried, State: s, AtSite: true}
	}
	ch := func(attempt int, retried time.Time, s State) Change {
		return Change{State: s, Attempt: attempt, RetriedAt: retried, At: t1}
	}
	tests := []struct {
		name    string
		rec     Record
		ch      Change
		applied bool
		attempt int
	}{
		{"forward in a generation", at("f1", 1, time.Time{}, Queued), ch(1, time.Time{}, Printed), true, 1},
		{"back in a generation", at("f1", 1, time.Time{}, Printed), ch(1, time.Time{}, Queued), false, 1},
		{"the same again", at("f1", 1, time.Time{}, Printed), ch(1, time.Time{}, Printed), false, 1},
		{"retry: failed to queued, next attempt", at("f1", 1, time.Time{}, Failed), ch(2, t1, Queued), true, 2},
		{"the failure of the attempt before, late", at("f1", 2, t1, Queued), ch(1, time.Time{}, Failed), false, 2},
		{"retry decision: unknown to queued", at("f1", 1, time.Time{}, Unknown), ch(1, t1, Queued), true, 1},
		{"unknown before the retry decision, late", at("f1", 1, t1, Queued), ch(1, t0, Unknown), false, 1},
		{"a change without generation is of the held one", at("f1", 2, t1, Queued), Change{State: Cancelled}, true, 2},
		{"... and never moves it back", at("f1", 2, t1, Printed), Change{State: Queued}, false, 2},
		{"the hub's attempt 3: the site's attempt 2 is 4", at("f1-3", 3, time.Time{}, Failed), ch(2, t1, Queued), true, 4},
		{"the hub's attempt 3: the site's attempt 1 is 3", at("f1-3", 4, t1, Queued), ch(1, time.Time{}, Failed), false, 4},
		{"before the site reported", Record{ID: "f1", Attempt: 1, State: Queued}, ch(1, time.Time{}, Queued), true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.rec
			if got := fold(&r, tt.ch); got != tt.applied {
				t.Fatalf("applied %v, want %v", got, tt.applied)
			}
			if r.Attempt != tt.attempt {
				t.Errorf("attempt %d, want %d", r.Attempt, tt.attempt)
			}
			if tt.applied && (r.State != tt.ch.State || !r.AtSite) {
				t.Errorf("state %s at site %v", r.State, r.AtSite)
			}
			if !tt.applied && r.State != tt.rec.State {
				t.Errorf("state moved to %s", r.State)
			}
		})
	}
}

// A job sent and put back in its site's queue (the printer refused it:
// out of paper) stays printing at the hub, which notes why it waits
// until the job moves on; a late or repeated report changes nothing.
func TestFoldWaiting(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	printing := func(at time.Time) Change { return Change{State: Printing, Attempt: 1, At: at} }
	waiting := func(at time.Time) Change {
		return Change{State: Queued, Reason: "waiting: paper end", Attempt: 1, At: at}
	}
	r := Record{ID: "f1", Attempt: 1, State: Queued}
	steps := []struct {
		name    string
		ch      Change
		applied bool
		state   State
		waiting string
	}{
		{"sent", printing(t0), true, Printing, ""},
		{"refused: back in the queue", waiting(t0.Add(time.Second)), true, Printing, "waiting: paper end"},
		{"the same again", waiting(t0.Add(2 * time.Second)), false, Printing, "waiting: paper end"},
		{"the first send, late", printing(t0), false, Printing, "waiting: paper end"},
		{"sent again", printing(t0.Add(3 * time.Second)), true, Printing, ""},
		{"the wait, late", waiting(t0.Add(time.Second)), false, Printing, ""},
		{"a queued change without a wait", Change{State: Queued, Attempt: 1, At: t0.Add(4 * time.Second)}, false, Printing, ""},
		{"refused again", waiting(t0.Add(5 * time.Second)), true, Printing, "waiting: paper end"},
		{"printed", Change{State: Printed, Attempt: 1, At: t0.Add(6 * time.Second)}, true, Printed, ""},
		{"a wait after it printed", waiting(t0.Add(7 * time.Second)), false, Printed, ""},
	}
	for _, s := range steps {
		assert.Equal(t, s.applied, fold(&r, s.ch), s.name)
		assert.Equal(t, s.state, r.State, s.name)
		assert.Equal(t, s.waiting, r.Waiting, s.name)
	}
}
