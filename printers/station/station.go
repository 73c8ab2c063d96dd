package station

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/receipt"
)

// The errors a station answers with besides the spool's (spool.ErrBadKey,
// spool.ErrQuarantined, spool.ErrNotFound, …) and the receipt's
// (*receipt.LineError, *receipt.BlockError, *receipt.BasketError).
var (
	// ErrNoKey: a transaction without an id came without an idempotency
	// key; a retry could not be told from a new receipt.
	ErrNoKey = errors.New("station: no idempotency key, and the transaction has no id")
	// ErrRender: a receipt that parsed could not be made into the
	// printer's bytes or a preview (a bug, or a printer's limit).
	ErrRender = errors.New("station: render failed")
	// ErrUnsupported: the printer cannot print what was asked (an
	// ESC/POS document or the test page on a Star Line or StarPRNT
	// printer).
	ErrUnsupported = errors.New("station: not supported by this printer")
	// ErrNoSpool: a station without a spool (the CLI's) takes no jobs.
	ErrNoSpool = errors.New("station: no spool: this station renders only")
)

// DocumentError is a transaction the renderer refuses to print: the
// sender's fault (often a *receipt.LineError, *receipt.BlockError or
// *receipt.BasketError inside). Nothing was stored.
type DocumentError struct{ Err error }

func (e *DocumentError) Error() string { return e.Err.Error() }
func (e *DocumentError) Unwrap() error { return e.Err }

// KeyReusedError: the idempotency key already names a job that prints
// another receipt, or a job of another printer (a key names one receipt
// on one printer, across the service). Nothing was queued; Job is the
// key's job.
type KeyReusedError = spool.KeyReusedError

// Options are what a station shares with the service around it.
type Options struct {
	// Spool stores its jobs; nil makes a station that only renders and
	// previews (the receipt CLI).
	Spool *spool.Spool
	// Open connects to the printer (printers.Open in production).
	Open Opener
	// Logos knows which stored logos the printer holds; nil: an
	// in-memory LogoFile.
	Logos LogoBook
	// Gate bounds renders and previews across the stations sharing it;
	// nil: a gate of its own.
	Gate *Gate
	// Hooks for metrics, each optional: a receipt rendered, a new job
	// accepted, a status read.
	Rendered   func(took time.Duration)
	Accepted   func(j spool.Job)
	StatusRead func(printer string, st printers.Status, err error)
	// Identified, for a printer configured with model "auto", is told
	// each identification after a reconnect: what it said, how it
	// compares with the last (printers.ChangeSwapped: another unit;
	// ChangeModel: another model), and a link error.
	Identified func(printer string, res printers.Identification, change printers.Change, err error)
}

// Station is one configured printer as the service runs it: its profile,
// template, locale, logo policy, drawer, copies, link and last status.
// Every entrance (the JSON API, the CLI, and later ePOS, CloudPRNT/SDP
// and the fleet) turns what it receives into a job through a station.
type Station struct {
	cfg  Config
	set  setting
	lang language
	opt  Options
	link *link
	// renderers pool the printer's renderers (each reuses its buffers:
	// one per render: a cold one costs 14 allocations, a warm one none);
	// previews those of its previews (logos as pictures).
	renderers, previews sync.Pool
	logos               logoState  // sendlogos.go
	ident               identState // reidentify.go
}

// New checks cfg and builds its station.
func New(cfg Config, opt Options) (*Station, error) {
	if cfg.Model == "" {
		cfg.Model = "default"
	}
	set, err := cfg.settle()
	if err == nil {
		_, err = receipt.NewRenderer(set.opt)
	}
	switch {
	case err != nil && cfg.Name == "": // the CLI's: the flags name no printer
		return nil, fmt.Errorf("station: %w", err)
	case err != nil:
		return nil, fmt.Errorf("station: printer %q: %w", cfg.Name, err)
	}
	if opt.Logos == nil {
		opt.Logos, _ = OpenLogoFile("") // in memory: cannot fail
	}
	if opt.Gate == nil {
		opt.Gate = NewGate(0)
	}
	s := &Station{cfg: cfg, set: set, lang: languageOf(set.profile), opt: opt, link: newLink(opt.Open, cfg)}
	s.link.st = s
	s.watchIdentity()
	// The options succeeded above: a new renderer cannot fail.
	s.renderers.New = func() any { r, _ := receipt.NewRenderer(set.opt); return r }
	s.previews.New = func() any { r, _ := receipt.NewRenderer(s.previewOptions(false)); return r }
	return s, nil
}

// Name is the printer's configured name.
func (s *Station) Name() string { return s.cfg.Name }

// Config is the station's configuration (Model filled in).
func (s *Station) Config() Config { return s.cfg }

// Profile is the printer's own profile (its language, code pages pinned).
func (s *Station) Profile() *escpos.Profile { return s.set.profile }

