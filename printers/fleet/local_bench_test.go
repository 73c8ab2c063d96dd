package fleet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
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

// BenchmarkSiteStart: what a site's start publishes again when its spool
// keeps 100 000 settled fleet jobs (RECEIPT_FLEET_KEPT), all acknowledged
// by JetStream, and one printed since its last publish. "unreported" is
// Jobs as it is; "listed" is what Jobs did before the unreported mark:
// read the whole spool and publish every fleet job.
//
//	go test -run '^$' -bench SiteStart -benchtime 3x ./printers/fleet/
func BenchmarkSiteStart(b *testing.B) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("RECEIPT_FLEET_KEPT")); err == nil && v > 0 {
		n = v
	}
	sp, err := spool.Open(filepath.Join(b.TempDir(), "spool.db"))
	require.NoError(b, err)
	defer sp.Close()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range 64 {
		wg.Go(func() {
			for i := w; i < n; i += 64 {
				// Past its deadline: stored failed at once, settled.
				_, _, err := sp.EnqueueJob("p", fmt.Sprintf("f%07d", i), spool.Job{Source: spool.SourceFleet, NotAfter: time.Now().Add(-time.Second)}, []byte("x"))
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	kept, err := sp.Unreported()
	require.NoError(b, err)
	require.Len(b, kept, n)
	acks := make([]spool.Report, 0, n)
	for _, j := range kept {
		acks = append(acks, spool.Report{ID: j.ID, State: j.State})
	}
	require.NoError(b, sp.Reported(acks))
	late, _, err := sp.EnqueueJob("p", "late", spool.Job{Source: spool.SourceFleet, NotAfter: time.Now().Add(-time.Second)}, []byte("x"))
	require.NoError(b, err)
	require.Equal(b, spool.Failed, late.State)
	b.Logf("%d settled fleet jobs stored in %v", n+1, time.Since(start))
	measure := func(b *testing.B, jobs func() (int, error)) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.ResetTimer()
		published := 0
		for range b.N {
			var err error
			published, err = jobs()
			require.NoError(b, err)
		}
		b.StopTimer()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(published), "published")
		b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "MiB/start")
	}
	b.Run("unreported", func(b *testing.B) {
		measure(b, func() (int, error) {
			chs, err := NewStationLocal(sp, nil).Jobs(context.Background())
			return len(chs), err
		})
	})
	b.Run("listed", func(b *testing.B) {
		measure(b, func() (int, error) {
			all, err := sp.List("", "", 0)
			k := 0
			for _, j := range all {
				if fleetJob(j) {
					_ = changeOf(j)
					k++
				}
			}
			return k, err
		})
	})
}
