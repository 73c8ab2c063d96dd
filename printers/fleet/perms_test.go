package fleet

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/secuprint/receipt/printers/fleet/fleettest"
)

func siteUser(site string) *server.User {
	pub, sub := SitePermissions(site)
	return &server.User{Username: "site-" + site, Password: "pw-" + site, Permissions: &server.Permissions{
		Publish:   &server.SubjectPermission{Allow: pub},
		Subscribe: &server.SubjectPermission{Allow: sub},
		Response:  &server.ResponsePermission{MaxMsgs: 1, Expires: time.Minute},
	}}
}

// Sites with the documented permissions work, and one cannot read
// another's jobs: not by its consumer, not by a subscription, not by
// pulling from the other's consumer.
func TestSitePermissions(t *testing.T) {
	c := fleettest.Start(t, fleettest.Options{Users: []*server.User{
		{Username: "hub", Password: "pw-hub"}, siteUser("A"), siteUser("B"),
	}})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	hub, err := NewHub(ctx, connect(t, c.URL(), nats.UserInfo("hub", "pw-hub")), HubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wg.Go(func() { _ = hub.Run(ctx) })
	locals := map[string]*fakeLocal{}
	for _, name := range []string{"A", "B"} {
		js := connect(t, c.URL(), nats.UserInfo("site-"+name, "pw-"+name), nats.CustomInboxPrefix(InboxPrefix(name)))
		locals[name] = newFakeLocal("p1")
		s, err := NewSite(ctx, js, SiteOptions{Site: name, Local: locals[name]})
		if err != nil {
			t.Fatal(err)
		}
		locals[name].attach(s)
		if err := s.Announce(ctx); err != nil {
			t.Fatal(err)
		}
		if name == "A" {
			wg.Go(func() { _ = s.Run(ctx) })
		}
	}
	// A's job and a cancelled one go through with A's permissions.
	a, err := hub.Submit(ctx, "A", "p1", "a1", tx("a1"))
	if err != nil {
		t.Fatal(err)
	}
	// B is not running: its job waits in the stream for it alone.
	b, err := hub.Submit(ctx, "B", "p1", "b1", tx("b1"))
	if err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if rec, err := hub.Wait(wctx, a.Job.ID); err != nil || rec.State != Printed {
		t.Fatalf("A's job: %+v %v", rec, err)
	}

	// Site A tries to read B's jobs.
	nc, err := nats.Connect(c.URL(), nats.UserInfo("site-A", "pw-A"), nats.CustomInboxPrefix(InboxPrefix("A")))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	short := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, 2*time.Second) }
	c1, cc1 := short()
	defer cc1()
	if _, err := js.CreateOrUpdateConsumer(c1, JobsStream, jetstream.ConsumerConfig{Durable: SiteConsumer("A"), FilterSubject: JobSubject("B", "p1"), AckPolicy: jetstream.AckExplicitPolicy}); !denied(err) {
		t.Errorf("A made its consumer read B's subject: %v", err)
	}
	c2, cc2 := short()
	defer cc2()
	if _, err := js.CreateOrUpdateConsumer(c2, JobsStream, jetstream.ConsumerConfig{Durable: "spy", FilterSubject: JobsSubject + ".>", AckPolicy: jetstream.AckExplicitPolicy}); !denied(err) {
		t.Errorf("A made a consumer on every site's jobs: %v", err)
	}
	// Pulling from B's durable consumer (the hub made it for the test).
	if _, err := connectAsHub(t, c).CreateOrUpdateConsumer(ctx, JobsStream, jetstream.ConsumerConfig{Durable: SiteConsumer("B"), FilterSubject: JobsSubject + ".B.>", AckPolicy: jetstream.AckExplicitPolicy}); err != nil {
		t.Fatal(err)
	}
	resp, err := nc.Request("$JS.API.CONSUMER.MSG.NEXT."+JobsStream+"."+SiteConsumer("B"), []byte(`{"batch":1,"expires":1000000000}`), 2*time.Second)
	if !denied(err) {
		t.Errorf("A pulled from B's consumer: %v %v", resp, err)
	}
	// A plain subscription to B's subject.
	if sub, err := nc.SubscribeSync(JobsSubject + ".B.>"); err == nil {
		if _, err := connectAsHub(t, c).Publish(ctx, JobSubject("B", "p1"), []byte("spied?")); err != nil {
			t.Fatal(err)
		}
		if m, err := sub.NextMsg(time.Second); err == nil {
			t.Errorf("A read B's subject: %q", m.Data)
		}
	}
	// Nor B's commands: a subscription to B's control subject is refused
	// and hears nothing of a command sent there.
	if sub, err := nc.SubscribeSync(ControlSubjectOf("B")); err == nil {
		_ = nc.Flush()
		time.Sleep(100 * time.Millisecond)
		if err := nc.LastError(); err == nil || !strings.Contains(err.Error(), ControlSubjectOf("B")) {
			t.Errorf("subscribing to B's commands was not refused: %v", err)
		}
		if err := connectAsHub(t, c).Conn().Publish(ControlSubjectOf("B"), []byte(`{"op":"retry","id":"x"}`)); err != nil {
			t.Fatal(err)
		}
		if m, err := sub.NextMsg(time.Second); err == nil {
			t.Errorf("A read B's command: %q", m.Data)
		}
	}
	// A answers its own commands (allow_responses): a reprint of its job
	// through the hub prints a copy at A.
	cp, err := hub.Reprint(ctx, a.Job.ID, "copy")
	if err != nil || !cp.Job.AtSite {
		t.Fatalf("A's reprint: %+v %v", cp, err)
	}
	if rec, err := hub.Wait(wctx, cp.Job.ID); err != nil || rec.State != Printed {
		t.Fatalf("A's copy: %+v %v", rec, err)
	}
	// B's job is still there, whole, for B.
	if rec, err := hub.Job(ctx, b.Job.ID); err != nil || rec.State != Queued || rec.AtSite {
		t.Fatalf("B's job: %+v %v", rec, err)
	}
	if len(locals["A"].printed) != 2 || locals["A"].times(cp.Job.ID) != 1 {
		t.Fatalf("A printed %v", locals["A"].printed)
	}
}

