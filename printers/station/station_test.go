package station

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/receipt"
)

var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")

func transaction(t testing.TB, name string) *receipt.Transaction {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "secuconnect", name+".json"))
	require.NoError(t, err)
	tx, err := receipt.ParseTransaction(b)
	require.NoError(t, err)
	return tx
}

func newSpool(t testing.TB) *spool.Spool {
	t.Helper()
	sp, err := spool.Open(filepath.Join(t.TempDir(), "spool.db"))
	require.NoError(t, err)
	t.Cleanup(func() { sp.Close() })
	return sp
}

func newStation(t testing.TB, cfg Config, opt Options) *Station {
	t.Helper()
	st, err := New(cfg, opt)
	require.NoError(t, err)
	return st
}

func TestSubmitStoresTheRenderedJob(t *testing.T) {
	sp := newSpool(t)
	tx := transaction(t, "pay-missing-sum")
	one := newStation(t, Config{Name: "one", Model: "TM-T88V"}, Options{})
	single, err := one.Render(tx)
	require.NoError(t, err)
	require.NotEmpty(t, single.Bytes)

	var accepted []spool.Job
	st := newStation(t, Config{Name: "front", Model: "TM-T88V", Copies: 2}, Options{Spool: sp, Accepted: func(j spool.Job) { accepted = append(accepted, j) }})
	a, err := st.Submit(context.Background(), tx, Request{})
	require.NoError(t, err)
	assert.False(t, a.Existing)
	assert.Equal(t, DefaultKey(tx), a.Job.Key, "no key: the transaction's id and digest")
	assert.Equal(t, tx.ID, a.Job.TransactionID)
	assert.Equal(t, spool.SourceAPI, a.Job.Source)
	assert.Equal(t, 2, a.Job.Receipts)
	b, err := sp.Bytes(a.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, bytes.Repeat(single.Bytes, 2), b, "the copies print in one job")
	require.Len(t, accepted, 1)

	// The same receipt again is the same job; another under its key is refused.
	again, err := st.Submit(context.Background(), tx, Request{})
	require.NoError(t, err)
	assert.True(t, again.Existing)
	assert.Equal(t, a.Job.ID, again.Job.ID)
	other := transaction(t, "cash-start")
	_, err = st.Submit(context.Background(), other, Request{Key: a.Job.Key})
	var reused *KeyReusedError
	require.ErrorAs(t, err, &reused)
	assert.Equal(t, a.Job.ID, reused.Job.ID)
	assert.Len(t, accepted, 1, "only new jobs are counted")

	// The source the entrance names is stored.
	f, err := st.Submit(context.Background(), other, Request{Key: "fleet-1", Source: spool.SourceFleet})
	require.NoError(t, err)
	assert.Equal(t, spool.SourceFleet, f.Job.Source)
}

func TestSubmitRefuses(t *testing.T) {
	sp := newSpool(t)
	st := newStation(t, Config{Name: "front", Model: "TM-T88V"}, Options{Spool: sp})
	noID := transaction(t, "pay-missing-sum")
	noID.ID = ""
	_, err := st.Submit(context.Background(), noID, Request{})
	assert.ErrorIs(t, err, ErrNoKey)
	_, err = st.Submit(context.Background(), noID, Request{Key: "k", Source: "fax"})
	assert.ErrorIs(t, err, spool.ErrBadSource)

	render := newStation(t, Config{Name: "cli"}, Options{})
	_, err = render.Submit(context.Background(), noID, Request{Key: "k"})
	assert.ErrorIs(t, err, ErrNoSpool)
	_, err = render.SubmitDocument(context.Background(), Document{Bytes: []byte("x"), Key: "k"})
	assert.ErrorIs(t, err, ErrNoSpool)
}

func TestSubmitDocumentPrintsAsSent(t *testing.T) {
	sp := newSpool(t)
	tpl := filepath.Join("..", "..", "testdata", "templates", "bakery.json")
	st := newStation(t, Config{Name: "front", Model: "TM-T88V", Copies: 3, Template: tpl, Drawer: "always"}, Options{Spool: sp})
	doc := []byte("\x1b@ePOS converted\n\x1dV\x41\x00")
	_, err := st.SubmitDocument(context.Background(), Document{Bytes: doc, Source: spool.SourceEPOS})
	assert.ErrorIs(t, err, ErrNoKey, "a document brings its key")
	a, err := st.SubmitDocument(context.Background(), Document{Bytes: doc, Key: "epos-1", Source: spool.SourceEPOS, Warnings: []string{"w"}})
	require.NoError(t, err)
	assert.Equal(t, spool.SourceEPOS, a.Job.Source)
	assert.Equal(t, 0, a.Job.Receipts)
	assert.Equal(t, []string{"w"}, a.Job.Warnings)
	b, err := sp.Bytes(a.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, doc, b, "no template, no copies, no drawer kick")
}

