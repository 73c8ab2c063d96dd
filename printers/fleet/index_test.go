package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// entry is one message of the jobs bucket's watch.
type entry struct {
	key string
	val []byte
	rev uint64
	op  jetstream.KeyValueOp
}

func (e entry) Bucket() string                  { return JobsBucket }
func (e entry) Key() string                     { return e.key }
func (e entry) Value() []byte                   { return e.val }
func (e entry) Revision() uint64                { return e.rev }
func (e entry) Created() time.Time              { return time.Time{} }
func (e entry) Delta() uint64                   { return 0 }
func (e entry) Operation() jetstream.KeyValueOp { return e.op }

var t0 = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func put(x *jobIndex, rev uint64, rec Record) {
	v, _ := json.Marshal(rec)
	x.apply(entry{key: rec.ID, val: v, rev: rev}, t0)
}

func rec(i int, site, printer string, state State) Record {
	at := t0.Add(time.Duration(i-100_000) * time.Millisecond)
	return Record{ID: fmt.Sprintf("f%06d", i), Site: site, Printer: printer, State: state, AtSite: true,
		CreatedAt: at, UpdatedAt: at, Deadline: at.Add(15 * time.Minute)}
}

func ids(p JobPage) []string {
	var out []string
	for _, r := range p.Jobs {
		out = append(out, r.ID)
	}
	return out
}

// The index lists newest first with the filters, pages by its cursor,
// reads a job its site never took by its deadline as failed
// site_offline, forgets deleted records and those past Retention, and
// refuses a bad cursor.
func TestIndexList(t *testing.T) {
	x := newJobIndex()
	put(x, 1, rec(1, "A", "p1", Printed))
	put(x, 2, rec(2, "A", "p2", Queued))
	put(x, 3, rec(3, "B", "p1", Unknown))
	put(x, 4, rec(4, "B", "p1", Printed))
	gone := rec(5, "A", "p1", Printed)
	put(x, 5, gone)
	x.apply(entry{key: gone.ID, rev: 6, op: jetstream.KeyValueDelete}, t0)
	lost := rec(6, "C", "p1", Queued)
	lost.AtSite, lost.Deadline = false, t0.Add(-time.Second)
	put(x, 7, lost)
	x.apply(entry{key: "junk", val: []byte("not a record"), rev: 8}, t0)
	put(x, 9, rec(2, "A", "p2", Printed))  // f000002 printed: changed in place
	put(x, 11, rec(0, "B", "p2", Printed)) // created before the others, recorded after
	moved := rec(8, "C", "p2", Printed)
	put(x, 12, moved)
	moved.CreatedAt = rec(0, "", "", "").CreatedAt.Add(-time.Millisecond) // never so, but its place follows
	put(x, 13, moved)
	aged := rec(7, "A", "p1", Unknown)
	aged.CreatedAt, aged.UpdatedAt = t0.Add(-8*24*time.Hour), t0.Add(-Retention-time.Second)
	put(x, 10, aged) // the bucket has dropped it by now

	cases := []struct {
		q    ListQuery
		want []string
		next bool
	}{
		{ListQuery{}, []string{"f000006", "f000004", "f000003", "f000002", "f000001", "f000000", "f000008"}, false},
		{ListQuery{Site: "A"}, []string{"f000002", "f000001"}, false},
		{ListQuery{Site: "B", Printer: "p1"}, []string{"f000004", "f000003"}, false},
		{ListQuery{Site: "B", Printer: "p2"}, []string{"f000000"}, false},
		{ListQuery{Printer: "p1", State: Printed}, []string{"f000004", "f000001"}, false},
		{ListQuery{Printer: "p2", State: Printed}, []string{"f000002", "f000000", "f000008"}, false},
		{ListQuery{State: Failed}, []string{"f000006"}, false},
		{ListQuery{State: Queued}, nil, false},
		{ListQuery{Limit: 2}, []string{"f000006", "f000004"}, true},
		{ListQuery{Site: "Z"}, nil, false},
	}
	for _, c := range cases {
		p, err := x.list(c.q, t0)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(p), c.want) || (p.Next != "") != c.next {
			t.Errorf("%+v: %v next %q, want %v", c.q, ids(p), p.Next, c.want)
		}
	}
	p, _ := x.list(ListQuery{State: Failed}, t0)
	if r := p.Jobs[0]; r.Reason != ReasonSiteOffline {
		t.Errorf("a job never taken by its deadline: %s %q", r.State, r.Reason)
	}
	// Paging by the cursor walks every job once.
	var all []string
	for q := (ListQuery{Limit: 2}); ; {
		p, err := x.list(q, t0)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ids(p)...)
		if p.Next == "" {
			break
		}
		q.Before = p.Next
	}
	if want := []string{"f000006", "f000004", "f000003", "f000002", "f000001", "f000000", "f000008"}; !slices.Equal(all, want) {
		t.Errorf("paged %v, want %v", all, want)
	}
	for _, bad := range []string{"x", "12", ".f1", "12.", "a.f1"} {
		if _, err := x.list(ListQuery{Before: bad}, t0); !errors.Is(err, ErrBadCursor) {
			t.Errorf("before %q: %v", bad, err)
		}
	}
}

