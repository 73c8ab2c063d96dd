package server

import (
	"context"
	"log/slog"
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

// virtualPuller starts the virtual printer's pull mode against the bench.
func virtualPuller(t *testing.T, b *pullBench, model string, sdp bool) *virtual.Device {
	t.Helper()
	prof, err := printers.Lookup(model)
	require.NoError(t, err)
	dev, err := virtual.New(virtual.Options{Profile: prof})
	require.NoError(t, err)
	t.Cleanup(func() { dev.Close() })
	b.h.Now = nil
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	opt := pullprinter.Options{Device: dev, Profile: prof, Interval: 20 * time.Millisecond, PrintTimeout: 5 * time.Second,
		Logger: slog.New(slog.NewTextHandler(tWriter{t}, nil))}
	go func() {
		defer close(done)
		if sdp {
			opt.URL, opt.ID, opt.Password = b.srv.URL+"/sdp", "shop-1", testSDPSecret
			assert.NoError(t, pullprinter.RunSDP(ctx, opt))
		} else {
			opt.URL, opt.MAC, opt.Password = b.srv.URL+"/cloudprnt", testMAC, testCPSecret
			assert.NoError(t, pullprinter.RunCloudPRNT(ctx, opt))
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return dev
}

func TestVirtualPrinterPullsCloudPRNT(t *testing.T) {
	b := newPullBench(t, testMAC)
	dev := virtualPuller(t, b, "mC-Print3", false)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	j1, _, err := b.sp.Enqueue("star", "k1", "", []byte("\x1b@first\n\x1bd\x03"), nil)
	require.NoError(t, err)
	waitState(t, b.sp, j1.ID, spool.Printed)
	require.NoError(t, dev.WaitTickets(ctx, 1))
	tk := dev.Tickets()[0]
	require.NotNil(t, tk.Paper)
	assert.Contains(t, tk.Paper.Text(), "first", "fetched in its own language and printed")
	assert.True(t, tk.Cut)
	st := b.h.Status(b.star)
	assert.Equal(t, "receipt virtual-printer", st.ClientType, "clientAction answered")
	assert.Equal(t, 576, st.PrintableDots)

	// Paper out while a job waits: it is not offered; back, it prints.
	dev.SetFault(virtual.PaperEnd, true)
	require.Eventually(t, func() bool { return b.h.Status(b.star).Status.PaperEnd }, 5*time.Second, 10*time.Millisecond)
	j2, _, err := b.sp.Enqueue("star", "k2", "", []byte("\x1b@second\n\x1bd\x03"), nil)
	require.NoError(t, err)
	time.Sleep(200 * time.Millisecond) // ten polls
	assert.Equal(t, spool.Queued, b.state(t, j2.ID), "waits while the paper is out")
	dev.SetFault(virtual.PaperEnd, false)
	waitState(t, b.sp, j2.ID, spool.Printed)
	require.NoError(t, dev.WaitTickets(ctx, 2))
}

func TestVirtualPrinterPullsPNG(t *testing.T) {
	b := newPullBench(t, testMAC)
	prof, err := printers.Lookup("mC-Print3")
	require.NoError(t, err)
	b.star.Media = []cloudprnt.MediaType{cloudprnt.MediaPNG}
	b.star.PNG = station.JobPNG(prof)
	dev := virtualPuller(t, b, "mC-Print3", false)
	j, _, err := b.sp.Enqueue("star", "k1", "", []byte("\x1b@picture\n\x1bd\x03"), nil)
	require.NoError(t, err)
	waitState(t, b.sp, j.ID, spool.Printed)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, dev.WaitTickets(ctx, 1))
	require.NotNil(t, dev.Tickets()[0].Paper)
}

func TestVirtualPrinterPullsSDP(t *testing.T) {
	b := newPullBench(t, testMAC)
	dev := virtualPuller(t, b, "TM-T88V", true)
	var js []spool.Job
	for _, k := range []string{"a", "b", "c"} {
		j, _, err := b.sp.Enqueue("epson", k, "", []byte("\x1b@job "+k+"\n\x1dVB\x00"), nil)
		require.NoError(t, err)
		js = append(js, j)
	}
	for _, j := range js {
		waitState(t, b.sp, j.ID, spool.Printed)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, dev.WaitTickets(ctx, 3))
	assert.Equal(t, "\x1b@job a\n\x1dVB\x00", string(dev.Tickets()[0].Raw))

	dev.SetFault(virtual.CoverOpen, true)
	require.Eventually(t, func() bool { return b.h.Status(b.epson).Status.CoverOpen }, 5*time.Second, 10*time.Millisecond)
	j, _, err := b.sp.Enqueue("epson", "d", "", []byte("\x1b@job d\n\x1dVB\x00"), nil)
	require.NoError(t, err)
	time.Sleep(200 * time.Millisecond)
	assert.Equal(t, spool.Queued, b.state(t, j.ID), "waits while the cover is open")
	dev.SetFault(virtual.CoverOpen, false)
	waitState(t, b.sp, j.ID, spool.Printed)
}

// tWriter logs through t.
type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