func TestStoredLogoIsDefinedOnce(t *testing.T) {
	tpl := filepath.Join("..", "..", "testdata", "templates", "bakery.json")
	book, err := OpenLogoFile("")
	require.NoError(t, err)
	st := newStation(t, Config{Name: "front", Model: "TM-T88V", Template: tpl, Logo: "stored"}, Options{Logos: book})
	tx := transaction(t, "pay-missing-sum")
	first, err := st.Render(tx)
	require.NoError(t, err)
	require.NotEmpty(t, first.Defines, "the printer holds no logo yet")
	define, err := receipt.AppendDefineLogos(nil, first.Defines)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(first.Bytes, define))

	// Sent with a job that failed: defined again next time.
	book.Sent("front", "k1", first.Defines)
	require.NoError(t, st.Finished(spool.Job{Key: "k1"}, printers.Result{Outcome: printers.OutcomeFailed}))
	second, err := st.Render(tx)
	require.NoError(t, err)
	assert.NotEmpty(t, second.Defines)
	// Printed: held now.
	book.Sent("front", "k2", second.Defines)
	require.NoError(t, st.Finished(spool.Job{Key: "k2"}, printers.Result{Outcome: printers.OutcomePrinted}))
	third, err := st.Render(tx)
	require.NoError(t, err)
	assert.Empty(t, third.Defines)
	assert.Equal(t, first.Bytes[len(define):], third.Bytes)

	// A printer said to hold every logo gets none defined.
	held := newStation(t, Config{Name: "front", Model: "TM-T88V", Template: tpl, Logo: "stored"}, Options{Logos: LogosHeld{}})
	j, err := held.Render(tx)
	require.NoError(t, err)
	assert.Empty(t, j.Defines)
}

func TestTestPageOnStarLineIsUnsupported(t *testing.T) {
	sp := newSpool(t)
	st := newStation(t, Config{Name: "star", Model: "TSP650II"}, Options{Spool: sp})
	_, err := st.TestPage(context.Background(), "", spool.SourceAPI)
	assert.ErrorIs(t, err, ErrUnsupported)
	ok := newStation(t, Config{Name: "front", Model: "TM-T88V"}, Options{Spool: sp})
	a, err := ok.TestPage(context.Background(), "", spool.SourceAPI)
	require.NoError(t, err)
	assert.Contains(t, a.Job.Key, "test-page:")
	b, err := sp.Bytes(a.Job.ID)
	require.NoError(t, err)
	page, err := ok.RenderTestPage()
	require.NoError(t, err)
	assert.Equal(t, page, b)
}

// The test page is the printers package's, in the printer's language: as
// it is for ESC/POS, drawn as raster for Star Graphic, refused on Star
// Line Mode and StarPRNT, with or without a spool (the CLI's station).
func TestRenderTestPageEachLanguage(t *testing.T) {
	for _, tc := range []struct {
		model string
		err   error
	}{{"TM-T88V", nil}, {"ZJ-5870", nil}, {"TSP100III", nil}, {"TSP650II", ErrUnsupported}, {"mC-Print3", ErrUnsupported}} {
		t.Run(tc.model, func(t *testing.T) {
			st := newStation(t, Config{Model: tc.model}, Options{})
			got, err := st.RenderTestPage()
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
				assert.Contains(t, err.Error(), "speaks")
				return
			}
			require.NoError(t, err)
			want, err := printers.TestPage(st.Profile())
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Copies: MaxCopies + 1}, "copies 11 out of range"},
		{Config{Copies: -1}, "copies -1 out of range"},
		{Config{Logo: "nv"}, `logo "nv": want raster or stored`},
		{Config{DrawerPin: 3}, "drawer_pin 3: want 2 or 5"},
		{Config{Drawer: "sometimes"}, "sometimes"},
		{Config{Font: "C"}, "C"},
		{Config{Cut: "half"}, "half"},
		{Config{CodePages: []string{"CP999"}}, "CP999"},
	} {
		c.cfg.Name = "p"
		_, err := New(c.cfg, Options{})
		if assert.Error(t, err, "%+v", c.cfg) {
			assert.Contains(t, err.Error(), c.want)
			assert.Contains(t, err.Error(), `printer "p"`)
		}
	}
	_, err := New(Config{Name: "p", Model: "TM-NOPE"}, Options{})
	assert.True(t, errors.Is(err, printers.ErrUnknownModel), "%v", err)
	for _, bad := range []string{"", "a/b", "a b", "a?"} {
		assert.Error(t, CheckName(bad), bad)
	}
	assert.NoError(t, CheckName("front-1_a"))
}

