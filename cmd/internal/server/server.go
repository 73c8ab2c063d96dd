// Package server is receiptd's HTTP API and web page: ECRs post finished
// transactions, the spool stores them durably, one worker per printer prints
// them, and every answer says truthfully where a job is.
package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/virtual/paper"
	"github.com/secuprint/receipt/receipt"
)

// MaxBody is the largest request body accepted.
const MaxBody = 1 << 20

// MaxCopies bounds a printer's copies per receipt.
const MaxCopies = 10

//go:embed web
var webFS embed.FS

// Printer is one configured printer.
type Printer struct {
	Name       string
	Address    string
	Model      string
	Font       string
	Columns    int
	Cut        string // after the receipt: off, partial (default), full
	SectionCut string // between sections: off (default), partial, full
	// Copies is how many times each receipt prints in its job (a customer
	// and a merchant copy, say): 0 or 1 is once, at most MaxCopies.
	Copies int
	// CodePages pins the printer to these code pages (e.g. "CP858") when
	// its other tables differ from its model's; empty uses the model's.
	CodePages []string
	// KeepOpen holds a network printer's link between jobs, for a printer
	// this service has to itself; by default a tcp:// link is opened per job
	// and status read, so other tills can print in between.
	KeepOpen bool

	profile   *escpos.Profile
	renderers sync.Pool // *receipt.Renderer: each reuses buffers, so one per request
	shared    *sharedPrinter
}

// Config is what the server serves.
type Config struct {
	Printers []*Printer
	Tokens   []string
	// Open connects to a printer address (printers.Open in production).
	Open   func(ctx context.Context, p *Printer) (printers.Printer, error)
	Worker spool.WorkerOptions
	// StatusInterval is how often an idle moment is used to read each
	// printer's status for the gauges, so an alert on paper running out
	// needs no one to look at the page; 0 reads only when asked.
	StatusInterval time.Duration
	// Retention is how long finished jobs (and their idempotency keys) are
	// kept; older ones are pruned hourly. 0 keeps them forever.
	Retention time.Duration
	// LoopbackOnly, for a service listening on loopback alone, refuses
	// requests whose Host is not a loopback name: a web page that points
	// its own name at 127.0.0.1 (DNS rebinding) cannot use a browser on
	// the same machine, a kiosk's, to reach the service.
	LoopbackOnly bool
	// Renders bounds renders and previews in progress (0: one per CPU, at
	// least 2: they are CPU-bound, so more only cost memory);
	// more wait briefly, then get 503.
	Renders  int
	Logger   *slog.Logger
	Registry *prometheus.Registry // nil: a fresh one
}

// Server is the HTTP handler plus the printer workers.
type Server struct {
	cfg      Config
	spool    *spool.Spool
	log      *slog.Logger
	mux      *http.ServeMux
	handler  http.Handler // mux behind the cross-origin and host guards
	byName   map[string]*Printer
	ready    chan struct{}
	metrics  metrics
	registry *prometheus.Registry
	// previews pools /v1/render's renderers per profile: a cold renderer
	// costs 14 allocations, a warm one none.
	previews sync.Map     // *escpos.Profile -> *sync.Pool of *receipt.Renderer
	gate     *renderGate  // renders and previews in progress
	cache    *renderCache // their recent results
}

type metrics struct {
	printTime prometheus.Histogram
	render    prometheus.Histogram
	ready     *prometheus.GaugeVec
	condition *prometheus.GaugeVec
}

// conditions are the status bits the condition gauge shows.
var conditions = []struct {
	name string
	of   func(printers.Status) bool
}{
	{"online", func(s printers.Status) bool { return s.Online }},
	{"paper_end", func(s printers.Status) bool { return s.PaperEnd }},
	{"paper_near_end", func(s printers.Status) bool { return s.PaperNearEnd }},
	{"cover_open", func(s printers.Status) bool { return s.CoverOpen }},
	{"error", func(s printers.Status) bool { return s.Error }},
}

