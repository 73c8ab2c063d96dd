package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers/fleet"
	"github.com/secuprint/receipt/printers/fleet/fleettest"
	"github.com/secuprint/receipt/receipt"
)

func TestFleetConfigRefused(t *testing.T) {
	for _, c := range []struct{ toml, want string }{
		{"[fleet]\nrole = \"site\"\nsite = \"s.1\"\nnats = [\"nats://127.0.0.1:4222\"]\n", "letters, digits"},
		{"[fleet]\nrole = \"site\"\nsite = \"s1\"\n", "list the NATS cluster's URLs"},
		{"[fleet]\nrole = \"boss\"\n", "want hub or site"},
		{"[fleet]\nrole = \"hub\"\n", "list the NATS cluster's URLs"},
		{"[fleet]\nrole = \"hub\"\nnats = [\"nats://127.0.0.1:4222\"]\nreplicas = 7\n", "replicas 7"},
	} {
		path := filepath.Join(t.TempDir(), "receiptd.toml")
		require.NoError(t, os.WriteFile(path, []byte(c.toml), 0o600))
		code, _, errOut := runReceiptd(t, "-config", path, "-data-dir", t.TempDir(), "-listen", "127.0.0.1:0")
		assert.Equal(t, exitUsage, code, c.toml)
		assert.Contains(t, errOut, c.want)
	}
}

// sink is a site whose printer prints at once.
type sink struct {
	mu      sync.Mutex
	site    *fleet.Site
	printed map[string]int
}

func (l *sink) Submit(ctx context.Context, job fleet.Job, tx *receipt.Transaction) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.printed[job.ID]; !ok {
		l.printed[job.ID]++
		l.site.Report(fleet.Change{ID: job.ID, Printer: job.Printer, State: fleet.Printed})
	}
	return nil
}
func (l *sink) Cancel(context.Context, string) (bool, error) { return false, nil }
func (l *sink) Printers() []fleet.PrinterStatus {
	return []fleet.PrinterStatus{{Name: "front", Status: "ok"}}
}
func (l *sink) Jobs(context.Context) ([]fleet.Change, error) { return nil, nil }

// startHubFleet is a 3-node cluster, receiptd hubs and site s1 (in the
// test's process).
func startHubFleet(t *testing.T, hubs int) ([]*daemon, *sink) {
	c := fleettest.Start(t, fleettest.Options{SyncAlways: os.Getenv("RECEIPT_FLEET_SYNC") == "always"})
	path := filepath.Join(t.TempDir(), "hub.toml")
	conf := fmt.Sprintf("[fleet]\nrole = \"hub\"\nnats = [\"%s\"]\nreplicas = 3\n", strings.Join(c.URLs(), `", "`))
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o600))
	var ds []*daemon
	for range hubs {
		ds = append(ds, start(t, "-config", path, "-data-dir", t.TempDir()))
	}
	return ds, startSink(t, c)
}