func TestPreviewFormats(t *testing.T) {
	st := newStation(t, Config{Name: "front", Model: "TM-T88V"}, Options{})
	tx := transaction(t, "pay-missing-sum")
	_, err := st.Preview(context.Background(), tx, PreviewOptions{Format: "pdf"})
	assert.ErrorIs(t, err, ErrFormat)
	_, err = st.PreviewBytes(context.Background(), []byte("x"), FormatText)
	assert.ErrorIs(t, err, ErrFormat)

	job, err := st.Render(tx)
	require.NoError(t, err)
	p, err := st.Preview(context.Background(), tx, PreviewOptions{Format: FormatPrinter})
	require.NoError(t, err)
	assert.Equal(t, job.Bytes, p.Body, "the bytes a preview shows are the job's (no stored logos here)")
	text, err := st.Preview(context.Background(), tx, PreviewOptions{Format: FormatText})
	require.NoError(t, err)
	assert.Equal(t, "text/plain; charset=utf-8", text.ContentType)
	png, err := st.Preview(context.Background(), tx, PreviewOptions{Format: FormatPNG})
	require.NoError(t, err)
	assert.Equal(t, "image/png", png.ContentType)
	assert.True(t, bytes.HasPrefix(png.Body, []byte("\x89PNG")))
	// The job's own bytes draw the same paper as the transaction.
	fromJob, err := st.PreviewBytes(context.Background(), job.Bytes, FormatPNG)
	require.NoError(t, err)
	assert.Equal(t, png.Body, fromJob.Body)
}

func TestSubmitDocumentInESCPOSBecomesThePrintersLanguage(t *testing.T) {
	sp := newSpool(t)
	doc := []byte("\x1b@ePOS converted\n\x1dV\x41\x00")
	graphic := newStation(t, Config{Name: "tsp", Model: "TSP100III"}, Options{Spool: sp})
	a, err := graphic.SubmitDocument(context.Background(), Document{Bytes: doc, ESCPOS: true, Key: "e1", Source: spool.SourceEPOS})
	require.NoError(t, err)
	b, err := sp.Bytes(a.Job.ID)
	require.NoError(t, err)
	assert.NotEqual(t, doc, b, "a Star Graphic printer gets the drawing as raster")
	assert.True(t, bytes.HasPrefix(b, []byte("\x1b*r")), "Star Graphic raster mode: % x", b[:min(8, len(b))])
	// Bytes already in the printer's language go as sent.
	a, err = graphic.SubmitDocument(context.Background(), Document{Bytes: doc, Key: "e2", Source: spool.SourceEPOS})
	require.NoError(t, err)
	b, err = sp.Bytes(a.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, doc, b)

	// ESC/POS goes as sent to an ESC/POS printer.
	epson := newStation(t, Config{Name: "tm", Model: "TM-T88V"}, Options{Spool: sp})
	a, err = epson.SubmitDocument(context.Background(), Document{Bytes: doc, ESCPOS: true, Key: "e3", Source: spool.SourceEPOS})
	require.NoError(t, err)
	b, err = sp.Bytes(a.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, doc, b)

	// Star Line Mode and StarPRNT read other commands: refused, nothing
	// stored (it used to go as sent, a StarPRNT one with a page flush).
	for _, model := range []string{"TSP650II", "mC-Print3"} {
		star := newStation(t, Config{Name: "star", Model: model}, Options{Spool: sp})
		_, err = star.SubmitDocument(context.Background(), Document{Bytes: doc, ESCPOS: true, Key: "e4-" + model, Source: spool.SourceEPOS})
		assert.ErrorIs(t, err, ErrUnsupported, model)
		assert.Contains(t, err.Error(), "ESC/POS", model)
		// Its own language goes as sent; the key is new: nothing was stored.
		a, err = star.SubmitDocument(context.Background(), Document{Bytes: []byte("\x1b@star\n"), Key: "e4-" + model, Source: spool.SourceEPOS})
		require.NoError(t, err, model)
		assert.False(t, a.Existing, model)
	}
}

func TestNewKeyNamesOneRequest(t *testing.T) {
	a, b := NewKey(spool.SourceEPOS), NewKey(spool.SourceEPOS)
	assert.NotEqual(t, a, b)
	assert.Regexp(t, `^epos:[0-9a-f]{24}$`, a)
}

// A printer that pulls its jobs takes jobs like any other with no link
// opened, and its logos go as pictures: no worker tells the station its
// jobs' ends, so a stored logo would be defined with every receipt.
func TestPulledPrinterStation(t *testing.T) {
	for _, tt := range []struct {
		address string
		pulled  bool
	}{{"cloudprnt://00:11:62:1a:2b:3c", true}, {"sdp://shop-1", true}, {"tcp://127.0.0.1:9100", false}, {"virtual://", false}, {"nonsense", false}} {
		assert.Equal(t, tt.pulled, Config{Address: tt.address}.Pulled(), tt.address)
	}
	cfg := Config{Name: "bar", Address: "sdp://shop-1", Model: "TM-m30II", Logo: "stored"}
	set, err := cfg.settle()
	require.NoError(t, err)
	assert.Equal(t, receipt.LogoRaster, set.opt.Logos)
	opened := false
	st := newStation(t, cfg, Options{Spool: newSpool(t), Open: func(context.Context, Config) (printers.Printer, error) {
		opened = true
		return nil, errors.New("not to be opened")
	}})
	a, err := st.Submit(context.Background(), transaction(t, "card-topup"), Request{})
	require.NoError(t, err)
	assert.Equal(t, spool.Queued, a.Job.State)
	assert.False(t, opened)
}
