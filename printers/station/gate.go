package station

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"time"
)

// ErrBusy reports a render or preview turned away: too many at once.
// The caller may retry in a second.
var ErrBusy = errors.New("station: too many renders at once: retry in a second")

// gateWait is how long a render waits for a slot before ErrBusy: a page
// loading a few previews at once waits, a flood does not pile up.
const gateWait = 2 * time.Second

// Gate bounds renders and previews in progress across the stations that
// share it; a bounded number more may wait. A render of a 1 MiB
// transaction as PNG or HTML costs some 60 MB while it runs, and renders
// are CPU-bound: more at once would finish no sooner and hold more
// memory.
type Gate struct {
	slots    chan struct{}
	waiting  atomic.Int64
	maxWait  int64
	rejected atomic.Int64
}

// NewGate allows n renders at once (0: one per CPU, at least 2) and 4n
// waiting.
func NewGate(n int) *Gate {
	if n <= 0 {
		n = max(2, runtime.GOMAXPROCS(0))
	}
	return &Gate{slots: make(chan struct{}, n), maxWait: int64(4 * n)}
}

// Enter takes a slot (ErrBusy when none frees in time, or ctx ends
// first); the caller must Leave.
func (g *Gate) Enter(ctx context.Context) error {
	select {
	case g.slots <- struct{}{}:
		return nil
	default:
	}
	if g.waiting.Add(1) > g.maxWait {
		g.waiting.Add(-1)
		return g.busy()
	}
	defer g.waiting.Add(-1)
	t := time.NewTimer(gateWait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-t.C:
	case <-ctx.Done():
	}
	return g.busy()
}

// Leave gives the slot back.
func (g *Gate) Leave() { <-g.slots }

func (g *Gate) busy() error {
	g.rejected.Add(1)
	return ErrBusy
}

// Running is how many renders are in progress.
func (g *Gate) Running() int { return len(g.slots) }

// Rejected is how many were turned away since the start.
func (g *Gate) Rejected() int64 { return g.rejected.Load() }
