package fleet

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/station"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/receipt"
)

// A site announces what its own page shows of a printer (the station's
// last status read), not only its worker's fault: an idle printer out of
// paper reads "paper end" at the hubs, an unreachable one "offline". A
// job the printer refused for want of paper goes back to the site's
// queue; the hub's record, folded from the site's changes, keeps it
// printing (a generation never moves back) and says why it waits, until
// it prints.
func TestStationLocalPrinterStatus(t *testing.T) {
	prof, err := printers.Lookup("TM-T88V")
	require.NoError(t, err)
	d, err := virtual.New(virtual.Options{Profile: prof})
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	a, err := d.ListenTCP(context.Background(), "127.0.0.1:0")
	require.NoError(t, err)
	sp, err := spool.Open(filepath.Join(t.TempDir(), "spool.db"))
	require.NoError(t, err)
	t.Cleanup(func() { sp.Close() })
	open := func(ctx context.Context, c station.Config) (printers.Printer, error) {
		return printers.Open(ctx, c.Address, printers.OpenOptions{})
	}
	st, err := station.New(station.Config{Name: "front", Model: "TM-T88V", Address: "tcp://" + a.String()},
		station.Options{Spool: sp, Open: open})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	l := NewStationLocal(sp, []*station.Station{st})
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { stop(); wg.Wait() })
	front := func() PrinterStatus {
		t.Helper()
		ps := l.Printers()
		require.Len(t, ps, 1)
		return ps[0]
	}

	assert.Equal(t, PrinterStatus{Name: "front", Status: "ok"}, front(), "nothing read yet")
	_, err = st.ReadStatus(ctx)
	require.NoError(t, err)
	p := front()
	assert.Equal(t, "ok", p.Status)
	assert.True(t, p.Ready)
	require.NotNil(t, p.PrinterStatus)
	assert.True(t, p.PrinterStatus.Online)
	assert.WithinDuration(t, time.Now(), p.ReadAt, 5*time.Second)

	// Out of paper, idle: no job, no worker fault.
	d.SetFault(virtual.PaperEnd, true)
	_, err = st.ReadStatus(ctx)
	require.NoError(t, err)
	p = front()
	assert.Equal(t, "paper end", p.Status)
	assert.False(t, p.Ready)
	require.NotNil(t, p.PrinterStatus)
	assert.True(t, p.PrinterStatus.PaperEnd)
	assert.Contains(t, p.Problems, p.PrinterStatus.String())
	assert.Empty(t, p.Error)

	// A job for it: sent, refused (nothing printed), back in the queue.
	var mu sync.Mutex
	var changes []Change
	l.Attach(func(ch Change) { mu.Lock(); changes = append(changes, ch); mu.Unlock() })
	got := func() []Change { mu.Lock(); defer mu.Unlock(); return slices.Clone(changes) }
	wg.Go(func() { l.Watch(ctx) })
	wg.Go(func() {
		_ = sp.Run(ctx, "front", st.Printer, spool.WorkerOptions{Backoff: 50 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	})
	tx, err := receipt.ParseTransaction([]byte(`{"id":"t1","receipt":[{"type":"textline","value":{"text":"FLEET P"}}]}`))
	require.NoError(t, err)
	require.NoError(t, l.Submit(ctx, Job{ID: "f0001", Site: "s1", Printer: "front", Deadline: time.Now().Add(time.Minute)}, tx))
	rec := Record{ID: "f0001", Site: "s1", Printer: "front", Attempt: 1, State: Queued}
	folded := 0
	foldAll := func() {
		for _, ch := range got()[folded:] {
			fold(&rec, ch)
			folded++
		}
	}
	require.Eventually(t, func() bool {
		foldAll()
		return rec.Waiting != ""
	}, 10*time.Second, 5*time.Millisecond, "%+v", got())
	assert.Equal(t, Printing, rec.State, "a generation never moves back")
	assert.Equal(t, "waiting: paper end", rec.Waiting)
	j, err := sp.KeyJob("front", "f0001")
	require.NoError(t, err)
	assert.Equal(t, spool.Queued, j.State, "at the site: queued, its page says waiting")
	assert.Equal(t, "paper end", front().Status)

	// Paper loaded: it prints; the record no longer waits.
	d.SetFault(virtual.PaperEnd, false)
	require.Eventually(t, func() bool {
		foldAll()
		return rec.State == Printed
	}, 10*time.Second, 5*time.Millisecond, "%+v", got())
	assert.Empty(t, rec.Waiting)
	assert.Equal(t, "ok", front().Status, "the job's confirmation is a status read")
	require.NoError(t, d.WaitTickets(ctx, 1))

	// The printer gone: the next read fails, the site says offline.
	require.NoError(t, d.Close())
	require.NoError(t, st.Close())
	_, err = st.ReadStatus(ctx)
	require.Error(t, err)
	p = front()
	assert.Equal(t, "offline", p.Status)
	assert.Nil(t, p.PrinterStatus, "as the site's page: no status, the read's error")
	assert.Equal(t, err.Error(), p.Error)
	assert.Equal(t, []string{p.Error}, p.Problems)
}
