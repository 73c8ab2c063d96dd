package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/pull/cloudprnt"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/station"
	"github.com/secuprint/receipt/receipt"
)

// loadBench is a spool of jobs jobs queued for printers CloudPRNT
// printers, and the handlers over loopback HTTP.
func loadBench(tb testing.TB, printerCount, jobs int) (*httptest.Server, []*PulledPrinter) {
	tb.Helper()
	sp, err := spool.Open(filepath.Join(tb.TempDir(), "spool.db"))
	require.NoError(tb, err)
	tb.Cleanup(func() { sp.Close() })
	var ps []*PulledPrinter
	for i := range printerCount {
		ps = append(ps, &PulledPrinter{Name: "p" + strconv.Itoa(i), Kind: PullCloudPRNT, MAC: fmt.Sprintf("00:11:62:00:%02x:%02x", i/256, i%256),
			Secret: "load-secret-" + strconv.Itoa(1e6+i), Media: []cloudprnt.MediaType{cloudprnt.MediaStarPRNT}, PollInterval: 5 * time.Second})
	}
	dir, err := NewPullTable(ps)
	require.NoError(tb, err)
	var wg sync.WaitGroup
	const workers = 256
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < jobs; i += workers {
				if _, _, err := sp.Enqueue(ps[i%printerCount].Name, "k"+strconv.Itoa(i), "", make([]byte, 600), nil); err != nil {
					tb.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	h := &PullHandlers{Dir: dir, Spool: sp}
	mux := http.NewServeMux()
	mux.Handle("/cloudprnt/", h.CloudPRNT())
	return httptest.NewServer(mux), ps
}

func pollOnce(c *http.Client, base string, p *PulledPrinter) error {
	body := `{"status":"23 86 00 00 00 00 00 00 00","printerMAC":"` + p.MAC + `","statusCode":"200%20OK","printingInProgress":false}`
	res, err := c.Post(base+"/cloudprnt/"+p.Secret, "application/json", strings.NewReader(body))
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var buf [512]byte
	for {
		if _, err := res.Body.Read(buf[:]); err != nil {
			break
		}
	}
	if res.StatusCode != 200 {
		return fmt.Errorf("poll: %s", res.Status)
	}
	return nil
}

// BenchmarkCloudPRNTPoll is one poll's answer over loopback HTTP with
// 30 000 jobs queued for 100 printers: its cost must not grow with the
// spool (docs/pull-printers.md has the figures).
func BenchmarkCloudPRNTPoll(b *testing.B) {
	srv, ps := loadBench(b, 100, 30000)
	c := srv.Client()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := pollOnce(c, srv.URL, ps[i%len(ps)]); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCloudPRNTPollLoad is 100 printers polling every 5 s against a spool
// of 30 000 jobs, reporting the answers' p50/p99. A measurement, not a
// pass/fail timing: it runs only with RECEIPT_PULL_LOAD set (a duration,
// e.g. 60s), outside the race run and make test; RECEIPT_PULL_LOAD_JOBS
// changes the spool's size.
func TestCloudPRNTPollLoad(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("RECEIPT_PULL_LOAD"))
	if err != nil {
		t.Skip("set RECEIPT_PULL_LOAD=60s to measure poll latency under load")
	}
	jobs := 30000
	if n, err := strconv.Atoi(os.Getenv("RECEIPT_PULL_LOAD_JOBS")); err == nil {
		jobs = n // to compare spool sizes
	}
	srv, ps := loadBench(t, 100, jobs)
	var mu sync.Mutex
	var took []time.Duration
	var wg sync.WaitGroup
	stop := time.Now().Add(d)
	for i, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Transport: &http.Transport{}}      // one connection per printer, as printers have
			time.Sleep(time.Duration(i) * 50 * time.Millisecond) // spread over the 5 s
			for time.Now().Before(stop) {
				t0 := time.Now()
				if err := pollOnce(c, srv.URL, p); err != nil {
					t.Error(err)
					return
				}
				dt := time.Since(t0)
				mu.Lock()
				took = append(took, dt)
				mu.Unlock()
				time.Sleep(5*time.Second - dt)
			}
		}()
	}
	wg.Wait()
	slices.Sort(took)
	q := func(f float64) time.Duration { return took[int(f*float64(len(took)-1))] }
	t.Logf("%d polls from %d printers over %s, spool of %d jobs: p50 %s, p99 %s, max %s",
		len(took), len(ps), d, jobs, q(0.50), q(0.99), took[len(took)-1])
}

// BenchmarkCloudPRNTFetch is a whole receipt fetched over HTTP in each
// media type (bytes per fetch reported as B/job).
func BenchmarkCloudPRNTFetch(b *testing.B) {
	prof, err := printers.Lookup("mC-Print3")
	require.NoError(b, err)
	data, err := os.ReadFile("../../../testdata/secuconnect/card-topup.json")
	require.NoError(b, err)
	tx, err := receipt.ParseTransaction(data)
	require.NoError(b, err)
	r, err := receipt.NewRenderer(receipt.Options{Profile: prof, EndCut: escpos.CutPartial})
	require.NoError(b, err)
	job, _, err := r.RenderTransaction(nil, tx)
	require.NoError(b, err)
	for _, typ := range []cloudprnt.MediaType{cloudprnt.MediaStarPRNT, cloudprnt.MediaPNG} {
		b.Run(strings.ReplaceAll(string(typ), "/", "_"), func(b *testing.B) {
			bench := newPullBench(b, testMAC)
			bench.h.Now = nil
			bench.star.PNG = station.JobPNG(prof)
			j, _, err := bench.sp.Enqueue("star", "k", "", job, nil)
			require.NoError(b, err)
			u := bench.srv.URL + "/cloudprnt/" + testCPSecret + "?" + url.Values{"type": {string(typ)}, "token": {j.ID}}.Encode()
			n := 0
			for b.Loop() {
				res, err := http.Get(u)
				require.NoError(b, err)
				var buf [32 << 10]byte
				n = 0
				for {
					m, err := res.Body.Read(buf[:])
					n += m
					if err != nil {
						break
					}
				}
				res.Body.Close()
				require.Equal(b, 200, res.StatusCode)
			}
			b.ReportMetric(float64(n), "B/job")
		})
	}
}