// New checks cfg and builds the server; Run starts the workers.
func New(cfg Config, sp *spool.Spool) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := checkTokens(cfg.Tokens); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, spool: sp, log: cfg.Logger, mux: http.NewServeMux(), byName: map[string]*Printer{}, ready: make(chan struct{}),
		gate: newRenderGate(cfg.Renders), cache: newRenderCache(renderCacheBytes)}
	for _, p := range cfg.Printers {
		if p.Name == "" || strings.ContainsAny(p.Name, "/?#% ") {
			return nil, fmt.Errorf("server: printer name %q: want letters, digits, - or _", p.Name)
		}
		if _, dup := s.byName[p.Name]; dup {
			return nil, fmt.Errorf("server: printer %q configured twice", p.Name)
		}
		if err := p.prepare(); err != nil {
			return nil, err
		}
		p.shared = &sharedPrinter{open: cfg.Open, cfg: p, mu: make(chan struct{}, 1)}
		s.byName[p.Name] = p
	}
	s.registry = cfg.Registry
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
	}
	s.metrics = metrics{
		printTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "receiptd_print_seconds", Help: "Time from sending a job to its confirmation.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14)}),
		render: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "receiptd_render_seconds", Help: "Time to parse and render a transaction.",
			Buckets: prometheus.ExponentialBuckets(1e-6, 4, 10)}),
		ready: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "receiptd_printer_ready", Help: "1 when the printer's last status said ready."}, []string{"printer"}),
		condition: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "receiptd_printer_condition",
			Help: "1 when the printer's last status showed the condition; absent when the status could not be read."}, []string{"printer", "condition"}),
	}
	for _, c := range []prometheus.Collector{jobsCollector{s.spool}, renderCollector{s.gate, s.cache}, s.metrics.printTime, s.metrics.render, s.metrics.ready, s.metrics.condition} {
		// A registry the caller shares may already hold these: an error,
		// not a panic.
		if err := s.registry.Register(c); err != nil {
			return nil, fmt.Errorf("server: metrics: %w", err)
		}
	}
	s.routes()
	// Browsers may read, but a page from another origin may not change
	// anything: without this, any web page open on a kiosk could POST a
	// reprint (a body-less POST needs no CORS preflight).
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusForbidden, "cross_origin", "a web page from another origin may not change anything here", nil)
	}))
	s.handler = cop.Handler(s.mux)
	if cfg.LoopbackOnly {
		s.handler = loopbackHosts(s.handler)
	}
	return s, nil
}

