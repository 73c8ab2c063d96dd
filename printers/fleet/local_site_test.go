package fleet

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/fleet/fleettest"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/station"
)

// realSite is a site over StationLocal with a real spool: printer
// "front" prints at once, "back" is a closed TCP port.
type realSite struct {
	t       *testing.T
	url     string
	sp      *spool.Spool
	st      []*station.Station
	closed  string // back's address
	stop    func()
	workers func()
}

func newRealSite(t *testing.T, url string) *realSite {
	sp, err := spool.Open(filepath.Join(t.TempDir(), "spool.db"))
	require.NoError(t, err)
	t.Cleanup(func() { sp.Close() })
	var sts []*station.Station
	for _, name := range []string{"front", "back"} {
		st, err := station.New(station.Config{Name: name, Model: "TM-T88V"}, station.Options{Spool: sp})
		require.NoError(t, err)
		sts = append(sts, st)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := ln.Addr().String()
	ln.Close()
	return &realSite{t: t, url: url, sp: sp, st: sts, closed: closed}
}

// runWorkers starts the printers' workers: front prints at once, back
// is dialled at its closed port each time.
func (r *realSite) runWorkers() {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		_ = r.sp.Run(ctx, "front", func(context.Context) (printers.Printer, error) { return instant{}, nil }, spool.WorkerOptions{})
	})
	wg.Go(func() {
		_ = r.sp.Run(ctx, "back", func(ctx context.Context) (printers.Printer, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, "tcp", r.closed)
			if err == nil {
				c.Close()
				return nil, fmt.Errorf("%s answered", r.closed)
			}
			return nil, err
		}, spool.WorkerOptions{Backoff: 5 * time.Second, MaxBackoff: 5 * time.Second})
	})
	r.workers = func() { cancel(); wg.Wait() }
	r.t.Cleanup(r.workers)
}

// start joins the fleet as site S, as receiptd does (fleetsite.go), and
// returns the changes Jobs gave the site to publish again at its start.
func (r *realSite) start() []Change {
	r.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	nc, err := nats.Connect(r.url, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	require.NoError(r.t, err)
	js, _ := jetstream.New(nc)
	l := NewStationLocal(r.sp, r.st)
	again, err := l.Jobs(ctx)
	require.NoError(r.t, err)
	var wg sync.WaitGroup
	wg.Go(func() { l.Watch(ctx) })
	s, err := NewSite(ctx, js, SiteOptions{Site: "S", Local: l, Heartbeat: 500 * time.Millisecond})
	require.NoError(r.t, err)
	require.NoError(r.t, s.Announce(ctx))
	l.Attach(s.Report)
	wg.Go(func() { _ = s.Run(ctx) })
	r.stop = func() { cancel(); wg.Wait(); nc.Close() }
	r.t.Cleanup(r.stop)
	return again
}

// hubState waits until job id's state at h is want.
func hubState(t *testing.T, h *Hub, id string, want State, d time.Duration) Record {
	t.Helper()
	var rec Record
	require.Eventually(t, func() bool {
		var err error
		rec, err = h.Job(context.Background(), id)
		return err == nil && rec.State == want
	}, d, 20*time.Millisecond, "job %s: want %s, have %+v", id, want, rec)
	return rec
}

// A site's start publishes again only what JetStream has not
// acknowledged: nothing for jobs the hubs know as they are, and the state
// a crash kept from them — a job printed while the site was down between
// its change and the publish — reaches the hub.
func TestSiteRepublishesOnlyUnreported(t *testing.T) {
	c := fleettest.Start(t, fleettest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h, err := NewHub(ctx, connect(t, c.URL()), HubOptions{})
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Go(func() { _ = h.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()

	r := newRealSite(t, c.URL())
	assert.Empty(t, r.start())
	r.runWorkers()
	var ids []string
	for i := range 5 {
		s, err := h.Submit(ctx, "S", "front", fmt.Sprint("k", i), tx(fmt.Sprint("k", i)))
		require.NoError(t, err)
		ids = append(ids, s.Job.ID)
	}
	for _, id := range ids {
		hubState(t, h, id, Printed, 20*time.Second)
	}
	require.Eventually(t, func() bool { u, err := r.sp.Unreported(); return err == nil && len(u) == 0 }, 10*time.Second, 10*time.Millisecond,
		"every acknowledged state taken off the unreported")

	// A job queued while the printers' workers are stopped, reported
	// queued; then the site goes down and the job prints: the site's
	// crash between the change and its publish.
	r.workers()
	s, err := h.Submit(ctx, "S", "front", "crash", tx("crash"))
	require.NoError(t, err)
	hubState(t, h, s.Job.ID, Queued, 20*time.Second)
	require.Eventually(t, func() bool { rec, _ := h.Job(ctx, s.Job.ID); return rec.AtSite }, 10*time.Second, 10*time.Millisecond)
	r.stop()
	r.runWorkers()
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	j, err := r.sp.KeyJob("front", s.Job.ID)
	require.NoError(t, err)
	_, err = r.sp.Wait(wctx, j.ID)
	require.NoError(t, err)
	rec, err := h.Job(ctx, s.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, Queued, rec.State, "the hub has not heard")

	again := r.start()
	assert.Equal(t, []Change{{ID: s.Job.ID, Printer: "front", State: Printed}}, stateOnly(again),
		"only the change the hubs have not acknowledged is published again")
	hubState(t, h, s.Job.ID, Printed, 20*time.Second)
	require.Eventually(t, func() bool { u, err := r.sp.Unreported(); return err == nil && len(u) == 0 }, 10*time.Second, 10*time.Millisecond)
}

// A job whose printer never answers (a closed port) fails expired at its
// deadline, within seconds, and the hub hears it: it does not stay queued
// until the printer comes back.
func TestExpiredWhilePrinterUnreachableReachesHub(t *testing.T) {
	c := fleettest.Start(t, fleettest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h, err := NewHub(ctx, connect(t, c.URL()), HubOptions{JobTTL: 2 * time.Second})
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Go(func() { _ = h.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()
	r := newRealSite(t, c.URL())
	r.start()
	r.runWorkers()
	s, err := h.Submit(ctx, "S", "back", "unreachable", tx("unreachable"))
	require.NoError(t, err)
	hubState(t, h, s.Job.ID, Queued, 10*time.Second)
	rec := hubState(t, h, s.Job.ID, Failed, 10*time.Second)
	assert.Equal(t, ReasonExpired, rec.Reason)
	j, err := r.sp.KeyJob("back", s.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, spool.Failed, j.State)
	assert.Zero(t, j.Sent)
	assert.Less(t, j.UpdatedAt.Sub(s.Job.Deadline), 3*time.Second, "failed within seconds of its deadline")
	assert.Less(t, rec.UpdatedAt.Sub(s.Job.Deadline), 5*time.Second, "and the hub heard within seconds")
}
