package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
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

	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers/spool"
)

// Pulled printers measured through the receiptd binary, over loopback
// HTTP (docs/pull-printers.md has the figures).

func loadMAC(i int) string { return fmt.Sprintf("00:11:62:00:%02x:%02x", i/256, i%256) }
func loadSecret(i int) string {
	return "load-secret-" + strconv.Itoa(1e6+i)
}

// TestPulledPollLoadBinary is printers CloudPRNT printers polling receiptd
// every 5 s against a spool of 30 000 queued jobs, reporting the answers'
// p50/p99. A measurement, not a pass/fail timing: it runs only with
// RECEIPTD_PULL_LOAD set (a duration, e.g. 60s), outside make test;
// RECEIPTD_PULL_LOAD_JOBS changes the spool's size.
func TestPulledPollLoadBinary(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("RECEIPTD_PULL_LOAD"))
	if err != nil {
		t.Skip("set RECEIPTD_PULL_LOAD=60s to measure poll latency through the binary")
	}
	const printerCount = 100
	jobs := 30000
	if n, err := strconv.Atoi(os.Getenv("RECEIPTD_PULL_LOAD_JOBS")); err == nil {
		jobs = n
	}
	data := t.TempDir()
	var cfg strings.Builder
	cfg.WriteString("data_dir = \"" + data + "\"\njob_deadline = \"24h\"\n")
	for i := range printerCount {
		fmt.Fprintf(&cfg, "\n[[printer]]\nname = \"p%d\"\naddress = \"cloudprnt://%s\"\nmodel = \"mC-Print3\"\nsecret = %q\npoll_interval = \"5s\"\n",
			i, loadMAC(i), loadSecret(i))
	}
	config := filepath.Join(t.TempDir(), "receiptd.toml")
	require.NoError(t, os.WriteFile(config, []byte(cfg.String()), 0o600))
	// The jobs are queued before receiptd starts: never fetched, each
	// poll offers the first of its printer's.
	sp, err := spool.Open(filepath.Join(data, "spool.db"))
	require.NoError(t, err)
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(jobs); i = next.Add(1) - 1 {
				if _, _, err := sp.EnqueueJob("p"+strconv.Itoa(int(i)%printerCount), "k"+strconv.FormatInt(i, 10), spool.Job{}, make([]byte, 600)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	require.NoError(t, sp.Close())
	// RECEIPTD_PULL_PROFILE=DIR runs the debug build and keeps, from the
	// middle of the run, a CPU profile, an execution trace and the
	// collector's trace (gctrace) in DIR.
	profDir := os.Getenv("RECEIPTD_PULL_PROFILE")
	var dm *daemon
	var debugURL string
	if profDir != "" {
		_, err := debugBinary()
		require.NoError(t, err)
		t.Setenv("GODEBUG", "gctrace=1")
		dm, debugURL = startDebug(t, "-config", config)
		go func() {
			time.Sleep(d / 4)
			for _, f := range []struct{ path, file string }{
				{"/debug/pprof/trace?seconds=" + strconv.Itoa(int(d.Seconds()/4)), "trace.out"},
				{"/debug/pprof/profile?seconds=" + strconv.Itoa(int(d.Seconds()/4)), "cpu.pprof"},
			} {
				resp, err := http.Get(debugURL + f.path)
				if err != nil {
					t.Error(err)
					return
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err == nil {
					err = os.WriteFile(filepath.Join(profDir, f.file), b, 0o644)
				}
				if err != nil {
					t.Error(err)
				}
			}
		}()
		t.Cleanup(func() {
			_ = os.WriteFile(filepath.Join(profDir, "stderr.log"), dm.logs.Bytes(), 0o644)
		})
	} else {
		dm = start(t, "-config", config)
	}

	var mu sync.Mutex
	var took []time.Duration
	stop := time.Now().Add(d)
	// A control beside the polls: GET /healthz, which touches neither the
	// spool nor the pull handlers, every 50 ms on a connection of its own.
	// A tail it shares is the box's and the HTTP stack's, not the poll's.
	var health []time.Duration
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := &http.Client{Transport: &http.Transport{}}
		for time.Now().Before(stop) {
			t0 := time.Now()
			resp, err := c.Get(dm.url + "/healthz")
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			health = append(health, time.Since(t0))
			time.Sleep(50 * time.Millisecond)
		}
	}()
	waited0, ran0 := runQueue(dm.cmd.Process.Pid)
	self0, selfRan0 := runQueue(os.Getpid())
	for i := range printerCount {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Transport: &http.Transport{}}      // one connection per printer, as printers have
			time.Sleep(time.Duration(i) * 50 * time.Millisecond) // spread over the 5 s
			body := `{"status":"23 86 00 00 00 00 00 00 00","printerMAC":"` + loadMAC(i) + `","statusCode":"200%20OK","printingInProgress":false}`
			for time.Now().Before(stop) {
				t0 := time.Now()
				resp, err := c.Post(dm.url+"/cloudprnt/"+loadSecret(i), "application/json", strings.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				dt := time.Since(t0)
				if resp.StatusCode != 200 {
					t.Errorf("poll: %s", resp.Status)
					return
				}
				mu.Lock()
				took = append(took, dt)
				mu.Unlock()
				time.Sleep(5*time.Second - dt)
			}
		}()
	}
	wg.Wait()
	waited, ran := runQueue(dm.cmd.Process.Pid)
	self, selfRan := runQueue(os.Getpid())
	require.NotEmpty(t, took)
	q := func(took []time.Duration, f float64) time.Duration {
		slices.Sort(took)
		return took[int(f*float64(len(took)-1))]
	}
	load, _ := exec.Command("uptime").Output()
	t.Logf("%d polls from %d printers over %s, spool of %d jobs, through receiptd: p50 %s, p99 %s, max %s; %s",
		len(took), printerCount, d, jobs, q(took, 0.50), q(took, 0.99), q(took, 1), strings.TrimSpace(string(load)))
	t.Logf("control, %d GET /healthz: p50 %s, p99 %s, max %s", len(health), q(health, 0.50), q(health, 0.99), q(health, 1))
	t.Logf("run queue (schedstat): receiptd ran %s and waited %s for a CPU; this test process ran %s and waited %s",
		ran-ran0, waited-waited0, selfRan-selfRan0, self-self0)
}