// startSink runs site s1 in the test's process on cluster c, its printer
// front "printing" at once, until the test ends.
func startSink(t *testing.T, c *fleettest.Cluster) *sink {
	t.Helper()
	nc, err := nats.Connect(c.URL(), nats.MaxReconnects(-1))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithCancel(context.Background())
	l := &sink{printed: map[string]int{}}
	site, err := fleet.NewSite(ctx, js, fleet.SiteOptions{Site: "s1", Local: l})
	require.NoError(t, err)
	l.site = site
	require.NoError(t, site.Announce(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { _ = site.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	return l
}

func postFleet(url, key string) (*http.Response, error) {
	req, _ := http.NewRequest("POST", url+"/v1/sites/s1/printers/front/jobs", strings.NewReader(`{"id":"`+key+`","receipt":[{"type":"textline","value":{"text":"hello"}}]}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	return http.DefaultClient.Do(req)
}

// The hub binary: a job posted to it prints at its site; SIGTERM stops it.
func TestHubBinary(t *testing.T) {
	ds, l := startHubFleet(t, 1)
	resp, err := postFleet(ds[0].url, "k1")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 202, resp.StatusCode)
	resp, err = http.Get(ds[0].url + resp.Header.Get("Location") + "?wait=10s")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	l.mu.Lock()
	assert.Len(t, l.printed, 1)
	l.mu.Unlock()
	assert.Equal(t, 0, ds[0].stop(t))
}

// TestHubThroughput measures accepted jobs/s through the hub binaries
// over HTTP (RECEIPT_FLEET_BENCH=N jobs, RECEIPT_FLEET_HUBS=1 or 2,
// RECEIPT_FLEET_SYNC=always to fsync every write); each
// job is also printed at the site and its state folded.
func TestHubThroughput(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("RECEIPT_FLEET_BENCH"))
	if n == 0 {
		t.Skip("set RECEIPT_FLEET_BENCH=N to measure")
	}
	hubs, _ := strconv.Atoi(os.Getenv("RECEIPT_FLEET_HUBS"))
	ds, l := startHubFleet(t, max(hubs, 1))
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	begin := time.Now()
	for w := range 32 {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				resp, err := postFleet(ds[w%len(ds)].url, "b"+strconv.FormatInt(i, 10))
				if err != nil || resp.StatusCode != 202 {
					failed.Add(1)
				}
				if err == nil {
					resp.Body.Close()
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(begin)
	t.Logf("%d jobs accepted through %d hub(s) in %v: %.0f jobs/s, %d failed", n, len(ds), took, float64(n)/took.Seconds(), failed.Load())
	end := time.Now().Add(2 * time.Minute)
	for time.Now().Before(end) {
		l.mu.Lock()
		got := len(l.printed)
		l.mu.Unlock()
		if got == n {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("all printed at the site %v after the first post", time.Since(begin))
}

// Two hub binaries; one is killed -9 under load and the clients retry
// on the other with the same key: every job prints once.
func TestHubKilledClientsRetry(t *testing.T) {
	ds, l := startHubFleet(t, 2)
	const n = 200
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > n {
					return
				}
				if i == n/2 {
					ds[0].kill()
				}
				key := "kill" + strconv.FormatInt(i, 10)
				for try := w; ; try++ {
					resp, err := postFleet(ds[try%2].url, key)
					if err == nil {
						resp.Body.Close()
						if resp.StatusCode == 202 {
							break
						}
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	end := time.Now().Add(30 * time.Second)
	for {
		l.mu.Lock()
		got, doubled := len(l.printed), 0
		for _, c := range l.printed {
			if c > 1 {
				doubled++
			}
		}
		l.mu.Unlock()
		if got == n && doubled == 0 {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("printed %d of %d, %d doubled", got, n, doubled)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestHubLatency measures, at a steady RECEIPT_FLEET_RATE jobs/s (100)
// for RECEIPT_FLEET_LATENCY jobs, the time from posting a job to the hub
// answering it printed (GET ?wait), through one hub binary and a site
// whose printer prints at once.
func TestHubLatency(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("RECEIPT_FLEET_LATENCY"))
	if n == 0 {
		t.Skip("set RECEIPT_FLEET_LATENCY=N to measure")
	}
	rate, _ := strconv.Atoi(os.Getenv("RECEIPT_FLEET_RATE"))
	if rate == 0 {
		rate = 100
	}
	// post posts job i at the hub and returns its id ("" when refused).
	var hubURL, where string
	var post func(i int) string
	if os.Getenv("RECEIPT_FLEET_REAL_SITES") != "" {
		// Through site binaries (3, or RECEIPT_FLEET_SITES) × 2 virtual
		// printers over TCP.
		sites, _ := strconv.Atoi(os.Getenv("RECEIPT_FLEET_SITES"))
		if sites < 1 {
			sites = 3
		}
		f := startRealFleet(t, 1, sites)
		hubURL, where = f.hub(0).url, strconv.Itoa(sites)+" site binaries × 2 virtual printers"
		post = func(i int) string {
			id, _ := f.post(f.hub(0), fleetJob{key: "lat" + strconv.Itoa(i), site: f.sites[i%sites].name, printer: sitePrinters[(i/sites)%2]})
			return id
		}
	} else {
		ds, _ := startHubFleet(t, 1)
		hubURL, where = ds[0].url, "a site in the test process printing at once"
		post = func(i int) string {
			resp, err := postFleet(ds[0].url, "lat"+strconv.Itoa(i))
			if err != nil {
				return ""
			}
			resp.Body.Close()
			if resp.StatusCode != 202 {
				return ""
			}
			return strings.TrimPrefix(resp.Header.Get("Location"), "/v1/jobs/")
		}
	}
	took := make([]time.Duration, n)
	var wg sync.WaitGroup
	var failed atomic.Int64
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for i := range n {
		<-tick.C
		wg.Go(func() {
			begin := time.Now()
			id := post(i)
			if id == "" {
				failed.Add(1)
				return
			}
			resp, err := http.Get(hubURL + "/v1/jobs/" + id + "?wait=30s")
			if err != nil {
				failed.Add(1)
				return
			}
			var rec fleet.Record
			_ = json.NewDecoder(resp.Body).Decode(&rec)
			resp.Body.Close()
			if rec.State != fleet.Printed {
				failed.Add(1)
				return
			}
			took[i] = time.Since(begin)
		})
	}
	wg.Wait()
	slices.Sort(took)
	t.Logf("%d jobs at %d/s through one hub to %s, post to printed at the hub: p50 %v, p99 %v, max %v, %d failed",
		n, rate, where, took[n/2].Round(time.Millisecond), took[n*99/100].Round(time.Millisecond), took[n-1].Round(time.Millisecond), failed.Load())
}

// The example configurations under deploy/fleet load: the hub's is
// accepted, and so is the site's.
func TestDeployedFleetConfigs(t *testing.T) {
	t.Setenv("RECEIPTD_CONFIG", "")
	var stdout, stderr strings.Builder
	cfg, _, code := loadConfig([]string{"-config", "../../deploy/fleet/hub.toml"}, &stdout, &stderr)
	require.Equal(t, -1, code, stderr.String())
	require.NoError(t, cfg.Fleet.check())
	assert.Equal(t, "hub", cfg.Fleet.Role)
	assert.Len(t, cfg.Fleet.NATS, 3)
	assert.Equal(t, 3, cfg.Fleet.Replicas)
	assert.Equal(t, 15*time.Minute, cfg.Fleet.JobTTL.Duration)
	cfg, _, code = loadConfig([]string{"-config", "../../deploy/fleet/site.toml"}, &stdout, &stderr)
	require.Equal(t, -1, code, stderr.String())
	assert.Equal(t, "shop-0001", cfg.Fleet.Site)
	assert.NoError(t, cfg.Fleet.check())
}

// The hub binary with listen_tls and a self-signed certificate: the hub
// API answers over HTTPS (the certificate checked against the file the
// hub wrote), and a job posted there prints at its site.
func TestHubTLS(t *testing.T) {
	c := fleettest.Start(t, fleettest.Options{})
	dir := t.TempDir()
	path := filepath.Join(t.TempDir(), "hub.toml")
	conf := fmt.Sprintf("listen_tls = \"127.0.0.1:0\"\ntls = \"self-signed\"\n[fleet]\nrole = \"hub\"\nnats = [\"%s\"]\nreplicas = 3\n", strings.Join(c.URLs(), `", "`))
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o600))
	cmd := exec.Command(binary, "-listen", "127.0.0.1:0", "-config", path, "-data-dir", dir)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	logs := &daemonLog{}
	cmd.Stderr = logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	r := bufio.NewReader(out)
	first, err := r.ReadString('\n')
	require.NoError(t, err, "hub did not start: %s", logs)
	require.Contains(t, first, "receiptd hub listening on http://")
	line, err := r.ReadString('\n')
	require.NoError(t, err, "no HTTPS listener: %s", logs)
	_, rest, ok := strings.Cut(line, "listening on ")
	require.True(t, ok, line)
	url := strings.Fields(rest)[0]
	require.True(t, strings.HasPrefix(url, "https://127.0.0.1:"), line)
	go io.Copy(io.Discard, r)

	startSink(t, c)

	pem, err := os.ReadFile(filepath.Join(dir, selfSignedCert))
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 20 * time.Second}
	req, _ := http.NewRequest("POST", url+"/v1/sites/s1/printers/front/jobs", strings.NewReader(`{"id":"t1","receipt":[{"type":"textline","value":{"text":"hello"}}]}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "t1")
	resp, err := client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 202, resp.StatusCode)
	resp, err = client.Get(url + resp.Header.Get("Location") + "?wait=10s")
	require.NoError(t, err)
	var got struct {
		State string `json:"state"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
	resp.Body.Close()
	assert.Equal(t, "printed", got.State)
	// A client that does not trust the certificate is refused.
	_, err = http.Get(url + "/v1/sites")
	require.Error(t, err)
}
