package fleet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
)

// instant is a printer that prints every job at once.
type instant struct{}

func (instant) Name() string { return "instant" }
func (instant) Print(_ context.Context, job []byte) printers.Result {
	return printers.Result{Outcome: printers.OutcomePrinted, Sent: len(job)}
}
func (instant) Status(context.Context) (printers.Status, error) {
	return printers.Status{Online: true}, nil
}
func (instant) Close() error { return nil }

// backlogSize is RECEIPT_FLEET_BACKLOG, or n.
func backlogSize(n int) int {
	if v, err := strconv.Atoi(os.Getenv("RECEIPT_FLEET_BACKLOG")); err == nil && v > 0 {
		return v
	}
	return n
}

// fillSpool stores n fleet jobs for printer p, queued, enqueued together
// so that they share commits.
func fillSpool(tb testing.TB, sp *spool.Spool, n int) {
	var wg sync.WaitGroup
	for w := range 32 {
		wg.Go(func() {
			for i := w; i < n; i += 32 {
				_, _, err := sp.EnqueueJob("p", fmt.Sprintf("f%07d", i), spool.Job{Source: spool.SourceFleet, NotAfter: time.Now().Add(time.Hour)}, []byte("x"))
				if err != nil {
					tb.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkWatchBacklog: a site's spool holds a backlog of fleet jobs
// (10 000, or RECEIPT_FLEET_BACKLOG) when its printer comes back, and an
// instant printer prints them all; the time until the watcher reported
// every one printed, and the spool reads the watcher made meanwhile.
// "alone" is the same spool and worker with no watcher: what printing
// the backlog costs by itself.
//
//	go test -run '^$' -bench WatchBacklog -benchtime 1x ./printers/fleet/
func BenchmarkWatchBacklog(b *testing.B) {
	n := backlogSize(10000)
	b.Run("watched", func(b *testing.B) { benchBacklog(b, n, true) })
	b.Run("alone", func(b *testing.B) { benchBacklog(b, n, false) })
}

func benchBacklog(b *testing.B, n int, watch bool) {
	for range b.N {
		b.StopTimer()
		sp, err := spool.Open(filepath.Join(b.TempDir(), "spool.db"))
		require.NoError(b, err)
		fillSpool(b, sp, n)
		last, err := sp.KeyJob("p", fmt.Sprintf("f%07d", n-1))
		require.NoError(b, err)
		l := NewStationLocal(sp, nil)
		var printed atomic.Int64
		done := make(chan struct{})
		l.Attach(func(ch Change) {
			if ch.State == Printed && printed.Add(1) == int64(n) {
				close(done)
			}
		})
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		if watch {
			wg.Go(func() { l.Watch(ctx) })
		}
		time.Sleep(10 * time.Millisecond) // the watcher at its first wait
		b.StartTimer()
		start := time.Now()
		wg.Go(func() {
			_ = sp.Run(ctx, "p", func(context.Context) (printers.Printer, error) { return instant{}, nil }, spool.WorkerOptions{})
		})
		if watch {
			select {
			case <-done:
			case <-time.After(30 * time.Minute):
				b.Fatal("not all reported printed")
			}
		} else {
			wctx, wcancel := context.WithTimeout(ctx, 30*time.Minute)
			j, err := sp.Wait(wctx, last.ID)
			wcancel()
			require.NoError(b, err)
			require.Equal(b, spool.Printed, j.State)
		}
		took := time.Since(start)
		b.StopTimer()
		cancel()
		wg.Wait()
		b.ReportMetric(float64(l.reads.Load()), "reads")
		b.ReportMetric(took.Seconds(), "s/backlog")
		b.Logf("%d jobs printed (watched: %v) in %v, %d spool reads by the watcher", n, watch, took, l.reads.Load())
		require.NoError(b, sp.Close())
	}
}
