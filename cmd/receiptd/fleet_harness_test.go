package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers/fleet"
	"github.com/secuprint/receipt/printers/fleet/fleettest"
	"github.com/secuprint/receipt/printers/virtual"
)

// realFleet is the fleet through the binaries: a 3-node
// JetStream cluster, receiptd hubs, and receiptd sites (role "site"),
// each printing to two virtual printers over TCP at instant speed and
// reaching the cluster only through its own cuttable proxy.
type realFleet struct {
	t       *testing.T
	c       *fleettest.Cluster
	hubConf string
	mu      sync.Mutex
	hubs    []*daemon
	sites   []*realSite
}

// realSite is one site binary, its proxy and its printers p1 and p2.
type realSite struct {
	name     string
	args     []string
	proxy    *fleettest.Proxy
	printers map[string]*virtual.Device
	mu       sync.Mutex
	d        *daemon
	crashes  int // kills -9 so far
}

var sitePrinters = []string{"p1", "p2"}

// startRealFleet starts the cluster, hubs hub binaries and sites site
// binaries s1…, and waits until every hub knows every site.
func startRealFleet(t *testing.T, hubs, sites int) *realFleet {
	// NoAdvertise: a site knows only its proxy's addresses, so a cut
	// proxy is a cut uplink.
	f := &realFleet{t: t, c: fleettest.Start(t, fleettest.Options{NoAdvertise: true})}
	dir := t.TempDir()
	f.hubConf = filepath.Join(dir, "hub.toml")
	require.NoError(t, os.WriteFile(f.hubConf, []byte("[fleet]\nrole = \"hub\"\nreplicas = 3\nnats = "+natsList(f.c.URLs())+"\n"), 0o600))
	for range hubs {
		f.hubs = append(f.hubs, f.startHub())
	}
	for i := range sites {
		s := &realSite{name: fmt.Sprintf("s%d", i+1), proxy: fleettest.NewProxy(t, f.c.URLs()...), printers: map[string]*virtual.Device{}}
		conf := "[fleet]\nrole = \"site\"\nsite = \"" + s.name + "\"\nnats = " + natsList(s.proxy.URLs()) + "\n"
		for _, p := range sitePrinters {
			dev, addr := printerAt(t)
			s.printers[p] = dev
			conf += "\n[[printer]]\nname = \"" + p + "\"\naddress = \"" + addr + "\"\nmodel = \"TM-T88V\"\n"
		}
		path := filepath.Join(dir, s.name+".toml")
		require.NoError(t, os.WriteFile(path, []byte(conf), 0o600))
		s.args = []string{"-config", path, "-data-dir", t.TempDir()}
		s.d = start(t, s.args...)
		f.sites = append(f.sites, s)
	}
	f.waitSites()
	return f
}

func natsList(urls []string) string { return `["` + strings.Join(urls, `", "`) + `"]` }

func (f *realFleet) startHub() *daemon {
	return start(f.t, "-config", f.hubConf, "-data-dir", f.t.TempDir())
}

// hub is hub i (mod the number), as it runs now.
func (f *realFleet) hub(i int) *daemon {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hubs[i%len(f.hubs)]
}

// killHub kills hub i -9 and starts another in its place after pause:
// the clients meanwhile retry on the others.
func (f *realFleet) killHub(i int, pause time.Duration) {
	f.hub(i).kill()
	time.Sleep(pause)
	d := f.startHub()
	f.mu.Lock()
	f.hubs[i] = d
	f.mu.Unlock()
}

// crash kills site s -9 and starts it again on its data.
func (f *realFleet) crash(s *realSite) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d.kill()
	s.crashes++
	s.d = start(f.t, s.args...)
}

