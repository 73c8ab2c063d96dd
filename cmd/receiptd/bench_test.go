package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
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

// BenchmarkRenderEndpoint drives /v1/render with a lean load generator:
// 16 keep-alive connections that each send a prepared request and read the
// answer, the way wrk does. (net/http's client costs more CPU per request
// than the server; on this 2-core box it would measure itself.)
func BenchmarkRenderEndpoint(b *testing.B) {
	d := start(b, "-data-dir", b.TempDir())
	tx, err := os.ReadFile(filepath.Join("..", "..", "testdata", "secuconnect", "pay-missing-sum.json"))
	if err != nil {
		b.Fatal(err)
	}
	host := strings.TrimPrefix(d.url, "http://")
	req := []byte("POST /v1/render?model=TM-T88V HTTP/1.1\r\nHost: " + host +
		"\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(tx)) + "\r\n\r\n" + string(tx))
	var left atomic.Int64
	left.Store(int64(b.N))
	errs := make(chan error, 16)
	b.ResetTimer()
	start := time.Now()
	for range 16 {
		go func() { errs <- hammer(host, req, &left) }()
	}
	for range 16 {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// hammer sends req over one connection until left runs out, and checks
// each answer is a 200.
func hammer(host string, req []byte, left *atomic.Int64) error {
	c, err := net.Dial("tcp", host)
	if err != nil {
		return err
	}
	defer c.Close()
	r := bufio.NewReaderSize(c, 64<<10)
	for left.Add(-1) >= 0 {
		if _, err := c.Write(req); err != nil {
			return err
		}
		status, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if !bytes.HasPrefix(status, []byte("HTTP/1.1 200 ")) {
			return fmt.Errorf("answer %q", status)
		}
		size := -1
		for {
			line, err := r.ReadSlice('\n')
			if err != nil {
				return err
			}
			if len(line) <= 2 {
				break
			}
			if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
				size, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
			}
		}
		if size < 0 {
			return errors.New("answer without Content-Length")
		}
		if _, err := r.Discard(size); err != nil {
			return err
		}
	}
	return nil
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
