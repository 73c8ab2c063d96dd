package fleet

import (
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSoak: RECEIPT_FLEET_SOAK jobs (10000 in the issue) across 3 sites ×
// 2 printers from 8 clients through 2 hubs, with faults on a schedule: a
// NATS node killed and restarted, a site stopped and started again, in
// turn. It reports lost, doubled and unknown, and fails on any.
func TestSoak(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("RECEIPT_FLEET_SOAK"))
	if n == 0 {
		t.Skip("set RECEIPT_FLEET_SOAK=10000 to soak")
	}
	sites := []string{"S1", "S2", "S3"}
	f := startFleet(t, HubOptions{}, map[string][]string{"S1": {"p1", "p2"}, "S2": {"p1", "p2"}, "S3": {"p1", "p2"}})
	ids := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	begin := time.Now()
	for w := range 8 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				site, printer := sites[i%3], []string{"p1", "p2"}[(i/3)%2]
				ids[i] = f.submit(site, printer, "soak"+strconv.Itoa(i), w+i).Job.ID
			}
		})
	}
	// The faults, one after another while the clients post.
	faults := 0
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	step := 0
loop:
	for {
		select {
		case <-done:
			break loop
		case <-time.After(2 * time.Second):
		}
		switch step % 4 {
		case 0:
			f.c.Kill(step / 4 % 3)
		case 1:
			f.c.Restart(step / 4 % 3)
		case 2:
			f.stopSite(sites[step/4%3])
		case 3:
			f.startSite(sites[step/4%3])
		}
		faults++
		step++
	}
	// Leave everything running.
	for i := range f.c.Nodes {
		f.c.Restart(i)
	}
	if step%4 == 3 {
		f.startSite(sites[step/4%3])
	}
	accepted := time.Since(begin)
	recs := f.waitFinal(ids, 5*time.Minute)
	lost, doubled, unknown := 0, 0, 0
	for _, id := range ids {
		rec := recs[id]
		switch p := f.locals[rec.Site].printed[id]; {
		case rec.State == Unknown:
			unknown++
		case rec.State != Printed || p == 0:
			lost++
		case p > 1:
			doubled++
		}
	}
	printed := 0
	for _, l := range f.locals {
		once, dbl := l.counts()
		printed += once + dbl
	}
	t.Logf("%d jobs, %d faults, accepted in %v, all final after %v: lost %d, doubled %d, unknown %d, printed %d",
		n, faults, accepted.Round(time.Millisecond), time.Since(begin).Round(time.Millisecond), lost, doubled, unknown, printed)
	if lost+doubled+unknown != 0 || printed != n {
		t.Fatalf("lost %d, doubled %d, unknown %d, printed %d of %d", lost, doubled, unknown, printed, n)
	}
}