// Request is what an entrance says about a transaction it brings.
type Request struct {
	// Key makes a retry the same job; "" derives it from the
	// transaction's id and what the receipt says (DefaultKey).
	Key string
	// Source is the entrance (spool.SourceAPI when empty).
	Source spool.Source
	// NotAfter, when set, is the last moment the job may start printing
	// (spool.Job.NotAfter: a fleet job's deadline).
	NotAfter time.Time
}

// Accepted is a job a station stored: new, or the one the key already
// named (Existing).
type Accepted struct {
	Job      spool.Job
	Existing bool
}

// maxKeyID bounds a transaction id used as it is in a default key.
const maxKeyID = 255

// DefaultKey is the idempotency key of a transaction sent without one:
// its id qualified by what the receipt says, since one transaction yields
// several receipts as it moves on (started, missing sum paid, captured:
// the API documents all with one id). "" when the transaction has no id.
func DefaultKey(tx *receipt.Transaction) string {
	if tx.ID == "" {
		return ""
	}
	digest := tx.Digest()
	id := tx.ID
	if len(id) > maxKeyID {
		idSum := sha256.Sum256([]byte(id))
		id = "sha256:" + hex.EncodeToString(idSum[:16])
	}
	return id + ":" + hex.EncodeToString(digest[:8])
}

// NewKey is a key that names one request only, for an entrance whose
// protocol has no idempotency key (ePOS): the source, a colon and 24
// random hex digits.
func NewKey(source spool.Source) string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return string(source) + ":" + hex.EncodeToString(b[:])
}

// Job is a receipt rendered for the printer, as Submit would store it.
type Job struct {
	// Bytes are what the printer takes: the definitions of stored logos
	// it does not hold yet, then the receipt, Copies times.
	Bytes []byte
	// Receipts is how many times the receipt repeats (0: once).
	Receipts int
	// Defines are the stored logos Bytes define first.
	Defines []receipt.StoredLogo
	// Report is the renderer's; Warnings the transaction's and the
	// renderer's, as text.
	Report   receipt.Report
	Warnings []string
}

// Render renders the whole receipt of tx as the printer takes it: the
// template around the transaction's own blocks, in the printer's
// language, with its copies and the logo definitions it needs first.
func (s *Station) Render(tx *receipt.Transaction) (Job, error) {
	return s.render(tx, true)
}

// render is Render; defines false leaves the logo definitions out (a
// queued job: they are decided when it is sent).
func (s *Station) render(tx *receipt.Transaction, defines bool) (Job, error) {
	start := time.Now()
	r := s.renderers.Get().(*receipt.Renderer)
	out, rep, err := r.RenderTransaction(nil, tx)
	s.renderers.Put(r)
	if s.opt.Rendered != nil {
		s.opt.Rendered(time.Since(start))
	}
	job := Job{Report: rep}
	for _, w := range append(tx.Warnings, rep.Warnings...) {
		job.Warnings = append(job.Warnings, w.String())
	}
	if err != nil {
		return job, &DocumentError{err}
	}
	s.noteLogos(rep.Logos)
	if s.cfg.Copies > 1 {
		// One job, so the copies print together and are confirmed as one.
		out, job.Receipts = bytes.Repeat(out, s.cfg.Copies), s.cfg.Copies
	}
	// A stored logo the printer does not hold yet is defined ahead of the
	// receipt, once: NV memory wears out.
	if !defines {
		job.Bytes = out
		return job, nil
	}
	if job.Defines = s.opt.Logos.Need(s.cfg.Name, rep.Logos); len(job.Defines) > 0 {
		defines, err := receipt.AppendDefineLogos(nil, job.Defines)
		if err != nil {
			return job, fmt.Errorf("%w: %w", ErrRender, err)
		}
		out = append(defines, out...)
	}
	job.Bytes = out
	return job, nil
}

// Submit turns a parsed transaction into a durable job: rendered for the
// printer (Render), stored under its key, queued for the printer. A key
// already used for the same receipt returns its job (Existing), queued
// again for its next attempt when it had failed (nothing of it printed);
// for another receipt or another printer a *KeyReusedError.
func (s *Station) Submit(ctx context.Context, tx *receipt.Transaction, req Request) (Accepted, error) {
	if s.opt.Spool == nil {
		return Accepted{}, ErrNoSpool
	}
	key := req.Key
	if key == "" {
		if key = DefaultKey(tx); key == "" {
			return Accepted{}, ErrNoKey
		}
	}
	// The job prints stored logos by key only: their definitions are
	// decided when it is sent through the station's link (sendlogos.go),
	// from the configuration running then. A station without a link (a
	// printer that pulls its jobs) has its jobs carry them, as noted in
	// the LogoBook until the job's end (Finished).
	linked := s.link.open != nil
	job, err := s.render(tx, !linked)
	if err != nil {
		return Accepted{}, err
	}
	digest := tx.Digest()
	proto := spool.Job{TransactionID: tx.ID, Source: req.Source, Warnings: job.Warnings, Digest: hex.EncodeToString(digest[:16]), Receipts: job.Receipts, NotAfter: req.NotAfter}
	if !linked {
		// Noted before the job exists: it may be fetched before the
		// enqueue returns.
		s.opt.Logos.Sent(s.cfg.Name, key, job.Defines)
	}
	a, err := s.enqueue(key, proto, job.Bytes)
	if err != nil {
		if !linked {
			_ = s.opt.Logos.Finished(s.cfg.Name, key, false) // nothing goes out: forget the note
		}
		return a, err
	}
	return a, nil
}