// loopbackHosts passes only requests addressed to a loopback name.
func loopbackHosts(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !IsLoopbackHost(r.Host) {
			writeError(w, http.StatusForbidden, "forbidden_host", "this service answers on loopback names only (localhost, 127.0.0.1, [::1])", nil)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// IsLoopbackHost reports whether host (with or without a port) names this
// machine's loopback interface.
func IsLoopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (p *Printer) prepare() error {
	if p.Model == "" {
		p.Model = "default"
	}
	prof, err := printers.Lookup(p.Model)
	if err != nil {
		return fmt.Errorf("server: printer %q: %w", p.Name, err)
	}
	font, err := escpos.ParseFont(orDefault(p.Font, "A"))
	if err != nil {
		return fmt.Errorf("server: printer %q: %w", p.Name, err)
	}
	end, err := escpos.ParseCutMode(orDefault(p.Cut, "partial"))
	if err != nil {
		return fmt.Errorf("server: printer %q: %w", p.Name, err)
	}
	section, err := escpos.ParseCutMode(orDefault(p.SectionCut, "off"))
	if err != nil {
		return fmt.Errorf("server: printer %q: %w", p.Name, err)
	}
	if len(p.CodePages) > 0 {
		if prof, err = prof.PinCodePages(p.CodePages...); err != nil {
			return fmt.Errorf("server: printer %q: %w", p.Name, err)
		}
	}
	if p.Copies < 0 || p.Copies > MaxCopies {
		return fmt.Errorf("server: printer %q: copies %d out of range 0..%d", p.Name, p.Copies, MaxCopies)
	}
	opt := receipt.Options{Profile: prof, Font: font, Columns: p.Columns, SectionCut: section, EndCut: end}
	r, err := receipt.NewRenderer(opt)
	if err != nil {
		return fmt.Errorf("server: printer %q: %w", p.Name, err)
	}
	p.profile = prof
	p.renderers.Put(r)
	p.renderers.New = func() any {
		r, _ := receipt.NewRenderer(opt) // the same options succeeded above
		return r
	}
	return nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// sharedPrinter is one connection per printer, used by its worker and by
// status queries (a printer serves one host connection at a time).
type sharedPrinter struct {
	open func(context.Context, *Printer) (printers.Printer, error)
	cfg  *Printer
	// mu guards p; a channel, so a status read gives up at its deadline
	// while another caller's open of the printer takes its time.
	mu   chan struct{}
	p    printers.Printer
	last lastStatus // what the printer said last, for reads while it prints
}

func (sp *sharedPrinter) get(ctx context.Context) (printers.Printer, error) {
	select {
	case sp.mu <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("printer %s: still connecting: %w", sp.cfg.Name, ctx.Err())
	}
	defer func() { <-sp.mu }()
	if sp.p == nil {
		p, err := sp.open(ctx, sp.cfg)
		if err != nil {
			return nil, err
		}
		sp.p = p
	}
	return keepOpen{sp.p, sp}, nil
}

func (sp *sharedPrinter) close() error {
	sp.mu <- struct{}{}
	defer func() { <-sp.mu }()
	if sp.p == nil {
		return nil
	}
	err := sp.p.Close()
	sp.p = nil
	return err
}

// keepOpen lets the worker "close" its printer without closing the shared
// one; a ConnPrinter redials by itself after a broken link.
type keepOpen struct {
	printers.Printer
	sp *sharedPrinter
}

func (keepOpen) Close() error { return nil }

// Run starts one worker per printer and blocks until ctx ends and the
// workers have finished their current attempts.
func (s *Server) Run(ctx context.Context) error {
	if err := s.failOrphans(); err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(s.cfg.Printers))
	opt := s.cfg.Worker
	opt.Logger = s.log
	opt.Observe = func(j spool.Job, r printers.Result, took time.Duration) {
		s.metrics.printTime.Observe(took.Seconds())
	}
	for _, p := range s.cfg.Printers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.spool.Run(ctx, p.Name, p.shared.get, opt); err != nil {
				errs <- err
			}
		}()
		if s.cfg.StatusInterval > 0 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.watchStatus(ctx, p, s.cfg.StatusInterval)
			}()
		}
	}
	if s.cfg.Retention > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.prune(ctx, s.cfg.Retention, time.Hour)
		}()
	}
	close(s.ready)
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	for _, p := range s.cfg.Printers {
		all = append(all, p.shared.close())
	}
	return errors.Join(all...)
}

// jobsCollector reports the spool's jobs by printer and state at each
// scrape, from counts the spool keeps as states change.
type jobsCollector struct{ spool *spool.Spool }

var jobsDesc = prometheus.NewDesc("receiptd_jobs", "Jobs in the spool by printer and state.", []string{"printer", "state"}, nil)

func (jobsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc }

func (c jobsCollector) Collect(ch chan<- prometheus.Metric) {
	counts, err := c.spool.Counts()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(jobsDesc, err)
		return
	}
	for printer, states := range counts {
		for st, n := range states {
			m, err := prometheus.NewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n), printer, string(st))
			if err != nil {
				m = prometheus.NewInvalidMetric(jobsDesc, err)
			}
			ch <- m
		}
	}
}

