package station

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/printers/virtual/virtualtest"
	"github.com/secuprint/receipt/receipt"
)

// logoRig is a spool, a logo book and a virtual printer on loopback, with
// stations of the printer "front" under changing configurations.
type logoRig struct {
	sp   *spool.Spool
	book *LogoFile
	dev  *virtual.Device
	addr string
	prof string
}

func newLogoRig(t testing.TB, model string) *logoRig {
	t.Helper()
	prof, err := printers.Lookup(model)
	require.NoError(t, err)
	dev, addr := virtualtest.TCP(t, virtual.Options{Profile: prof})
	book, err := OpenLogoFile(filepath.Join(t.TempDir(), "logos.json"))
	require.NoError(t, err)
	return &logoRig{sp: newSpool(t), book: book, dev: dev, addr: addr, prof: model}
}

// station is the printer configured with tpl and copies.
func (r *logoRig) station(t testing.TB, tpl string, copies int) *Station {
	t.Helper()
	open := func(ctx context.Context, c Config) (printers.Printer, error) {
		p, _ := printers.Lookup(r.prof)
		return printers.Open(ctx, r.addr, printers.OpenOptions{Profile: p})
	}
	st := newStation(t, Config{Name: "front", Model: r.prof, Template: tpl, Logo: "stored", Copies: copies},
		Options{Spool: r.sp, Logos: r.book, Open: open})
	t.Cleanup(func() { st.Close() })
	return st
}

// run starts the printer's worker on st until the returned stop.
func (r *logoRig) run(t *testing.T, st *Station) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		// As receiptd runs it: the station is told each job's end.
		observe := func(j spool.Job, res printers.Result, _ time.Duration) { _ = st.Finished(j, res) }
		_ = r.sp.Run(ctx, "front", st.Printer, spool.WorkerOptions{Backoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, Observe: observe})
	}()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	return stop
}

func (r *logoRig) submit(t *testing.T, st *Station, key string) spool.Job {
	t.Helper()
	a, err := st.Submit(context.Background(), transaction(t, "pay-missing-sum"), Request{Key: key})
	require.NoError(t, err)
	return a.Job
}

func (r *logoRig) wait(t *testing.T, id string) spool.Job {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	j, err := r.sp.Wait(ctx, id)
	require.NoError(t, err)
	require.True(t, j.State.Final(), "job %s still %s (%s)", id, j.State, j.Reason)
	return j
}

// holds reports whether the printer's NV memory holds exactly the logos
// st's configuration defines.
func (r *logoRig) holds(t *testing.T, st *Station) bool {
	t.Helper()
	job, err := st.Render(transaction(t, "pay-missing-sum"))
	require.NoError(t, err)
	want, err := receipt.AppendDefineLogos(nil, job.Report.Logos)
	require.NoError(t, err)
	return bytes.Equal(r.dev.Store().AppendDefinitions(nil), want)
}

// logoOf is a digest of the stored logo a ticket printed; "" when it
// printed none.
func logoOf(tk virtual.Ticket) string {
	if tk.Paper == nil {
		return ""
	}
	for _, l := range tk.Paper.Printed {
		if l.Image != nil && strings.HasPrefix(l.Label, `logo "LG"`) {
			sum := sha256.Sum256(l.Image.Pix)
			return hex.EncodeToString(sum[:8])
		}
	}
	return ""
}

// otherLogo writes the bakery template beside another logo (same key,
// another picture): the operator changed the logo.
func otherLogo(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "testdata", "templates")
	f, err := os.Open(filepath.Join(dir, "logo.png"))
	require.NoError(t, err)
	src, err := png.Decode(f)
	f.Close()
	require.NoError(t, err)
	img := image.NewGray(src.Bounds())
	draw.Draw(img, img.Bounds(), src, src.Bounds().Min, draw.Src)
	b := img.Bounds()
	for x := b.Min.X; x < b.Max.X; x++ {
		for y := b.Min.Y; y < b.Min.Y+4 && y < b.Max.Y; y++ {
			img.SetGray(x, y, color.Gray{})
		}
	}
	out := t.TempDir()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	require.NoError(t, os.WriteFile(filepath.Join(out, "logo.png"), buf.Bytes(), 0o644))
	tpl, err := os.ReadFile(filepath.Join(dir, "bakery.json"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(out, "bakery.json"), tpl, 0o644))
	return filepath.Join(out, "bakery.json")
}

var bakery = filepath.Join("..", "..", "testdata", "templates", "bakery.json")

// Issue 22 item 6: receipts queued around a logo change write the NV
// memory once per change (2 writes for 9 receipts), and every receipt sent
// after the change prints the new logo (item 5).
func TestStoredLogoOneWritePerChange(t *testing.T) {
	r := newLogoRig(t, "TM-T88V")
	old := r.station(t, bakery, 0)
	var ids []string
	for _, k := range []string{"a1", "a2", "a3", "a4"} {
		ids = append(ids, r.submit(t, old, k).ID) // queued before anything printed
	}
	stop := r.run(t, old)
	for _, id := range ids {
		assert.Equal(t, spool.Printed, r.wait(t, id).State)
	}
	stop()
	assert.Equal(t, 1, r.dev.Store().Writes(), "4 receipts, one logo: one write")
	assert.True(t, r.holds(t, old))

	// 3 more queued under the old logo, then the operator changes it and
	// restarts; 2 more come.
	ids = nil
	for _, k := range []string{"b1", "b2", "b3"} {
		ids = append(ids, r.submit(t, old, k).ID)
	}
	cur := r.station(t, otherLogo(t), 0)
	for _, k := range []string{"c1", "c2"} {
		ids = append(ids, r.submit(t, cur, k).ID)
	}
	r.run(t, cur)
	for _, id := range ids {
		assert.Equal(t, spool.Printed, r.wait(t, id).State)
	}
	assert.Equal(t, 2, r.dev.Store().Writes(), "9 receipts around one change: two writes")
	assert.True(t, r.holds(t, cur), "the printer holds the logo configured now")
	tickets := r.dev.Tickets()
	require.Len(t, tickets, 9)
	newLogo := logoOf(tickets[4])
	require.NotEmpty(t, newLogo)
	assert.NotEqual(t, logoOf(tickets[0]), newLogo, "the logo changed")
	for i, tk := range tickets[4:] {
		assert.Equal(t, newLogo, logoOf(tk), "receipt %d after the change", i+5)
	}
}