// The index stays within its bounds: the records changed last, plus
// those waiting for a person (unknown; failed within a day), however
// old; the rest are dropped.
func TestIndexBounded(t *testing.T) {
	x := newJobIndex()
	x.recent, x.attention = 100, 20
	n := 0
	for i := 1; i <= 1000; i++ {
		st := Printed
		switch {
		case i%100 == 7:
			st = Unknown // 10 of them
		case i%100 == 9:
			st = Failed // 10, the first 5 a day before t0
		}
		r := rec(i, "A", "p1", st)
		if st == Failed && i < 500 {
			r.UpdatedAt = t0.Add(-25 * time.Hour)
		}
		put(x, uint64(i), r)
		n = max(n, len(x.byID))
	}
	if bound := x.recent + x.attention + x.recent/8; n > bound {
		t.Fatalf("the index held %d records, bound %d", n, bound)
	}
	if x.compactions == 0 {
		t.Fatal("never compacted")
	}
	x.compact(t0)
	p, _ := x.list(ListQuery{Limit: 1000}, t0)
	// Waiting for a person besides the recent: 9 unknown, 4 failed within
	// the day (5 failed a day before are dropped).
	if len(p.Jobs) != 113 {
		t.Errorf("kept %d, want 100 recent + 13 waiting for a person", len(p.Jobs))
	}
	p, _ = x.list(ListQuery{State: Unknown, Limit: 1000}, t0)
	if len(p.Jobs) != 10 {
		t.Errorf("unknown kept: %d, want all 10", len(p.Jobs))
	}
	p, _ = x.list(ListQuery{State: Failed, Limit: 1000}, t0)
	if got := ids(p); !slices.Equal(got, []string{"f000909", "f000809", "f000709", "f000609", "f000509"}) {
		t.Errorf("failed kept: %v", got)
	}
}

// Jobs through two hubs of a real cluster: each lists the same jobs
// with their sites' final states once its watch caught up, and a hub
// started after the jobs were recorded lists them too, from the bucket's
// tail.
func TestHubJobList(t *testing.T) {
	f := startFleet(t, HubOptions{}, map[string][]string{"A": {"p1", "p2"}, "B": {"p1"}})
	var all []string
	for i := range 12 {
		site, printer := "A", []string{"p1", "p2"}[i%2]
		if i%3 == 0 {
			site, printer = "B", "p1"
		}
		all = append(all, f.submit(site, printer, fmt.Sprint("list-", i), i).Job.ID)
	}
	f.waitFinal(all, 30*time.Second)
	want := newestFirst(all)

	late, err := NewHub(f.ctx, connect(t, f.c.URL()), HubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(f.ctx)
	wg.Go(func() { _ = late.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })

	f.hubs = append(f.hubs, late)
	f.listed(want)
	for i, h := range f.hubs {
		p, err := h.Jobs(f.ctx, ListQuery{Site: "A", Printer: "p2", Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Jobs {
			if r.Site != "A" || r.Printer != "p2" {
				t.Errorf("hub %d: site A printer p2 lists %+v", i, r)
			}
		}
		if len(p.Jobs) != 3 || p.Next == "" {
			t.Errorf("hub %d: A/p2 limit 3: %v next %q", i, ids(p), p.Next)
		}
	}
	if _, err := f.hubs[0].Jobs(f.ctx, ListQuery{State: "lost"}); err == nil {
		t.Error("a state that is none listed")
	}
}

// newestFirst is ids, submitted one after another, as a list shows them.
func newestFirst(ids []string) []string {
	out := slices.Clone(ids)
	slices.Reverse(out)
	return out
}

// listed waits until every hub lists exactly want, newest first, all
// printed.
func (f *fleet) listed(want []string) {
	f.t.Helper()
	for i, h := range f.hubs {
		deadline := time.Now().Add(30 * time.Second)
		for {
			ctx, cancel := context.WithTimeout(f.ctx, 5*time.Second)
			p, err := h.Jobs(ctx, ListQuery{Limit: 1000})
			cancel()
			printed := 0
			for _, r := range p.Jobs {
				if r.State == Printed {
					printed++
				}
			}
			if err == nil && slices.Equal(ids(p), want) && printed == len(want) {
				break
			}
			if time.Now().After(deadline) {
				f.t.Fatalf("hub %d lists %v (%d printed, %v), want %v printed", i, ids(p), printed, err, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// BenchmarkIndexList is the cost of one GET /v1/jobs answer from a full
// index (IndexRecent + IndexAttention records): the page's refresh every
// 2 s per open page, or a client's poll.
func BenchmarkIndexList(b *testing.B) {
	x := newJobIndex()
	sites := []string{"A", "B", "C", "D"}
	for i := 1; i <= IndexRecent+IndexAttention; i++ {
		st := Printed
		if i%2 == 0 && i <= 2*IndexAttention {
			st = Unknown
		}
		put(x, uint64(i), rec(i, sites[i%len(sites)], fmt.Sprint("p", i%3), st))
	}
	// The last walks the whole index: a site with no job in it.
	for _, q := range []ListQuery{{Limit: 50}, {Limit: 1000}, {Site: "B", State: Printed, Limit: 50}, {Site: "Z", Limit: 50}} {
		want := q.Limit
		if q.Site == "Z" {
			want = 0
		}
		b.Run(fmt.Sprintf("site=%s,state=%s,limit=%d", q.Site, q.State, q.Limit), func(b *testing.B) {
			for b.Loop() {
				if p, err := x.list(q, t0); err != nil || len(p.Jobs) != want {
					b.Fatal(len(p.Jobs), err)
				}
			}
		})
	}
}