// Document is a complete job an entrance brings (ESC/POS converted from
// ePOS-Print XML, raw bytes a program captured): printed as sent — no
// template, no copies, no logo definitions, no drawer kick of the
// station's.
type Document struct {
	Bytes []byte
	// ESCPOS: Bytes are ESC/POS whatever the printer speaks (an ePOS
	// conversion); the station makes them the printer's (languageOf: as
	// they are for ESC/POS, drawn as raster for Star Graphic, refused
	// with ErrUnsupported for Star Line Mode and StarPRNT). Otherwise
	// they are in the printer's own language already.
	ESCPOS bool
	// Key makes a retry the same job; required.
	Key           string
	Source        spool.Source
	TransactionID string   // when the document names one
	Warnings      []string // what the entrance's conversion noted
}

// SubmitDocument stores doc as a durable job for the printer, as sent.
func (s *Station) SubmitDocument(ctx context.Context, doc Document) (Accepted, error) {
	if s.opt.Spool == nil {
		return Accepted{}, ErrNoSpool
	}
	if doc.Key == "" {
		return Accepted{}, ErrNoKey
	}
	b := doc.Bytes
	if doc.ESCPOS {
		var err error
		if b, err = s.lang.fromESCPOS(b); err != nil {
			return Accepted{}, err
		}
	}
	sum := sha256.Sum256(doc.Bytes)
	return s.enqueue(doc.Key, spool.Job{TransactionID: doc.TransactionID, Source: doc.Source, Warnings: doc.Warnings, Digest: hex.EncodeToString(sum[:16])}, b)
}

// TestPage queues the printer's test page (RenderTestPage). key ""
// makes a new page each call.
func (s *Station) TestPage(ctx context.Context, key string, source spool.Source) (Accepted, error) {
	if s.opt.Spool == nil {
		return Accepted{}, ErrNoSpool
	}
	page, err := s.RenderTestPage()
	if err != nil {
		return Accepted{}, err
	}
	if key == "" {
		// Keys count for the whole service: named by the printer too.
		key = "test-page:" + s.cfg.Name + ":" + strconv.FormatInt(time.Now().UnixNano(), 10)
	}
	return s.enqueue(key, spool.Job{Source: source}, page)
}

// RenderTestPage is the printer's test page as it takes it
// (printers.TestPage: its model, column rulers, code pages, a QR code,
// barcodes and an image; ESC/POS, drawn as raster for Star Graphic). A
// printer in Star Line Mode or StarPRNT has none (ErrUnsupported), as it
// takes no ESC/POS document (languageOf).
func (s *Station) RenderTestPage() ([]byte, error) {
	page, err := printers.TestPage(s.set.profile)
	switch {
	case errors.Is(err, printers.ErrNoTestPage):
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrRender, err)
	}
	return page, nil
}

// Reprint queues a copy of job id, headed by the copy banner in the
// printer's language; the same non-empty key is the same copy.
func (s *Station) Reprint(id, key string) (spool.Job, error) {
	if s.opt.Spool == nil {
		return spool.Job{}, ErrNoSpool
	}
	r := s.renderers.Get().(*receipt.Renderer)
	mark, err := r.AppendCopyMark(nil) // in the printer's language
	s.renderers.Put(r)
	if err != nil {
		return spool.Job{}, fmt.Errorf("%w: %w", ErrRender, err)
	}
	j, existing, err := s.opt.Spool.ReprintJob(id, key, mark)
	if err == nil && !existing && s.opt.Accepted != nil {
		s.opt.Accepted(j)
	}
	return j, err
}

// enqueue stores a job for the printer: the one place a station's job
// enters the spool.
func (s *Station) enqueue(key string, proto spool.Job, b []byte) (Accepted, error) {
	j, existing, err := s.opt.Spool.EnqueueJob(s.cfg.Name, key, proto, b)
	if err != nil {
		return Accepted{}, err
	}
	if !existing && s.opt.Accepted != nil {
		s.opt.Accepted(j)
	}
	return Accepted{Job: j, Existing: existing}, nil
}

// Finished is told the end of one of the station's jobs (by the spool
// worker's Observe). Logo definitions are settled by the link when a job
// is sent; this finishes notes of a LogoBook's other users.
func (s *Station) Finished(j spool.Job, r printers.Result) error {
	return s.opt.Logos.Finished(s.cfg.Name, j.Key, r.Outcome == printers.OutcomePrinted)
}
