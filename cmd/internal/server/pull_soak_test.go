package server

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/pull/cloudprnt"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/station"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/printers/virtual/pullprinter"
)

// procFigures are this process's goroutines, open files and resident
// memory.
func procFigures(t *testing.T) (goroutines, fds int, rssKiB int) {
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	b, err := os.ReadFile("/proc/self/statm")
	require.NoError(t, err)
	f := strings.Fields(string(b))
	pages, _ := strconv.Atoi(f[1])
	return runtime.NumGoroutine(), len(ents), pages * os.Getpagesize() / 1024
}

// heapFigures is the heap in use after a collection, and how much of it
// the virtual printers hold in the tickets they keep (every ticket's
// bytes and drawing, by design: Device.Tickets).
func heapFigures(devs ...*virtual.Device) (heapKiB, keptKiB int) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	kept := 0
	for _, d := range devs {
		for _, tk := range d.Tickets() {
			kept += len(tk.Raw)
			if tk.Paper != nil {
				kept += len(tk.Paper.Image().Pix)
			}
		}
	}
	return int(m.HeapInuse / 1024), kept / 1024
}

// TestPullSoak is three printers (CloudPRNT StarPRNT, CloudPRNT PNG, SDP)
// polling every second while jobs flow, for RECEIPT_PULL_SOAK (e.g. 10m):
// every job prints exactly once, and goroutines, files and memory stay
// flat. Run once, outside the race run and make test.
func TestPullSoak(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("RECEIPT_PULL_SOAK"))
	if err != nil {
		t.Skip("set RECEIPT_PULL_SOAK=10m to soak the pulled printers")
	}
	b := newPullBench(t, testMAC)
	b.h.Now = nil
	star3, err := printers.Lookup("mC-Print3")
	require.NoError(t, err)
	tm, err := printers.Lookup("TM-T88V")
	require.NoError(t, err)
	// A second CloudPRNT printer, fed pictures.
	pic := &PulledPrinter{Name: "star-png", Kind: PullCloudPRNT, MAC: "00:11:62:1a:2b:3d", Secret: "soak-secret-png-0123",
		Media: []cloudprnt.MediaType{cloudprnt.MediaPNG}, PollInterval: time.Second, PNG: station.JobPNG(star3)}
	dir, err := NewPullTable([]*PulledPrinter{b.star, b.epson, pic})
	require.NoError(t, err)
	b.h.Dir = dir

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type puller struct {
		name string
		dev  *virtual.Device
	}
	var pullers []puller
	start := func(name string, opt pullprinter.Options, sdp bool) {
		dev, err := virtual.New(virtual.Options{Profile: opt.Profile})
		require.NoError(t, err)
		t.Cleanup(func() { dev.Close() })
		opt.Device, opt.Interval, opt.PrintTimeout = dev, time.Second, 10*time.Second
		run := pullprinter.RunCloudPRNT
		if sdp {
			run = pullprinter.RunSDP
		}
		go func() { _ = run(ctx, opt) }()
		pullers = append(pullers, puller{name, dev})
	}
	start("star", pullprinter.Options{Profile: star3, URL: b.srv.URL + "/cloudprnt", MAC: testMAC, Password: testCPSecret}, false)
	start("star-png", pullprinter.Options{Profile: star3, URL: b.srv.URL + "/cloudprnt/" + pic.Secret, MAC: pic.MAC}, false)
	start("epson", pullprinter.Options{Profile: tm, URL: b.srv.URL + "/sdp", ID: "shop-1", Password: testSDPSecret}, true)

	jobs := map[string]string{"star": "\x1b@soak %d\n\x1bd\x03", "star-png": "\x1b@soak %d\n\x1bd\x03", "epson": "\x1b@soak %d\n\x1dVB\x00"}
	var ids []string
	g0, f0, r0 := procFigures(t)
	t.Logf("start: goroutines %d, fds %d, RSS %d KiB", g0, f0, r0)
	end := time.Now().Add(d)
	next := time.Now().Add(time.Minute)
	for i := 0; time.Now().Before(end); i++ {
		p := pullers[i%3].name
		j, _, err := b.sp.Enqueue(p, "soak-"+strconv.Itoa(i), "", []byte(strings.Replace(jobs[p], "%d", strconv.Itoa(i), 1)), nil)
		require.NoError(t, err)
		ids = append(ids, j.ID)
		time.Sleep(400 * time.Millisecond)
		if time.Now().After(next) {
			g, f, r := procFigures(t)
			heap, kept := heapFigures(pullers[0].dev, pullers[1].dev, pullers[2].dev)
			t.Logf("%s: jobs %d, goroutines %d, fds %d, RSS %d KiB, heap after GC %d KiB of which the virtual printers' kept tickets %d KiB",
				time.Until(end).Round(time.Second), len(ids), g, f, r, heap, kept)
			next = next.Add(time.Minute)
		}
	}
	for _, id := range ids {
		waitState(t, b.sp, id, spool.Printed)
	}
	tickets := 0
	for _, p := range pullers {
		tickets += len(p.dev.Tickets())
	}
	assert.Equal(t, len(ids), tickets, "every job printed exactly once")
	g1, f1, r1 := procFigures(t)
	heap, kept := heapFigures(pullers[0].dev, pullers[1].dev, pullers[2].dev)
	t.Logf("end: %d jobs, %d tickets; goroutines %d, fds %d, RSS %d KiB, heap after GC %d KiB of which kept tickets %d KiB",
		len(ids), tickets, g1, f1, r1, heap, kept)
}
