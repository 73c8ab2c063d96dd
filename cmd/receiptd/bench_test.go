package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secuprint/receipt/printers/virtual"
)

// The benchmarks load the real binary over loopback HTTP.

func BenchmarkRenderEndpoint(b *testing.B) {
	d := start(b, "-data-dir", b.TempDir())
	tx, err := os.ReadFile(filepath.Join("..", "..", "testdata", "secuconnect", "pay-missing-sum.json"))
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.SetParallelism(8)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Post(d.url+"/v1/render?model=TM-T88V", "application/json", strings.NewReader(string(tx)))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

func BenchmarkDurableEnqueue(b *testing.B) {
	dev, addr := printerAt(b)
	dev.SetFault(virtual.Offline, true) // jobs stay queued: only the enqueue is measured
	d := start(b, "-data-dir", b.TempDir(), "-printer", "front="+addr+",model=TM-T88V")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var n atomic.Int64
	b.SetParallelism(16)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			tx := fmt.Sprintf(`{"id":"B-%d","receipt":[{"type":"textline","value":{"text":"job %d"}}]}`, i, i)
			req, _ := http.NewRequest("POST", d.url+"/v1/printers/front/jobs", strings.NewReader(tx))
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				b.Errorf("%v\n%s", err, d.logs)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "jobs/s")
}

// BenchmarkPostToPrinter measures an idle printer's latency from POST to
// the first byte of the ticket at the virtual printer (status traffic
// aside), and on to its cut.
func BenchmarkPostToPrinter(b *testing.B) {
	dev, addr := printerAt(b)
	d := start(b, "-data-dir", b.TempDir(), "-printer", "front="+addr+",model=TM-T88V")
	starts, cuts := make(chan time.Time, 1), make(chan time.Time, 1)
	dev.OnTicketStart(func(at time.Time) { starts <- at })
	dev.OnTicket(func(virtual.Ticket) { cuts <- time.Now() })
	var first, cut []time.Duration
	i := 0
	for b.Loop() {
		i++
		tx := fmt.Sprintf(`{"id":"L-%d","receipt":[{"type":"separator","value":{"caption":"Beleg"}},{"type":"name-value","value":{"name":"Betrag","value":"7,96 EUR"}}]}`, i)
		t0 := time.Now()
		req, _ := http.NewRequestWithContext(context.Background(), "POST", d.url+"/v1/printers/front/jobs?wait=5s", strings.NewReader(tx))
		req.Header.Set("Content-Type", "application/json")
		// ?wait: the answer comes with the outcome, so the printer is idle
		// again for the next POST.
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		first = append(first, (<-starts).Sub(t0))
		cut = append(cut, (<-cuts).Sub(t0))
	}
	b.StopTimer()
	report := func(lat []time.Duration, name string) {
		slices.Sort(lat)
		for _, q := range []int{50, 90, 99} {
			b.ReportMetric(float64(lat[len(lat)*q/100].Microseconds())/1000, name+"-p"+strconv.Itoa(q)+"-ms")
		}
	}
	report(first, "first-byte")
	report(cut, "cut")
}