// denied: the server refused the subject (a permissions violation, which
// a request sees as such or as no answer), not an API error.
func denied(err error) bool {
	return errors.Is(err, nats.ErrPermissionViolation) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, nats.ErrTimeout) || errors.Is(err, nats.ErrNoResponders)
}

func connectAsHub(t *testing.T, c *fleettest.Cluster) jetstream.JetStream {
	return connect(t, c.URL(), nats.UserInfo("hub", "pw-hub"))
}

// The nats-server configuration under deploy/ loads, runs JetStream
// clustered, and gives each site exactly SitePermissions.
func TestDeployedPermissions(t *testing.T) {
	opts, err := server.ProcessConfigFile("../../deploy/fleet/nats-server.conf")
	if err != nil {
		t.Fatal(err)
	}
	if !opts.JetStream || opts.Cluster.Name != "receipt" || len(opts.Routes) != 2 {
		t.Fatalf("jetstream %v, cluster %q, routes %v", opts.JetStream, opts.Cluster.Name, opts.Routes)
	}
	sites := map[string]bool{}
	for _, u := range opts.Nkeys {
		if u.Permissions == nil {
			continue // the hubs
		}
		site := strings.TrimSuffix(strings.TrimPrefix(u.Permissions.Subscribe.Allow[0], "_INBOX_"), ".>")
		sites[site] = true
		pub, sub := SitePermissions(site)
		if !slices.Equal(u.Permissions.Publish.Allow, pub) || !slices.Equal(u.Permissions.Subscribe.Allow, sub) {
			t.Errorf("site %s: publish %q subscribe %q,\nwant %q %q", site, u.Permissions.Publish.Allow, u.Permissions.Subscribe.Allow, pub, sub)
		}
		if answers := u.Permissions.Response != nil && u.Permissions.Response.MaxMsgs == 1; answers != SiteAllowResponses {
			t.Errorf("site %s: allow_responses %+v, want %v", site, u.Permissions.Response, SiteAllowResponses)
		}
	}
	if !sites["shop-0001"] || !sites["shop-0002"] {
		t.Fatalf("sites in the config: %v", sites)
	}
}
