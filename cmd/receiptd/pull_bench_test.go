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
	dm := start(t, "-config", config)

	var mu sync.Mutex
	var took []time.Duration
	stop := time.Now().Add(d)
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
	require.NotEmpty(t, took)
	slices.Sort(took)
	q := func(f float64) time.Duration { return took[int(f*float64(len(took)-1))] }
	load, _ := exec.Command("uptime").Output()
	t.Logf("%d polls from %d printers over %s, spool of %d jobs, through receiptd: p50 %s, p99 %s, max %s; %s",
		len(took), printerCount, d, jobs, q(0.50), q(0.99), took[len(took)-1], strings.TrimSpace(string(load)))
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
