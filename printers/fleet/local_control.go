package fleet

import (
	"context"
	"errors"
	"fmt"

	"github.com/secuprint/receipt/printers/spool"
)

// generation gives ch the spool job's generation and deadline: the hubs
// fold by it, so a retried job's queued state wins over its old failure.
func generation(ch *Change, j spool.Job) {
	ch.Attempt, ch.RetriedAt, ch.Deadline = max(j.Attempt, 1), j.RetriedAt, j.NotAfter
	for _, a := range j.History {
		ch.History = append(ch.History, Attempt{Attempt: a.Attempt, State: State(a.State), Reason: a.Reason, At: a.At})
	}
}

// copy is the spool id of the fleet copy id.
func (l *StationLocal) copy(id string) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	sid, ok := l.copies[id]
	return sid, ok
}

// Control applies a hub's command to the fleet job it names, as the
// local API would: a reprint through the printer's station (its copy
// mark, the copy's fleet id as its key), a decision or a retry on the
// spool with the hub's fresh deadline. Each state change is reported by
// Watch like any fleet job's, the copy's too.
func (l *StationLocal) Control(ctx context.Context, cmd Command) (Change, bool, error) {
	j, err := l.find(cmd.ID)
	if errors.Is(err, spool.ErrNotFound) {
		return Change{}, false, ErrNotAtSite
	}
	if err != nil {
		return Change{}, false, err
	}
	st, ok := l.byName[j.Printer]
	// A job queued for a printer no longer configured would never print.
	if needsPrinter := cmd.Op != OpDecide || cmd.Decision == string(spool.DecidedRetry); needsPrinter && !ok {
		return Change{}, false, ErrPrinterGone
	}
	existing := false
	switch cmd.Op {
	case OpReprint:
		if cmd.Copy == "" {
			return Change{}, false, spool.ErrBadKey
		}
		_, existing = l.copy(cmd.Copy)
		if j, err = st.Reprint(j.ID, cmd.Copy); err != nil {
			return Change{}, false, err
		}
		if !cmd.Deadline.IsZero() {
			// The copy may not print later than the hub lets its record wait.
			if j, err = l.sp.SetNotAfter(j.ID, cmd.Deadline); err != nil {
				return Change{}, false, err
			}
		}
		l.mu.Lock()
		l.copies[cmd.Copy] = j.ID
		l.mu.Unlock()
	case OpDecide:
		j, err = l.sp.DecideUntil(j.ID, spool.Decision(cmd.Decision), cmd.Deadline)
	case OpRetry:
		j, existing, err = l.sp.RetryUntil(j.ID, cmd.Attempt, cmd.Deadline)
	default:
		return Change{}, false, fmt.Errorf("fleet: unknown command %q", cmd.Op)
	}
	if err != nil {
		return Change{}, false, err
	}
	// Watch reports the change too, from the spool's change feed.
	return changeOf(j), existing, nil
}