// Issue 22 item 5: a reprint of a receipt printed under an older logo
// does not write the older logo back.
func TestStoredLogoReprintKeepsTheCurrentLogo(t *testing.T) {
	r := newLogoRig(t, "TM-T88V")
	old := r.station(t, bakery, 0)
	stop := r.run(t, old)
	first := r.submit(t, old, "old-1")
	assert.Equal(t, spool.Printed, r.wait(t, first.ID).State)
	stop()

	cur := r.station(t, otherLogo(t), 0)
	r.run(t, cur)
	assert.Equal(t, spool.Printed, r.wait(t, r.submit(t, cur, "new-1").ID).State)
	cp, err := cur.Reprint(first.ID, "copy-1")
	require.NoError(t, err)
	assert.Equal(t, spool.Printed, r.wait(t, cp.ID).State)
	assert.Equal(t, spool.Printed, r.wait(t, r.submit(t, cur, "new-2").ID).State)

	assert.True(t, r.holds(t, cur), "the printer still holds the logo configured now")
	assert.Equal(t, 2, r.dev.Store().Writes())
	tickets := r.dev.Tickets()
	require.Len(t, tickets, 4)
	for i, tk := range tickets[1:] {
		assert.Equal(t, logoOf(tickets[1]), logoOf(tk), "ticket %d", i+2)
	}
}

// Issue 22 item 4: copies = 2 with a stored logo; the reprint is the copy
// banner and one whole receipt, printed.
func TestStoredLogoCopiesReprint(t *testing.T) {
	r := newLogoRig(t, "TM-T88V")
	st := r.station(t, bakery, 2)
	r.run(t, st)
	j := r.submit(t, st, "two")
	assert.Equal(t, spool.Printed, r.wait(t, j.ID).State)
	cp, err := st.Reprint(j.ID, "copy")
	require.NoError(t, err)
	done := r.wait(t, cp.ID)
	assert.Equal(t, spool.Printed, done.State, done.Reason)
	tickets := r.dev.Tickets()
	require.Len(t, tickets, 3, "two copies, then the reprint")
	assert.Contains(t, tickets[2].Paper.Text(), "KOPIE")
	assert.NotEmpty(t, logoOf(tickets[2]), "the reprint prints the stored logo")
	assert.Equal(t, 1, r.dev.Store().Writes())
}

// Jobs stored by an earlier version carry the define in front (after the
// copy banner on a copy): it is dropped at send time, the rest kept as is.
func TestStripDefines(t *testing.T) {
	st := newStation(t, Config{Name: "front", Model: "TM-T88V", Template: bakery, Logo: "stored"}, Options{})
	logos := st.currentLogos()
	require.Len(t, logos, 1, "learned from an empty transaction's render")
	define, err := receipt.AppendDefineLogos(nil, logos)
	require.NoError(t, err)
	receiptBytes := []byte("\x1b@receipt\n\x1dVB\x00")
	mark := st.copyMark()
	require.NotEmpty(t, mark)
	tests := []struct {
		name     string
		in, want []byte
	}{
		{"new job", receiptBytes, receiptBytes},
		{"legacy job", append(append([]byte{}, define...), receiptBytes...), receiptBytes},
		{"legacy copy", append(append(append([]byte{}, mark...), define...), receiptBytes...), append(append([]byte{}, mark...), receiptBytes...)},
		{"two defines", append(append(append([]byte{}, define...), define...), receiptBytes...), receiptBytes},
		{"truncated define kept", define[:len(define)/2], define[:len(define)/2]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, stripDefines(tt.in, mark))
		})
	}
}

// A station without a link (a printer that pulls its jobs) cannot define
// at send time: its job carries the definition, noted until its end.
func TestStoredLogoWithoutLinkCarriesTheDefine(t *testing.T) {
	sp := newSpool(t)
	book, err := OpenLogoFile("")
	require.NoError(t, err)
	st := newStation(t, Config{Name: "pulled", Model: "TM-T88V", Template: bakery, Logo: "stored"}, Options{Spool: sp, Logos: book})
	a, err := st.Submit(context.Background(), transaction(t, "pay-missing-sum"), Request{Key: "p1"})
	require.NoError(t, err)
	b, err := sp.Bytes(a.Job.ID)
	require.NoError(t, err)
	define, err := receipt.AppendDefineLogos(nil, st.currentLogos())
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(b, define))
	require.NoError(t, st.Finished(a.Job, printers.Result{Outcome: printers.OutcomePrinted}))
	a, err = st.Submit(context.Background(), transaction(t, "pay-missing-sum"), Request{Key: "p2"})
	require.NoError(t, err)
	b, err = sp.Bytes(a.Job.ID)
	require.NoError(t, err)
	assert.False(t, bytes.HasPrefix(b, define), "held once the first printed")
}
