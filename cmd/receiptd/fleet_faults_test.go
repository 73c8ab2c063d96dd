package main

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The faults through real sites (fleet_harness_test.go): receiptd
// site binaries printing to virtual printers, two hub binaries, a 3-node
// cluster. Each run asserts 0 lost, 0 doubled (the tickets on paper,
// counted by key), the same final state on both hubs, and at most one
// unknown per printer per site crash.

// The leader of the jobs stream is stopped during load and started
// again.
func TestFleetFaultNodeKilled(t *testing.T) {
	f := startRealFleet(t, 2, 2)
	l := f.startLoad("nk", 160, 4, 0)
	l.waitAccepted(40)
	node := f.jobsLeader()
	f.c.Kill(node)
	l.waitAccepted(120)
	f.c.Restart(node)
	o := f.settle(l, time.Minute)
	t.Logf("%d jobs, node n%d stopped during load: %v, %v", len(l.jobs), node+1, o, o.took.Round(time.Millisecond))
}

// jobsLeader is the node leading the jobs stream (0 if none does).
func (f *realFleet) jobsLeader() int {
	for i, n := range f.c.Nodes {
		if n.Server != nil && n.Server.JetStreamIsStreamLeader("$G", "RECEIPT_JOBS") {
			return i
		}
	}
	return 0
}

// cutFor is how long a site's uplink is cut: RECEIPT_FLEET_CUT seconds,
// 2 by default (the 30 with RECEIPT_FLEET_CUT=30).
func cutFor() time.Duration {
	if v, _ := strconv.Atoi(os.Getenv("RECEIPT_FLEET_CUT")); v > 0 {
		return time.Duration(v) * time.Second
	}
	return 2 * time.Second
}

// Site s1's connection to the cluster is cut during load (the binary
// keeps running; its proxy drops every connection and refuses new ones)
// and restored; s2 is not cut. One client posts, so each printer's jobs
// must come out in the order the hubs accepted them.
func TestFleetFaultSiteCut(t *testing.T) {
	cut := cutFor()
	f := startRealFleet(t, 2, 2)
	const n = 60
	l := f.startLoad("cut", n, 1, cut/20) // the load spans the cut
	l.waitAccepted(n / 3)
	f.sites[0].proxy.Cut()
	time.Sleep(cut)
	f.sites[0].proxy.Mend()
	o := f.settle(l, time.Minute+cut)
	if logs := f.sites[0].d.logs.String(); !strings.Contains(logs, "nats disconnected") || !strings.Contains(logs, "nats reconnected") {
		t.Errorf("site s1 was not cut off and back:\n%s", logs)
	}
	for _, s := range f.sites {
		for _, p := range sitePrinters {
			var want []string
			for _, j := range l.jobs {
				if j.site == s.name && j.printer == p {
					want = append(want, j.key)
				}
			}
			if got := printedKeys(s.printers[p]); !slices.Equal(got, want) {
				t.Errorf("%s/%s printed %v, want %v", s.name, p, got, want)
			}
		}
	}
	t.Logf("%d jobs, site s1 cut for %v: %v, %v", len(l.jobs), cut, o, o.took.Round(time.Millisecond))
}

// The whole cluster restarts under load: each node in turn (stopped,
// started, caught up), then all at once. Stopping a node is the embedded
// server's Shutdown, what nats-server does on SIGTERM. While no quorum
// answers, the hubs refuse jobs (503) and the clients retry with the
// same key.
func TestFleetFaultClusterRestart(t *testing.T) {
	f := startRealFleet(t, 2, 2)
	l := f.startLoad("rs", 20000, 4, 20*time.Millisecond)
	step := func(what string) {
		// The hubs accept again.
		mark, end := l.accepted.Load(), time.Now().Add(time.Minute)
		for l.accepted.Load() < mark+20 {
			if time.Now().After(end) {
				t.Fatalf("%s: no job accepted for a minute\n%s", what, f.logs())
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Logf("%s; %d accepted", what, l.accepted.Load())
	}
	step("started")
	for i := range f.c.Nodes {
		f.c.Kill(i)
		step("n" + strconv.Itoa(i+1) + " stopped")
		f.c.Restart(i)
		f.c.WaitMetaLeader(30 * time.Second)
		step("n" + strconv.Itoa(i+1) + " started")
	}
	f.c.Shutdown()
	time.Sleep(time.Second)
	for i := range f.c.Nodes {
		f.c.Restart(i)
	}
	f.c.WaitMetaLeader(30 * time.Second)
	step("all restarted")
	l.stop()
	o := f.settle(l, time.Minute)
	t.Logf("%d jobs, each node restarted in turn then all at once: %v, %v", len(l.jobs), o, o.took.Round(time.Millisecond))
}
