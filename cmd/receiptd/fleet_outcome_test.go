package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/secuprint/receipt/printers/fleet"
	"github.com/secuprint/receipt/printers/virtual"
)

// What a run of the real fleet (fleet_harness_test.go) came to: the jobs'
// states at every hub, their tickets on paper, and the logs a failure
// needs.

// outcome is what a run came to, job by job.
type outcome struct {
	printed, unknown, lost, doubled, disagree int
	unknownAt                                 map[string]int // site/printer → unknowns
	took                                      time.Duration  // from the first post until every job was final
}

func (o outcome) String() string {
	return fmt.Sprintf("printed once %d, unknown %d, lost %d, doubled %d, hubs disagreeing %d", o.printed, o.unknown, o.lost, o.doubled, o.disagree)
}

// settle waits (up to wait) until every hub reads every job of l final,
// then counts the jobs' tickets on their printers' paper and checks the
// issue's bar: 0 lost, 0 doubled, the same final state on every hub,
// and at most one unknown per printer per crash of its site.
func (f *realFleet) settle(l *load, wait time.Duration) outcome {
	t := f.t
	<-l.done
	end := time.Now().Add(wait)
	states := make([][]fleet.Record, len(f.hubs))
	for h := range f.hubs {
		states[h] = make([]fleet.Record, len(l.jobs))
		var next atomic.Int64
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for {
					i := int(next.Add(1)) - 1
					if i >= len(l.jobs) {
						return
					}
					if l.jobs[i].id != "" {
						states[h][i] = f.final(f.hub(h), l.jobs[i].id, end)
					}
				}
			})
		}
		wg.Wait()
	}
	o := outcome{unknownAt: map[string]int{}, took: time.Since(l.began)}
	defer func() {
		if t.Failed() {
			t.Logf("%s\n%s", f.c, f.clusterState())
		}
	}()
	time.Sleep(300 * time.Millisecond) // a stray ticket would come now
	paper := map[string]map[string]int{}
	for _, s := range f.sites {
		paper[s.name] = map[string]int{}
		for _, p := range sitePrinters {
			for k, c := range tickets(s.printers[p]) {
				paper[s.name][p+"/"+k] += c
			}
		}
	}
	seen := 0
	for i, j := range l.jobs {
		rec := states[0][i]
		for h := 1; h < len(f.hubs); h++ {
			if states[h][i].State != rec.State || states[h][i].Reason != rec.Reason {
				o.disagree++
				t.Errorf("%s: hub 0 reads %s %s, hub %d %s %s", j.key, rec.State, rec.Reason, h, states[h][i].State, states[h][i].Reason)
			}
		}
		c := paper[j.site][j.printer+"/"+j.key]
		seen += c
		switch {
		case j.id == "":
			o.lost++
			t.Errorf("%s: never accepted (%d posts)", j.key, j.tries)
		case rec.State == fleet.Unknown && c <= 1:
			o.unknown++
			o.unknownAt[j.site+"/"+j.printer]++
			t.Logf("%s (%s) at %s/%s: unknown (%s), printed %d times; the site's log of it:\n%s", j.key, j.id, j.site, j.printer, rec.Reason, c, f.siteLog(j.site, j.id))
		case rec.State == fleet.Printed && c == 1:
			o.printed++
		case c > 1:
			o.doubled++
			t.Errorf("%s (%s): %s %s, printed %d times", j.key, j.id, rec.State, rec.Reason, c)
		default:
			o.lost++
			t.Errorf("%s (%s): %s %s at the hubs, printed %d times", j.key, j.id, rec.State, rec.Reason, c)
		}
	}
	total := 0
	for _, m := range paper {
		for _, c := range m {
			total += c
		}
	}
	if total != seen {
		t.Errorf("%d FLEET tickets on paper, %d of them this load's jobs at their printers", total, seen)
	}
	for _, s := range f.sites {
		for _, p := range sitePrinters {
			if u := o.unknownAt[s.name+"/"+p]; u > s.crashes {
				t.Errorf("%s/%s: %d unknown for %d crashes of its site", s.name, p, u, s.crashes)
			}
		}
	}
	for i := range f.hubs {
		if n := strings.Count(f.hub(i).logs.String(), "slow consumer"); n > 0 {
			t.Logf("hub %d dropped messages as a slow consumer %d times", i, n)
		}
	}
	return o
}