// ServeHTTP serves the API and the page.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]string{"status": "ok"}) })
	s.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-s.ready:
			writeJSON(w, 200, map[string]string{"status": "ready"})
		default:
			writeError(w, 503, "not_ready", "workers not started", nil)
		}
	})
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	s.mux.Handle("/", http.FileServerFS(mustSub(webFS, "web")))
	api := func(pattern string, h http.HandlerFunc) { s.mux.Handle(pattern, s.auth(h)) }
	api("POST /v1/printers/{name}/jobs", s.postJob)
	api("GET /v1/jobs/{id}", s.getJob)
	api("GET /v1/jobs/{id}/preview.png", s.previewJob)
	api("GET /v1/jobs/{id}/preview.html", s.previewJob)
	api("GET /v1/jobs", s.listJobs)
	api("POST /v1/jobs/{id}/reprint", s.reprint)
	api("POST /v1/jobs/{id}/decision", s.decide)
	cancelRoutes(api, s.cancel)
	api("POST /v1/render", s.render)
	api("GET /v1/printers", s.listPrinters)
	api("GET /v1/printers/{name}", s.getPrinter)
	api("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint: "+r.Method+" "+r.URL.Path, nil)
	})
}

func (s *Server) auth(h http.Handler) http.Handler {
	if len(s.cfg.Tokens) == 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || tok == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="receiptd"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", "a bearer token is required", nil)
			return
		}
		for _, t := range s.cfg.Tokens {
			if subtle.ConstantTimeCompare([]byte(t), []byte(tok)) == 1 {
				h.ServeHTTP(w, r)
				return
			}
		}
		writeError(w, http.StatusForbidden, "forbidden", "the token is not valid", nil)
	})
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Line    *int   `json:"line,omitempty"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, code, msg string, line *int) {
	var e apiError
	e.Error.Code, e.Error.Message, e.Error.Line = code, msg, line
	writeJSON(w, status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client hung up: nothing left to tell it
}

// readTransaction applies the body rules and parses the transaction.
// bodies are request body buffers; ParseTransaction copies what it keeps.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func readTransaction(w http.ResponseWriter, r *http.Request) (*receipt.Transaction, bool) {
	if ct := r.Header.Get("Content-Type"); ct != "application/json" { // the usual case needs no parsing
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send the transaction as application/json", nil)
			return nil, false
		}
	}
	if !identityEncoding(w, r) {
		return nil, false
	}
	buf := bodies.Get().(*bytes.Buffer)
	defer putBody(buf)
	buf.Reset()
	// The buffer grows as bytes arrive, never to Content-Length first: a
	// client announcing 1 MiB and trickling 150 bytes costs 150 bytes.
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxBody))
	body := buf.Bytes()
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", "the body exceeds 1 MiB", nil)
		} else {
			writeError(w, http.StatusBadRequest, "bad_request", err.Error(), nil)
		}
		return nil, false
	}
	tx, err := receipt.ParseTransaction(body)
	if err != nil {
		var le *receipt.LineError
		switch {
		case errors.As(err, &le):
			line := le.Line
			writeError(w, http.StatusUnprocessableEntity, "invalid_receipt", err.Error(), &line)
		case errors.Is(err, receipt.ErrSyntax):
			writeError(w, http.StatusBadRequest, "invalid_json", err.Error(), nil)
		default:
			writeError(w, http.StatusUnprocessableEntity, "invalid_transaction", err.Error(), nil)
		}
		return nil, false
	}
	return tx, true
}

func (s *Server) renderFor(p *Printer, tx *receipt.Transaction) ([]byte, []string, error) {
	start := time.Now()
	r := p.renderers.Get().(*receipt.Renderer)
	out, rep, err := r.Render(nil, tx.Receipt)
	p.renderers.Put(r)
	s.metrics.render.Observe(time.Since(start).Seconds())
	var warnings []string
	for _, w := range append(tx.Warnings, rep.Warnings...) {
		warnings = append(warnings, w.String())
	}
	return out, warnings, err
}

func (s *Server) postJob(w http.ResponseWriter, r *http.Request) {
	p, ok := s.byName[r.PathValue("name")]
	if !ok {
		writeError(w, http.StatusNotFound, "unknown_printer", "no printer named "+strconv.Quote(r.PathValue("name")), nil)
		return
	}
	wait, ok := parseWait(w, r)
	if !ok {
		return
	}
	key, ok := idempotencyKey(w, r)
	if !ok {
		return
	}
	tx, ok := readTransaction(w, r)
	if !ok {
		return
	}
	if key == "" && tx.ID == "" {
		writeError(w, http.StatusUnprocessableEntity, "no_idempotency_key", "send an Idempotency-Key header or a transaction with an id", nil)
		return
	}
	job, warnings, err := s.renderFor(p, tx)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "render_failed", err.Error(), nil)
		return
	}
	digest := tx.Receipt.Digest()
	if key == "" {
		// One transaction yields several receipts as it moves on (started,
		// missing sum paid, captured: the API documents all with one id), so
		// the default key is the id qualified by what the receipt says.
		id := tx.ID
		if len(id) > maxKeyHeader {
			idSum := sha256.Sum256([]byte(id))
			id = "sha256:" + hex.EncodeToString(idSum[:16])
		}
		key = id + ":" + hex.EncodeToString(digest[:8])
	}
	proto := spool.Job{TransactionID: tx.ID, Warnings: warnings, Digest: hex.EncodeToString(digest[:16])}
	if p.Copies > 1 {
		// One job, so the copies print together and are confirmed as one.
		job, proto.Receipts = bytes.Repeat(job, p.Copies), p.Copies
	}
	j, existing, err := s.spool.EnqueueJob(p.Name, key, proto, job)
	if errors.Is(err, spool.ErrBadKey) {
		writeError(w, http.StatusBadRequest, "bad_idempotency_key", err.Error(), nil)
		return
	}
	if err != nil {
		s.log.Error("enqueue", "err", err)
		writeError(w, http.StatusServiceUnavailable, "spool_unavailable", "the job could not be stored", nil)
		return
	}
	if existing && j.Digest != "" && j.Digest != proto.Digest {
		// A retry sends the same receipt; another receipt under a used key
		// is a client bug that would otherwise lose this receipt silently.
		w.Header().Set("Location", "/v1/jobs/"+j.ID)
		writeError(w, http.StatusUnprocessableEntity, "idempotency_key_reused",
			"this Idempotency-Key already names job "+j.ID+", which prints another receipt; nothing was queued", nil)
		return
	}
	if wait > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), wait)
		defer cancel()
		if got, err := s.spool.Wait(ctx, j.ID); err == nil {
			j = got
		}
	}
	status := http.StatusAccepted
	if j.State.Final() {
		status = http.StatusOK
	}
	if existing {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/v1/jobs/"+j.ID)
	writeJSON(w, status, j)
}

// maxKeyHeader bounds an Idempotency-Key, as payment APIs commonly do.
const maxKeyHeader = 255

// idempotencyKey reads the Idempotency-Key header: once, 1 to 255 visible
// ASCII characters, "" when absent.
func idempotencyKey(w http.ResponseWriter, r *http.Request) (string, bool) {
	keys := r.Header.Values("Idempotency-Key")
	if len(keys) > 1 {
		// Which one the client meant is a guess either way.
		writeError(w, http.StatusBadRequest, "bad_idempotency_key", "send one Idempotency-Key header, not several", nil)
		return "", false
	}
	key := r.Header.Get("Idempotency-Key")
	ok := len(key) <= maxKeyHeader && (len(keys) == 0 || key != "") // present but empty is a client bug
	for i := 0; ok && i < len(key); i++ {
		ok = key[i] > ' ' && key[i] < 0x7f
	}
	if !ok {
		writeError(w, http.StatusBadRequest, "bad_idempotency_key", "Idempotency-Key must be 1 to 255 visible ASCII characters", nil)
	}
	return key, ok
}

// parseWait reads ?wait, how long a request may wait for a job's outcome.
func parseWait(w http.ResponseWriter, r *http.Request) (time.Duration, bool) {
	v := r.URL.Query().Get("wait")
	if v == "" {
		return 0, true
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > 60*time.Second {
		writeError(w, http.StatusBadRequest, "bad_wait", "wait must be a duration up to 60s, e.g. 10s", nil)
		return 0, false
	}
	return d, true
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) {
	wait, ok := parseWait(w, r)
	if !ok {
		return
	}
	j, err := s.spool.Get(r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusNotFound, "unknown_job", err.Error(), nil)
		return
	}
	if wait > 0 && !j.State.Final() {
		ctx, cancel := context.WithTimeout(r.Context(), wait)
		defer cancel()
		if got, err := s.spool.Wait(ctx, j.ID); err == nil {
			j = got
		}
	}
	writeJSON(w, http.StatusOK, j)
}

func (s *Server) previewJob(w http.ResponseWriter, r *http.Request) {
	if !sameOriginRead(w, r) {
		return
	}
	format := "png"
	if strings.HasSuffix(r.URL.Path, ".html") {
		format = "html"
	}
	j, err := s.spool.Get(r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusNotFound, "unknown_job", err.Error(), nil)
		return
	}
	w.Header().Set("Cache-Control", "private, max-age=86400, immutable")
	key := "job|" + j.ID + "|" + format
	if c, ok := s.cache.get(key); ok {
		writeCached(w, c)
		return
	}
	if !s.gate.enter(r.Context(), w) {
		return
	}
	defer s.gate.leave()
	b, err := s.spool.Bytes(j.ID)
	if err != nil {
		writeError(w, http.StatusNotFound, "unknown_job", err.Error(), nil)
		return
	}
	var prof *escpos.Profile
	if p, ok := s.byName[j.Printer]; ok {
		prof = p.profile
	}
	res := paper.Print(b, prof)
	if len(res.Tickets) == 0 {
		writeError(w, http.StatusNotFound, "empty", "the job prints nothing", nil)
		return
	}
	c, err := encodeTickets(format, res.Tickets)
	if err != nil {
		s.log.Warn("preview", "err", err)
		writeError(w, http.StatusInternalServerError, "render_failed", err.Error(), nil)
		return
	}
	s.cache.put(key, c.ctype, c.body)
	writeCached(w, c)
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := spool.State(q.Get("state"))
	if state != "" && !state.Valid() {
		writeError(w, http.StatusBadRequest, "bad_state", "state is one of queued, printing, printed, failed, unknown", nil)
		return
	}
	limit := 200
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxListLimit {
			writeError(w, http.StatusBadRequest, "bad_limit", "limit is 1 to "+strconv.Itoa(maxListLimit)+": page with before for more", nil)
			return
		}
		limit = n
	}
	before, ok := parseBefore(w, q.Get("before"))
	if !ok {
		return
	}
	// One more than asked tells whether an older page exists.
	jobs, err := s.listPage(q.Get("printer"), state, limit+1, before)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "spool_unavailable", err.Error(), nil)
		return
	}
	next := ""
	if len(jobs) > limit { // newest last; keep the newest
		jobs = jobs[len(jobs)-limit:]
		next = jobs[0].ID
	}
	writePage(w, jobs, next)
}

func (s *Server) reprint(w http.ResponseWriter, r *http.Request) {
	key, ok := idempotencyKey(w, r)
	if !ok {
		return
	}
	orig, err := s.spool.Get(r.PathValue("id"))
	if err != nil {
		writeSpoolError(w, err)
		return
	}
	if !s.servesPrinterOf(w, orig) {
		return
	}
	mark, err := receipt.AppendCopyMark(nil)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "render_failed", err.Error(), nil)
		return
	}
	j, err := s.spool.Reprint(orig.ID, key, mark)
	if err != nil {
		writeSpoolError(w, err)
		return
	}
	w.Header().Set("Location", "/v1/jobs/"+j.ID)
	writeJSON(w, http.StatusAccepted, j)
}

// decide settles a job in state unknown as a person found it:
// {"decision": "printed" | "not_printed" | "retry"}.
func (s *Server) decide(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", `send {"decision": …} as application/json`, nil)
		return
	}
	if !identityEncoding(w, r) {
		return
	}
	var body struct {
		Decision spool.Decision `json:"decision"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_json", err.Error(), nil)
		return
	}
	if body.Decision == spool.DecidedRetry {
		if j, err := s.spool.Get(r.PathValue("id")); err == nil && !s.servesPrinterOf(w, j) {
			return
		}
	}
	j, err := s.spool.Decide(r.PathValue("id"), body.Decision)
	switch {
	case errors.Is(err, spool.ErrBadDecision):
		writeError(w, http.StatusBadRequest, "bad_decision", err.Error(), nil)
	case errors.Is(err, spool.ErrNotUnknown):
		writeError(w, http.StatusConflict, "not_unknown", err.Error(), nil)
	case err != nil:
		writeSpoolError(w, err)
	default:
		s.log.Info("decision", "id", j.ID, "decision", string(body.Decision), "state", string(j.State))
		writeJSON(w, http.StatusOK, j)
	}
}

