package fleet

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/secuprint/receipt/printers/fleet/fleettest"
)

// A site's connection is cut during load and comes back (the process
// keeps running, its client reconnects): every job prints once, in order.
// The cut lasts RECEIPT_FLEET_CUT seconds (2 by default; the 30
// with RECEIPT_FLEET_CUT=30).
func TestSiteConnectionCut(t *testing.T) {
	cutFor := 2 * time.Second
	if v, _ := strconv.Atoi(os.Getenv("RECEIPT_FLEET_CUT")); v > 0 {
		cutFor = time.Duration(v) * time.Second
	}
	f := startFleet(t, HubOptions{}, map[string][]string{})
	proxy := fleettest.NewProxy(t, f.c.URLs()[0])
	nc, err := nats.Connect(proxy.URLs()[0], nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond),
		nats.IgnoreDiscoveredServers())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	local := newFakeLocal("p1")
	f.locals["A"] = local
	s, err := NewSite(f.ctx, js, SiteOptions{Site: "A", Local: local, Heartbeat: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	local.attach(s)
	if err := s.Announce(f.ctx); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = s.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	var ids []string
	for i := range 60 {
		if i == 20 {
			proxy.Cut()
			time.AfterFunc(cutFor, proxy.Mend)
		}
		ids = append(ids, f.submit("A", "p1", fmt.Sprint("cut", i), i).Job.ID)
		time.Sleep(cutFor / 20) // the submissions span the cut
	}
	f.exact(ids, f.waitFinal(ids, 30*time.Second+cutFor))
	if got := local.order["p1"]; fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Errorf("printed %v, want %v", got, ids)
	}
}
