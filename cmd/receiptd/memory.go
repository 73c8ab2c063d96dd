package main

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// softMemoryLimit is where the garbage collector starts working harder
// (unless GOMEMLIMIT says otherwise): a burst of large requests (each at
// most some 30 MB, docs/api.md) is collected before the heap doubles.
const softMemoryLimit = 384 << 20

// Idle heap beyond idleHeapKept is handed back to the system within
// idleHeapEvery after a burst: the runtime alone keeps it for minutes, and
// a till's PC has other work to do.
const (
	idleHeapKept  = 32 << 20
	idleHeapEvery = 5 * time.Second
)

// limitMemory sets the soft memory limit and returns freed heap to the
// system until ctx ends.
func limitMemory(ctx context.Context) {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(softMemoryLimit)
	}
	// The heap a burst leaves is garbage (objects) until a collection runs
	// and free spans after it; counting free spans alone missed garbage the
	// collector had no reason to visit yet. The live heap of the last
	// collection is the base, so a service whose live heap is large is not
	// collected again and again for nothing.
	sample := []metrics.Sample{
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/gc/heap/live:bytes"},
	}
	t := time.NewTicker(idleHeapEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		metrics.Read(sample)
		var v [3]uint64
		for i, s := range sample {
			if s.Value.Kind() == metrics.KindUint64 {
				v[i] = s.Value.Uint64()
			}
		}
		if free, objects, live := v[0], v[1], v[2]; free+objects > live+idleHeapKept {
			debug.FreeOSMemory()
		}
	}
}