// servesPrinterOf reports whether j's printer is still configured, and
// answers 409 when not: a job queued for it would never print.
func (s *Server) servesPrinterOf(w http.ResponseWriter, j spool.Job) bool {
	if _, ok := s.byName[j.Printer]; ok {
		return true
	}
	writeError(w, http.StatusConflict, "unknown_printer", "the job's printer "+strconv.Quote(j.Printer)+" is no longer configured", nil)
	return false
}

// writeSpoolError answers a failed spool call: an unknown job is the
// client's mistake, anything else the store's.
func writeSpoolError(w http.ResponseWriter, err error) {
	if errors.Is(err, spool.ErrNotFound) {
		writeError(w, http.StatusNotFound, "unknown_job", err.Error(), nil)
		return
	}
	writeError(w, http.StatusServiceUnavailable, "spool_unavailable", err.Error(), nil)
}

func (s *Server) render(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	format := orDefault(q.Get("format"), "escpos")
	switch format {
	case "escpos", "text", "png", "html":
	default:
		writeError(w, http.StatusBadRequest, "bad_format", "format is escpos, text, png or html", nil)
		return
	}
	prof, err := printers.Lookup(orDefault(q.Get("model"), "default"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "unknown_model", err.Error(), nil)
		return
	}
	tx, ok := readTransaction(w, r)
	if !ok {
		return
	}
	digest := tx.Receipt.Digest()
	key := "render|" + format + "|" + orDefault(q.Get("model"), "default") + "|" + hex.EncodeToString(digest[:])
	if c, ok := s.cache.get(key); ok {
		writeCached(w, c)
		return
	}
	if !s.gate.enter(r.Context(), w) {
		return
	}
	defer s.gate.leave()
	pool, _ := s.previews.LoadOrStore(prof, &sync.Pool{})
	rd, _ := pool.(*sync.Pool).Get().(*receipt.Renderer)
	if rd == nil {
		var err error
		if rd, err = receipt.NewRenderer(receipt.Options{Profile: prof, EndCut: escpos.CutPartial}); err != nil {
			writeError(w, http.StatusBadRequest, "bad_options", err.Error(), nil)
			return
		}
	}
	defer pool.(*sync.Pool).Put(rd)
	start := time.Now()
	out, _, err := rd.Render(nil, tx.Receipt)
	s.metrics.render.Observe(time.Since(start).Seconds())
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "render_failed", err.Error(), nil)
		return
	}
	c := cached{ctype: "application/vnd.escpos", body: out}
	switch format {
	case "text":
		text, _ := rd.Text(nil, tx.Receipt) // its report repeats Render's
		c = cached{ctype: "text/plain; charset=utf-8", body: text}
	case "png", "html":
		if c, err = encodeTickets(format, paper.Print(out, prof).Tickets); err != nil {
			writeError(w, http.StatusInternalServerError, "render_failed", err.Error(), nil)
			return
		}
	}
	s.cache.put(key, c.ctype, c.body)
	writeCached(w, c)
}