// waitSites waits until every hub lists every site with its printers.
func (f *realFleet) waitSites() {
	for i := range f.hubs {
		deadline := time.Now().Add(30 * time.Second)
		for {
			var got struct{ Sites []fleet.SiteView }
			resp, err := http.Get(f.hub(i).url + "/v1/sites")
			if err == nil {
				_ = json.NewDecoder(resp.Body).Decode(&got)
				resp.Body.Close()
			}
			ready := 0
			for _, s := range got.Sites {
				if len(s.Printers) == len(sitePrinters) {
					ready++
				}
			}
			if ready == len(f.sites) {
				break
			}
			require.True(f.t, time.Now().Before(deadline), "sites not announced: %+v", got)
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// fleetJob is one job of a load: its key prints as "FLEET <key>".
type fleetJob struct {
	key, site, printer string
	id                 string // set once a hub accepted it
	tries              int    // posts until accepted
}

// load posts its jobs from clients, each retried with the same key on
// the next hub until one accepts it (202).
type load struct {
	jobs     []fleetJob
	accepted atomic.Int64
	failed   atomic.Int64 // given up after retrying for two minutes
	stopped  atomic.Bool
	// refused counts the posts not accepted by answer (0: no answer).
	mu      sync.Mutex
	refused map[int]int
	// stall is the longest time no job was accepted while posting, and
	// when (since began) it ended.
	stall, stallEnd time.Duration
	done            chan struct{}
	began           time.Time
	took            time.Duration // until the last was accepted
}

var fleetClient = &http.Client{Timeout: 20 * time.Second}

// startLoad posts up to n jobs named prefix-i, spread over every site
// and printer, from clients goroutines starting at hub c mod hubs, each
// pausing pace after a job; with one client a printer's jobs are
// accepted in the order of i.
func (f *realFleet) startLoad(prefix string, n, clients int, pace time.Duration) *load {
	l := &load{jobs: make([]fleetJob, n), done: make(chan struct{}), began: time.Now(), refused: map[int]int{}}
	for i := range l.jobs {
		s := f.sites[i%len(f.sites)]
		p := sitePrinters[(i/len(f.sites))%len(sitePrinters)]
		l.jobs[i] = fleetJob{key: fmt.Sprintf("%s-%05d", prefix, i), site: s.name, printer: p}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for {
				if l.stopped.Load() {
					return
				}
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				j := &l.jobs[i]
				end := time.Now().Add(2 * time.Minute)
				for try := c; ; try++ {
					j.tries++
					id, code := f.post(f.hub(try), *j)
					if id != "" {
						j.id = id
						l.accepted.Add(1)
						break
					}
					l.mu.Lock()
					l.refused[code]++
					l.mu.Unlock()
					if time.Now().After(end) {
						l.failed.Add(1)
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
				time.Sleep(pace)
			}
		})
	}
	go func() {
		last, at := int64(0), time.Now()
		for {
			select {
			case <-l.done:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if a := l.accepted.Load(); a != last {
				last, at = a, time.Now()
				continue
			}
			l.mu.Lock()
			if d := time.Since(at); d > l.stall {
				l.stall, l.stallEnd = d, time.Since(l.began)
			}
			l.mu.Unlock()
		}
	}()
	go func() {
		wg.Wait()
		l.took = time.Since(l.began)
		// The jobs taken are a prefix: drop those never posted.
		if k := slices.IndexFunc(l.jobs, func(j fleetJob) bool { return j.tries == 0 }); k >= 0 {
			l.jobs = l.jobs[:k]
		}
		close(l.done)
	}()
	return l
}

// stop ends the load: the jobs posted so far are its jobs.
func (l *load) stop() {
	l.stopped.Store(true)
	<-l.done
}

// post posts j once at hub and returns the job id when it was accepted,
// else the answer's status (0: none).
func (f *realFleet) post(hub *daemon, j fleetJob) (string, int) {
	body := `{"id":"` + j.key + `","receipt":[{"type":"textline","value":{"text":"FLEET ` + j.key + `"}}]}`
	req, _ := http.NewRequest("POST", hub.url+"/v1/sites/"+j.site+"/printers/"+j.printer+"/jobs", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", j.key)
	resp, err := fleetClient.Do(req)
	if err != nil {
		return "", 0
	}
	defer resp.Body.Close()
	var rec fleet.Record
	if resp.StatusCode != 202 && resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&rec) != nil {
		return "", resp.StatusCode
	}
	return rec.ID, resp.StatusCode
}

// refusals are the posts not accepted, by answer, and the longest
// pause in accepting.
func (l *load) refusals() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprintf("posts refused by answer %v (0: none), longest pause in accepting %v (ended at %v)",
		l.refused, l.stall.Round(10*time.Millisecond), l.stallEnd.Round(100*time.Millisecond))
}

// waitAccepted waits until k jobs were accepted (or all were tried).
func (l *load) waitAccepted(k int) {
	for l.accepted.Load()+l.failed.Load() < int64(min(k, len(l.jobs))) {
		time.Sleep(5 * time.Millisecond)
	}
}

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
