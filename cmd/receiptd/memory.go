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
	sample := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}}
	t := time.NewTicker(idleHeapEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 && sample[0].Value.Uint64() > idleHeapKept {
			debug.FreeOSMemory()
		}
	}
}
