package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