// runQueue is how long the threads of process pid have waited on the
// kernel's run queue for a CPU, and how long they ran, so far
// (/proc/PID/task/*/schedstat; threads that ended are not counted).
func runQueue(pid int) (waited, ran time.Duration) {
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/schedstat")
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var run, wait int64
		if _, err := fmt.Sscan(string(b), &run, &wait); err == nil {
			ran += time.Duration(run)
			waited += time.Duration(wait)
		}
	}
	return waited, ran
}

// BenchmarkPulledFetchBinary is a whole receipt (card top-up) posted to
// receiptd's JSON API and fetched by its printer: again and again over
// CloudPRNT in each media type (idempotent until confirmed), and once per
// job over SDP (B/job: the answer's bytes).
func BenchmarkPulledFetchBinary(b *testing.B) {
	tx, err := os.ReadFile(filepath.Join("..", "..", "testdata", "secuconnect", "card-topup.json"))
	require.NoError(b, err)
	config := filepath.Join(b.TempDir(), "receiptd.toml")
	require.NoError(b, os.WriteFile(config, []byte(`
data_dir = "`+b.TempDir()+`"
[[printer]]
name = "star"
address = "cloudprnt://`+e2eMAC+`"
model = "mC-Print3"
secret = "`+e2eStarKey+`"
[[printer]]
name = "epson"
address = "sdp://`+e2eEpsonID+`"
model = "TM-m30II"
secret = "`+e2eEpsonKey+`"
`), 0o600))
	d := start(b, "-config", config)
	status, j, err := post(d.url+"/v1/printers/star/jobs", string(tx), "")
	require.NoError(b, err)
	require.Equal(b, 202, status)
	for _, typ := range []string{"application/vnd.star.starprnt", "image/png"} {
		b.Run(strings.ReplaceAll(typ, "/", "_"), func(b *testing.B) {
			u := d.url + "/cloudprnt/" + e2eStarKey + "?" + url.Values{"mac": {e2eMAC}, "type": {typ}, "token": {j.ID}}.Encode()
			n := 0
			for b.Loop() {
				resp, err := http.Get(u)
				require.NoError(b, err)
				m, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				require.Equal(b, 200, resp.StatusCode)
				n = int(m)
			}
			b.ReportMetric(float64(n), "B/job")
		})
	}
	b.Run("sdp", func(b *testing.B) {
		form := url.Values{"ConnectionType": {"GetRequest"}, "ID": {e2eEpsonID}}.Encode()
		n, i := 0, 0
		for b.Loop() {
			b.StopTimer()
			i++
			status, _, err := post(d.url+"/v1/printers/epson/jobs", string(tx), fmt.Sprint("sdp-", i))
			require.NoError(b, err)
			require.Equal(b, 202, status)
			b.StartTimer()
			resp, err := http.Post(d.url+"/sdp/"+e2eEpsonKey, "application/x-www-form-urlencoded", strings.NewReader(form))
			require.NoError(b, err)
			m, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			require.Equal(b, 200, resp.StatusCode)
			require.NotZero(b, m, "the job is in the answer")
			n = int(m)
		}
		b.ReportMetric(float64(n), "B/job")
	})
}