// final reads job id at hub until it is final or end passes (at least
// once): the state, or what the hub answered instead as its Reason.
func (f *realFleet) final(hub *daemon, id string, end time.Time) fleet.Record {
	var rec fleet.Record
	for {
		// Shorter than fleetClient's timeout, so the answer comes.
		wait := max(min(time.Until(end), 15*time.Second), 0).Round(time.Second)
		resp, err := fleetClient.Get(hub.url + "/v1/jobs/" + id + "?wait=" + wait.String())
		if err != nil {
			rec = fleet.Record{Reason: err.Error()}
		} else {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			rec = fleet.Record{}
			if resp.StatusCode != 200 && resp.StatusCode != 202 || json.Unmarshal(body, &rec) != nil {
				rec = fleet.Record{Reason: fmt.Sprintf("%d %s", resp.StatusCode, body)}
			}
			if rec.State.Final() {
				return rec
			}
		}
		if !time.Now().Before(end) {
			return rec
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// clusterState names each fleet stream's leader and replicas, and the
// hubs' logs: what a failed run needs to be read.
func (f *realFleet) clusterState() string {
	var b strings.Builder
	nc, err := nats.Connect(f.c.URL(), nats.Timeout(2*time.Second))
	if err != nil {
		return err.Error()
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, name := range []string{fleet.JobsStream, fleet.EventsStream, "KV_" + fleet.JobsBucket, "KV_" + fleet.SitesBucket, "KV_" + fleet.CancelsBucket} {
		st, err := js.Stream(ctx, name)
		if err != nil {
			fmt.Fprintf(&b, "%s: %v\n", name, err)
			continue
		}
		info := st.CachedInfo()
		fmt.Fprintf(&b, "%s: %d msgs", name, info.State.Msgs)
		if info.Cluster != nil {
			fmt.Fprintf(&b, ", leader %q", info.Cluster.Leader)
			for _, r := range info.Cluster.Replicas {
				fmt.Fprintf(&b, ", %s current=%v offline=%v lag=%d", r.Name, r.Current, r.Offline, r.Lag)
			}
		}
		b.WriteString("\n")
	}
	for i := range f.hubs {
		fmt.Fprintf(&b, "--- hub %d:\n%s\n", i, f.hub(i).logs)
	}
	return b.String()
}

// printedKeys are the keys of the lines "FLEET <key>" on dev's paper, in
// the order printed.
func printedKeys(dev *virtual.Device) []string {
	var keys []string
	for _, tk := range dev.Tickets() {
		raw := tk.Raw
		for {
			i := bytes.Index(raw, []byte("FLEET "))
			if i < 0 {
				break
			}
			k, rest, _ := bytes.Cut(raw[i+len("FLEET "):], []byte("\n"))
			keys = append(keys, string(k))
			raw = rest
		}
	}
	return keys
}

// tickets counts the keys printed on dev.
func tickets(dev *virtual.Device) map[string]int {
	n := map[string]int{}
	for _, k := range printedKeys(dev) {
		n[k]++
	}
	return n
}

// onPaper counts the FLEET lines printed so far at every site.
func (f *realFleet) onPaper() int {
	n := 0
	for _, s := range f.sites {
		for _, dev := range s.printers {
			n += len(printedKeys(dev))
		}
	}
	return n
}

// siteLog is the lines of site's log that name job id.
func (f *realFleet) siteLog(site, id string) string {
	var b strings.Builder
	for _, s := range f.sites {
		if s.name != site {
			continue
		}
		s.mu.Lock()
		for line := range strings.Lines(s.d.logs.String()) {
			if strings.Contains(line, id) {
				b.WriteString(line)
			}
		}
		s.mu.Unlock()
	}
	return b.String()
}

// logs is every binary's log, for a failure's message.
func (f *realFleet) logs() string {
	var b strings.Builder
	for _, s := range f.sites {
		s.mu.Lock()
		fmt.Fprintf(&b, "--- site %s:\n%s\n", s.name, s.d.logs)
		s.mu.Unlock()
	}
	return b.String()
}
