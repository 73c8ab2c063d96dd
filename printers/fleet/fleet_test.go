package fleet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/secuprint/receipt/printers/fleet/fleettest"
)

// fleet is a 3-node cluster, two hubs and sites with fake locals, all
// in the test's process, each with its own connection.
type fleet struct {
	t       *testing.T
	c       *fleettest.Cluster
	hubs    []*Hub
	locals  map[string]*fakeLocal
	sites   map[string]*Site
	stops   map[string]func()
	ctx     context.Context
	hubOpts HubOptions
	clocks  map[string]func() time.Time // a site's own clock, when wrong
}

func connect(t *testing.T, url string, opts ...nats.Option) jetstream.JetStream {
	t.Helper()
	opts = append([]nats.Option{nats.MaxReconnects(-1), nats.ReconnectWait(100 * time.Millisecond), nats.ReconnectJitter(0, 0)}, opts...)
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

func startFleet(t *testing.T, hubOpts HubOptions, sites map[string][]string) *fleet {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f := &fleet{t: t, c: fleettest.Start(t, fleettest.Options{}), locals: map[string]*fakeLocal{},
		sites: map[string]*Site{}, stops: map[string]func(){}, ctx: ctx, hubOpts: hubOpts}
	for range 2 {
		h, err := NewHub(ctx, connect(t, f.c.URL()), hubOpts)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Go(func() { _ = h.Run(ctx) })
		t.Cleanup(func() { cancel(); wg.Wait() })
		f.hubs = append(f.hubs, h)
	}
	for name, printers := range sites {
		f.locals[name] = newFakeLocal(printers...)
		f.startSite(name)
	}
	return f
}

// startSite starts (again) site name on a new connection, its local kept.
func (f *fleet) startSite(name string) {
	f.t.Helper()
	nc, err := nats.Connect(f.c.URL(), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		f.t.Fatal(err)
	}
	js, _ := jetstream.New(nc)
	s, err := NewSite(f.ctx, js, SiteOptions{Site: name, Local: f.locals[name], Heartbeat: 500 * time.Millisecond, Now: f.clocks[name]})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := s.Announce(f.ctx); err != nil {
		f.t.Fatal(err)
	}
	f.locals[name].attach(s)
	ctx, cancel := context.WithCancel(f.ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = s.Run(ctx) })
	f.sites[name] = s
	f.stops[name] = func() { cancel(); nc.Close(); wg.Wait() }
	f.t.Cleanup(f.stops[name])
}

func (f *fleet) stopSite(name string) { f.stops[name]() }

func tx(id string) []byte {
	return fmt.Appendf(nil, `{"id":%q,"receipt":[{"type":"textline","value":{"text":"hello %s"}}]}`, id, id)
}