type printerView struct {
	Name      string           `json:"name"`
	Address   string           `json:"address"`
	Model     string           `json:"model"`
	Copies    int              `json:"copies,omitempty"`
	CodePages []string         `json:"code_pages,omitempty"`
	Ready     bool             `json:"ready"`
	Status    *printers.Status `json:"status,omitempty"`
	Error     string           `json:"error,omitempty"`
	Queued    int              `json:"queued"`
	// Busy: the printer is printing a job, or another host holds it; Status
	// is then the last one read, at StatusAt.
	Busy     bool       `json:"busy,omitempty"`
	StatusAt *time.Time `json:"status_at,omitempty"`
}

func (s *Server) view(ctx context.Context, p *Printer) printerView {
	v := printerView{Name: p.Name, Address: p.Address, Model: p.Model, Copies: p.Copies, CodePages: p.CodePages}
	if counts, err := s.spool.Counts(); err == nil {
		v.Queued = counts[p.Name][spool.Queued]
	}
	st, err := s.readStatus(ctx, p)
	switch {
	case errors.Is(err, printers.ErrBusy):
		p.shared.last.busyView(&v, err)
	case err != nil:
		v.Error = err.Error()
	default:
		now := time.Now()
		v.Status, v.Ready, v.StatusAt = &st, st.Ready(), &now
	}
	return v
}

