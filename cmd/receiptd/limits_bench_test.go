package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secuprint/receipt/printers/spool"
)

// memKB reads the daemon's resident set now (VmRSS) and at its peak
// (VmHWM), in KiB.
func (d *daemon) memKB(t testing.TB) (rss, peak int) {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(d.cmd.Process.Pid) + "/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		n, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "VmRSS:":
			rss = n
		case "VmHWM:":
			peak = n
		}
	}
	return rss, peak
}

// TestSlowAnnouncementsCostWhatTheySent: 500 connections announce a 1 MiB
// body and send 150 bytes of it; the service's memory grows by what came,
// not by what was announced (it grew by 1 MiB per connection before).
func TestSlowAnnouncementsCostWhatTheySent(t *testing.T) {
	if raceBuild {
		t.Skip("the race detector's memory says nothing about the service's")
	}
	d := start(t, "-data-dir", t.TempDir())
	host := strings.TrimPrefix(d.url, "http://")
	rss0, _ := d.memKB(t)
	const conns = 500
	head := "POST /v1/printers/virtual/jobs HTTP/1.1\r\nHost: " + host +
		"\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n" + `{"id":"slow","receipt":[{"type":"textline","value":{"text":"`
	head += strings.Repeat("x", 150-(len(head)-strings.Index(head, "\r\n\r\n")-4))
	var cs []net.Conn
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	for range conns {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
		if _, err := io.WriteString(c, head); err != nil {
			t.Fatal(err)
		}
	}
	// The service has read what came once a request that follows on a
	// fresh connection is answered (the handlers run as bytes arrive).
	time.Sleep(time.Second)
	resp, err := http.Get(d.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	rss, peak := d.memKB(t)
	t.Logf("%d connections announcing 1 MiB, 150 bytes sent: RSS %d → %d KiB (peak %d KiB), %+d KiB",
		conns, rss0, rss, peak, rss-rss0)
	if grown := peak - rss0; grown > 64<<10 {
		t.Errorf("RSS grew by %d KiB: the announced bodies were allocated", grown)
	}
}

// BenchmarkListJobsHistory: GET /v1/jobs?limit=50 over HTTP, the web
// page's poll, with 0 and 30 000 finished jobs in the spool.
func BenchmarkListJobsHistory(b *testing.B) {
	for _, history := range []int{0, 100, 30000} {
		b.Run(strconv.Itoa(history), func(b *testing.B) {
			dir := b.TempDir()
			if history > 0 {
				fill(b, filepath.Join(dir, "spool.db"), history)
			}
			d := start(b, "-data-dir", dir) // fails the jobs of printer "old", no longer configured
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			var lat []time.Duration
			for b.Loop() {
				t0 := time.Now()
				resp, err := client.Get(d.url + "/v1/jobs?limit=50")
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || (history > 0 && n < 50*100) {
					b.Fatalf("status %d, %d bytes", resp.StatusCode, n)
				}
				lat = append(lat, time.Since(t0))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// fill stores n jobs for printer "old" in the spool at path.
func fill(b testing.TB, path string, n int) {
	sp, err := spool.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 64 { // concurrent enqueues share commits
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				key := "h-" + strconv.FormatInt(i, 10)
				if _, _, err := sp.EnqueueJob("old", key, spool.Job{TransactionID: key}, bytes.Repeat([]byte("x"), 300)); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := sp.Close(); err != nil {
		b.Fatal(err)
	}
}

// bigTransaction is a transaction of about 1 MiB whose lines say tag.
func bigTransaction(tag string) string {
	var sb strings.Builder
	sb.WriteString(`{"receipt":[`)
	line := `{"type":"textline","value":{"text":"` + tag + ` 0123456789 abcdefghij ABCDEFGHIJ 0123456789 abcdefghij ABCDEFGHIJ 0123456789 abcdefghij ABCDEFGHIJ"}}`
	for i := 0; sb.Len()+len(line)+3 < 1<<20; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(line)
	}
	sb.WriteString(`]}`)
	return sb.String()
}

// BenchmarkConcurrentBigRenders: 32 clients render a different 1 MiB
// transaction as PNG at once, each retrying after a 503 as Retry-After
// says. All get their picture; the service's peak memory is that of the
// renders it allows at once, not of 32 (1.8 GB before). One round of 32
// takes some 15 s on 2 cores: run with -benchtime=1x.
func BenchmarkConcurrentBigRenders(b *testing.B) {
	if raceBuild {
		b.Skip("the race detector's memory says nothing about the service's")
	}
	d := start(b, "-data-dir", b.TempDir())
	const clients = 32
	bodies := make([]string, clients)
	for i := range bodies {
		bodies[i] = bigTransaction(fmt.Sprintf("client %02d", i))
	}
	var busy atomic.Int64
	round := 0
	for b.Loop() {
		round++
		var wg sync.WaitGroup
		for i := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := bodies[i] + strings.Repeat(" ", round) // another receipt each round: no cache hit
				for {
					resp, err := http.Post(d.url+"/v1/render?model=TM-T88V&format=png", "application/json", strings.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					png, _ := io.ReadAll(bufio.NewReader(resp.Body))
					resp.Body.Close()
					if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "1" {
						busy.Add(1)
						time.Sleep(time.Second)
						continue
					}
					if resp.StatusCode != 200 || !bytes.HasPrefix(png, []byte("\x89PNG")) {
						b.Errorf("client %d: status %d: %.200s", i, resp.StatusCode, png)
					}
					return
				}
			}()
		}
		wg.Wait()
	}
	_, peak := d.memKB(b)
	b.ReportMetric(float64(peak)/1024, "peak-rss-MB")
	b.ReportMetric(float64(busy.Load())/float64(round), "503s/round")
}

// TestUnreadListPagesAreBounded: 100 clients ask for the largest page of
// a 30 000-job history and never read the answer (100 such 10 000-job
// answers held 2.4 GB before). A page is at most 1000 jobs, encoded one
// job at a time.
func TestUnreadListPagesAreBounded(t *testing.T) {
	if raceBuild || testing.Short() {
		t.Skip("a memory measurement")
	}
	dir := t.TempDir()
	fill(t, filepath.Join(dir, "spool.db"), 30000)
	d := start(t, "-data-dir", dir)
	resp, err := http.Get(d.url + "/v1/jobs?limit=10000")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("limit=10000: status %d, want 400", resp.StatusCode)
	}
	host := strings.TrimPrefix(d.url, "http://")
	rss0, _ := d.memKB(t)
	for range 100 {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, "GET /v1/jobs?limit=1000 HTTP/1.1\r\nHost: "+host+"\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(3 * time.Second) // the handlers have written what the sockets take
	rss, _ := d.memKB(t)
	t.Logf("100 unread 1000-job pages of 30 000 jobs: RSS %d → %d KiB", rss0, rss)
	if rss-rss0 > 200<<10 {
		t.Errorf("RSS grew by %d KiB", rss-rss0)
	}
}