// submit posts key until a hub accepts it, alternating hubs as a client
// retrying after an error would.
func (f *fleet) submit(site, printer, key string, start int) Submission {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(f.ctx, 60*time.Second)
	defer cancel()
	for i := start; ; i++ {
		rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
		s, err := f.hubs[i%len(f.hubs)].Submit(rctx, site, printer, key, tx(key))
		rcancel()
		if err == nil {
			return s
		}
		if ctx.Err() != nil {
			f.t.Fatalf("submit %s: %v", key, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitFinal waits until every job is final on every hub; it returns the
// states as read from the first hub.
func (f *fleet) waitFinal(ids []string, d time.Duration) map[string]Record {
	f.t.Helper()
	end := time.Now().Add(d)
	got := map[string]Record{}
	for _, h := range f.hubs {
		for _, id := range ids {
			for {
				ctx, cancel := context.WithTimeout(f.ctx, 5*time.Second)
				rec, err := h.Job(ctx, id)
				cancel()
				if err == nil && rec.State.Final() {
					if _, ok := got[id]; !ok {
						got[id] = rec
					}
					break
				}
				if time.Now().After(end) {
					f.t.Fatalf("job %s not final after %v: %+v %v (%s)", id, d, rec, err, f.c)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	return got
}

// exact asserts that every job printed exactly once at its site.
func (f *fleet) exact(ids []string, recs map[string]Record) {
	f.t.Helper()
	lost, doubled := 0, 0
	for _, id := range ids {
		rec := recs[id]
		n := f.locals[rec.Site].printed[id]
		if rec.State != Printed || n == 0 {
			lost++
			f.t.Errorf("job %s: %s %s, printed %d times", id, rec.State, rec.Reason, n)
		}
		if n > 1 {
			doubled++
		}
	}
	total := 0
	for _, l := range f.locals {
		once, dbl := l.counts()
		total += once + dbl
		doubled += dbl
	}
	if lost != 0 || doubled != 0 || total != len(ids) {
		f.t.Fatalf("lost %d, doubled %d, printed %d of %d", lost, doubled, total, len(ids))
	}
}

func TestDeliveredOnceAcrossHubs(t *testing.T) {
	f := startFleet(t, HubOptions{}, map[string][]string{"A": {"p1", "p2"}, "B": {"p1"}})
	var ids []string
	for i := range 60 {
		site, printer := "A", []string{"p1", "p2"}[i%2]
		if i%3 == 0 {
			site, printer = "B", "p1"
		}
		key := fmt.Sprintf("k%d", i)
		first := f.submit(site, printer, key, i)
		// The same key on the other hub is the same job.
		again := f.submit(site, printer, key, i+1)
		if again.Job.ID != first.Job.ID || !again.Existing || first.Existing {
			t.Fatalf("retry of %s: %+v then %+v", key, first, again)
		}
		ids = append(ids, first.Job.ID)
	}
	recs := f.waitFinal(ids, 30*time.Second)
	f.exact(ids, recs)
	// A backlog reaches each printer in the order the hubs accepted it.
	want := map[string][]string{}
	for _, id := range ids {
		want[recs[id].Site+"/"+recs[id].Printer] = append(want[recs[id].Site+"/"+recs[id].Printer], id)
	}
	for sp, w := range want {
		site, printer := sp[:1], sp[2:]
		if got := f.locals[site].order[printer]; fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("%s printed %v, want %v", sp, got, w)
		}
	}
}

func TestRefusedAtHub(t *testing.T) {
	f := startFleet(t, HubOptions{}, map[string][]string{"A": {"p1"}})
	ctx := f.ctx
	h := f.hubs[0]
	cases := []struct {
		name, site, printer string
		body                []byte
		want                error
	}{
		{"unknown site", "Z", "p1", tx("1"), ErrUnknownSite},
		{"site not a subject token", "A.>", "p1", tx("1"), ErrUnknownSite},
		{"unknown printer", "A", "p9", tx("1"), ErrUnknownPrinter},
		{"invalid transaction", "A", "p1", []byte(`{"id":"x","receipt":[{"type":"barcode"}]}`), &InvalidError{}},
		{"not JSON", "A", "p1", []byte(`hello`), &InvalidError{}},
	}
	for _, c := range cases {
		_, err := h.Submit(ctx, c.site, c.printer, "", c.body)
		var ie *InvalidError
		if err == nil || (!errors.Is(err, c.want) && !(errors.As(c.want, &ie) && errors.As(err, &ie))) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// Another receipt under a used key.
	if _, err := h.Submit(ctx, "A", "p1", "k", tx("1")); err != nil {
		t.Fatal(err)
	}
	var kr *KeyReusedError
	if _, err := f.hubs[1].Submit(ctx, "A", "p1", "k", tx("2")); !errors.As(err, &kr) {
		t.Fatalf("key reused: %v", err)
	}
}

// A message on a job subject that is not a job is terminated with a
// reason and counted; nothing prints; the next job still does.
func TestGarbageTerminated(t *testing.T) {
	f := startFleet(t, HubOptions{}, map[string][]string{"A": {"p1"}})
	js := connect(t, f.c.URL())
	for _, data := range []string{"hello", `{"id":"x"}`, `{"id":"fx","site":"B","printer":"p1","deadline":"2099-01-01T00:00:00Z"}`} {
		if _, err := js.Publish(f.ctx, JobSubject("A", "p1"), []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	id := f.submit("A", "p1", "after", 0).Job.ID
	f.exact([]string{id}, f.waitFinal([]string{id}, 20*time.Second))
	if n := f.sites["A"].Terminated.Load(); n != 3 {
		t.Fatalf("terminated %d, want 3 (last: %s)", n, f.sites["A"].LastTerminated())
	}
}

// A site that is away: its jobs wait in the stream; one cancelled at the
// hub meanwhile never prints, one past its deadline fails expired (the
// hub says site_offline before the site returns), the rest print once in
// order when it returns.
func TestSiteAway(t *testing.T) {
	f := startFleet(t, HubOptions{JobTTL: 3 * time.Second}, map[string][]string{"A": {"p1"}})
	f.stopSite("A")
	short := f.submit("A", "p1", "short", 0).Job.ID
	time.Sleep(3 * time.Second) // short's deadline passes
	if rec, _ := f.hubs[1].Job(f.ctx, short); rec.State != Failed || rec.Reason != ReasonSiteOffline {
		t.Fatalf("while away: %+v", rec)
	}
	var ids []string
	for i := range 10 {
		ids = append(ids, f.submit("A", "p1", fmt.Sprint("away", i), i).Job.ID)
	}
	cancelled := f.submit("A", "p1", "cancelled", 0).Job.ID
	if rec, err := f.hubs[0].Cancel(f.ctx, cancelled); err != nil || !rec.CancelRequested {
		t.Fatalf("cancel: %+v %v", rec, err)
	}
	f.startSite("A")
	recs := f.waitFinal(append(ids, short, cancelled), 20*time.Second)
	if r := recs[short]; r.State != Failed || r.Reason != ReasonExpired {
		t.Errorf("expired job: %+v", r)
	}
	if r := recs[cancelled]; r.State != Cancelled {
		t.Errorf("cancelled job: %+v", r)
	}
	for _, id := range []string{short, cancelled} {
		delete(recs, id)
	}
	f.exact(ids, recs)
	if got := f.locals["A"].order["p1"]; fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Errorf("printed %v, want %v", got, ids)
	}
	// A failed job's key posted again is a new attempt.
	again := f.submit("A", "p1", "short", 0)
	if again.Existing || again.Job.Attempt != 2 || again.Job.ID != JobID("A", "p1", "short", 2) {
		t.Fatalf("new attempt: %+v", again)
	}
}

// A hub that died between recording a job and JetStream's ack: the
// client's retry on the other hub publishes it, once.
func TestHubDiedMidRequest(t *testing.T) {
	f := startFleet(t, HubOptions{}, map[string][]string{"A": {"p1"}})
	// What the dead hub left: the record, no message.
	h := f.hubs[0]
	orig := h.js
	h.js = noPublish{orig}
	if _, err := h.Submit(f.ctx, "A", "p1", "k1", tx("k1")); err == nil {
		t.Fatal("the dying hub published")
	}
	h.js = orig
	s := f.submit("A", "p1", "k1", 1)
	if !s.Existing {
		t.Fatalf("retry: %+v", s)
	}
	// And one that died after the ack, before answering: retried twice.
	first := f.submit("A", "p1", "k2", 0)
	f.submit("A", "p1", "k2", 1)
	f.submit("A", "p1", "k2", 0)
	ids := []string{s.Job.ID, first.Job.ID}
	f.exact(ids, f.waitFinal(ids, 20*time.Second))
}

// noPublish is a JetStream whose publications fail, as a hub that dies
// before JetStream answered.
type noPublish struct{ jetstream.JetStream }

func (noPublish) Publish(context.Context, string, []byte, ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	return nil, errors.New("hub died")
}

// One NATS node is killed during load and restarted: every job the hubs
// accepted prints once.
func TestNodeKilledDuringLoad(t *testing.T) {
	f := startFleet(t, HubOptions{}, map[string][]string{"A": {"p1", "p2"}, "B": {"p1"}})
	var ids []string
	for i := range 90 {
		switch i {
		case 30:
			f.c.Kill(i % 3)
		case 60:
			f.c.Restart(30 % 3)
		}
		site, printer := "A", []string{"p1", "p2"}[i%2]
		if i%3 == 0 {
			site, printer = "B", "p1"
		}
		ids = append(ids, f.submit(site, printer, fmt.Sprint("load", i), i).Job.ID)
	}
	f.exact(ids, f.waitFinal(ids, 45*time.Second))
	f.listed(newestFirst(ids)) // the hubs' job lists followed the node's death
}

// A site whose clock is 20 minutes fast: the hubs flag it, and it
// refuses every job as expired (its clock says the deadline passed)
// rather than print at a time it cannot judge; a site 5 s off prints.
func TestSiteClockWrong(t *testing.T) {
	f := startFleet(t, HubOptions{}, map[string][]string{"good": {"p1"}})
	f.clocks = map[string]func() time.Time{"fast": func() time.Time { return time.Now().Add(20 * time.Minute) },
		"near": func() time.Time { return time.Now().Add(5 * time.Second) }}
	for _, name := range []string{"fast", "near"} {
		f.locals[name] = newFakeLocal("p1")
		f.startSite(name)
	}
	sites, err := f.hubs[1].Sites(f.ctx)
	if err != nil || len(sites) != 3 {
		t.Fatalf("sites: %+v %v", sites, err)
	}
	for _, s := range sites {
		if want := s.Site == "fast"; s.ClockWrong != want || !s.Online {
			t.Errorf("%s: wrong clock %v (skew %d ms), online %v", s.Site, s.ClockWrong, s.ClockSkew, s.Online)
		}
	}
	fast := f.submit("fast", "p1", "k", 0).Job.ID
	near := f.submit("near", "p1", "k", 0).Job.ID
	recs := f.waitFinal([]string{fast, near}, 20*time.Second)
	if r := recs[fast]; r.State != Failed || r.Reason != ReasonExpired || len(f.locals["fast"].printed) != 0 {
		t.Errorf("fast site: %+v, printed %v", r, f.locals["fast"].printed)
	}
	if r := recs[near]; r.State != Printed {
		t.Errorf("near site: %+v", r)
	}
}

// A site announcing a printer twice, or one whose name is no subject
// token, is refused before the hubs hear of it.
func TestAnnounceRefused(t *testing.T) {
	f := startFleet(t, HubOptions{}, map[string][]string{})
	js := connect(t, f.c.URL())
	for _, printers := range [][]string{{"p1", "p1"}, {"front desk"}, {"a.b"}} {
		s, err := NewSite(f.ctx, js, SiteOptions{Site: "dup", Local: newFakeLocal(printers...)})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Announce(f.ctx); err == nil {
			t.Errorf("%q announced", printers)
		}
	}
	if sites, err := f.hubs[0].Sites(f.ctx); err != nil || len(sites) != 0 {
		t.Fatalf("sites: %+v %v", sites, err)
	}
}

// The whole cluster restarts, each node in turn and then all at once,
// between and during submissions: every job accepted prints once. About
// 30 s: run with RECEIPT_FLEET_SLOW=1.
func TestClusterRestarted(t *testing.T) {
	if os.Getenv("RECEIPT_FLEET_SLOW") == "" {
		t.Skip("restarts the cluster four times: set RECEIPT_FLEET_SLOW=1")
	}
	f := startFleet(t, HubOptions{}, map[string][]string{"A": {"p1"}, "B": {"p1"}})
	var ids []string
	submit := func(n int) {
		for i := range n {
			site := []string{"A", "B"}[i%2]
			ids = append(ids, f.submit(site, "p1", fmt.Sprint("r", len(ids)), i).Job.ID)
		}
	}
	submit(10)
	for i := range f.c.Nodes {
		f.c.Kill(i)
		submit(5)
		f.c.Restart(i)
		f.c.WaitMetaLeader(30 * time.Second)
	}
	submit(10)
	f.c.Shutdown()
	for i := range f.c.Nodes {
		f.c.Restart(i)
	}
	f.c.WaitMetaLeader(30 * time.Second)
	submit(10)
	f.exact(ids, f.waitFinal(ids, 45*time.Second))
	f.listed(newestFirst(ids)) // the hubs' job lists resumed after each restart
}