// readStatus asks the printer for its status and sets its gauges.
func (s *Server) readStatus(ctx context.Context, p *Printer) (printers.Status, error) {
	if p.shared.last.printing() {
		// Not behind the job's conversation, which may take its 20 s.
		return printers.Status{}, errPrinting
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	pr, err := p.shared.get(ctx)
	var st printers.Status
	if err == nil {
		st, err = pr.Status(ctx)
	}
	if errors.Is(err, printers.ErrBusy) {
		return st, err // the gauges keep the last status read
	}
	if err == nil {
		p.shared.last.set(st)
	}
	ready := 0.0
	if err == nil && st.Ready() {
		ready = 1
	}
	s.metrics.ready.WithLabelValues(p.Name).Set(ready)
	for _, c := range conditions {
		if err != nil {
			s.metrics.condition.DeleteLabelValues(p.Name, c.name) // unknown, not "no"
			continue
		}
		g := 0.0
		if c.of(st) {
			g = 1
		}
		s.metrics.condition.WithLabelValues(p.Name, c.name).Set(g)
	}
	return st, err
}

// failOrphans fails the jobs queued for printers no longer configured:
// with no worker for them, they would stay "queued" for ever.
func (s *Server) failOrphans() error {
	counts, err := s.spool.Counts()
	if err != nil {
		return err
	}
	for printer, byState := range counts {
		if _, ok := s.byName[printer]; ok || byState[spool.Queued] == 0 {
			continue
		}
		n, err := s.spool.FailQueued(printer, "printer "+strconv.Quote(printer)+" is no longer configured")
		if err != nil {
			return err
		}
		s.log.Warn("failed jobs of a printer no longer configured", "printer", printer, "jobs", n)
	}
	return nil
}

// prune deletes jobs finished longer than retention ago, every interval
// until ctx ends.
func (s *Server) prune(ctx context.Context, retention, interval time.Duration) {
	every(ctx, interval, func() {
		n, err := s.spool.Prune(time.Now().Add(-retention))
		if err != nil {
			s.log.Error("prune", "err", err)
		} else if n > 0 {
			s.log.Info("pruned finished jobs", "jobs", n, "older_than", retention.String())
		}
	})
}

// watchStatus reads p's status every interval until ctx ends.
func (s *Server) watchStatus(ctx context.Context, p *Printer, interval time.Duration) {
	every(ctx, interval, func() {
		_, _ = s.readStatus(ctx, p) // the gauges carry the outcome, an error included
	})
}

// every runs f at once and then every interval until ctx ends.
func every(ctx context.Context, interval time.Duration, f func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		f()
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}

func (s *Server) listPrinters(w http.ResponseWriter, r *http.Request) {
	out := []printerView{}
	for _, p := range s.cfg.Printers {
		out = append(out, s.view(r.Context(), p))
	}
	writeJSON(w, http.StatusOK, map[string]any{"printers": out})
}

func (s *Server) getPrinter(w http.ResponseWriter, r *http.Request) {
	p, ok := s.byName[r.PathValue("name")]
	if !ok {
		writeError(w, http.StatusNotFound, "unknown_printer", "no printer named "+strconv.Quote(r.PathValue("name")), nil)
		return
	}
	writeJSON(w, http.StatusOK, s.view(r.Context(), p))
}

func mustSub(f embed.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		// The directory is embedded at build time; a failure is a build bug.
		return f
	}
	return sub
}
