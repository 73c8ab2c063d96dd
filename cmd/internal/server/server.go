// Package server is receiptd's HTTP API and web page: ECRs post finished
// transactions, the spool stores them durably, one worker per printer prints
// them, and every answer says truthfully where a job is.
package server

import (
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
)

// MaxBody is the largest request body accepted.
const MaxBody = 1 << 20

// MaxCopies bounds a printer's copies per receipt.
const MaxCopies = 10

//go:embed web
var webFS embed.FS

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
	// AllowedOrigins are the web pages' origins that may call the JSON
	// API from a browser (CORS, cors.go) and the ePOS-Print endpoint.
	AllowedOrigins []string
	// Epos configures the ePOS-Print endpoint (epos.go).
	Epos EposConfig
	// StateDir keeps what the service must remember beside the spool:
	// which logo each printer holds in NV memory (logos.json). "" keeps it
	// in memory, so each start defines a stored logo once more.
	StateDir string
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
	previews sync.Map     // model ID or "printer:NAME" -> *sync.Pool of *receipt.Renderer
	gate     *renderGate  // renders and previews in progress
	cache    *renderCache // their recent results
	logos    *logoStore   // stored logos per printer
}

// New checks cfg and builds the server; Run starts the workers.
func New(cfg Config, sp *spool.Spool) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := checkTokens(cfg.Tokens); err != nil {
		return nil, err
	}
	logos, err := newLogoStore(logosFile(cfg.StateDir))
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, spool: sp, log: cfg.Logger, mux: http.NewServeMux(), byName: map[string]*Printer{}, ready: make(chan struct{}),
		gate: newRenderGate(cfg.Renders), cache: newRenderCache(renderCacheBytes), logos: logos}
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
		faults: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "receiptd_worker_faults_total",
			Help: "Faults a printer's worker met and retried: kind store (the spool could not be written) or printer."}, []string{"printer", "kind"}),
	}
	for _, c := range []prometheus.Collector{jobsCollector{s.spool}, renderCollector{s.gate, s.cache}, quarantineCollector{s.spool},
		s.metrics.printTime, s.metrics.render, s.metrics.ready, s.metrics.condition, s.metrics.faults} {
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
	allowed, err := newOrigins(cfg.AllowedOrigins)
	if err != nil {
		return nil, err
	}
	if s.handler, err = withCORS(allowed, cop, cop.Handler(s.mux)); err != nil {
		return nil, err
	}
	// The ePOS-Print door has its own access rule (epos.go), ahead of
	// the JSON API's CORS and cross-origin protection.
	s.handler = withEpos(newEposHandler(serverStation{s}, cfg.Epos, allowed, s.log), s.handler)
	if cfg.LoopbackOnly {
		s.handler = loopbackHosts(s.handler)
	}
	s.handler = noFraming(s.handler)
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

// Run starts one worker per printer and blocks until ctx ends and the
// workers have finished their current attempts.
func (s *Server) Run(ctx context.Context) error {
	if err := s.failOrphans(); err != nil {
		return err
	}
	var wg sync.WaitGroup
	opt := s.cfg.Worker
	opt.Logger = s.log
	opt.Observe = func(j spool.Job, r printers.Result, took time.Duration) {
		s.metrics.printTime.Observe(took.Seconds())
		if err := s.logos.finished(j.Printer, j.Key, r.Outcome == printers.OutcomePrinted); err != nil {
			s.log.Warn("logos", "err", err)
		}
	}
	opt.OnFault = func(printer string, err error) {
		kind := "printer"
		if errors.Is(err, spool.ErrStoreFault) {
			kind = "store"
		}
		s.metrics.faults.WithLabelValues(printer, kind).Inc()
	}
	for _, p := range s.cfg.Printers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A worker returns only when ctx ends: a fault is retried,
			// logged, counted and shown on /readyz, never the end of it.
			_ = s.spool.Run(ctx, p.Name, p.shared.get, opt)
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
	var all []error
	for _, p := range s.cfg.Printers {
		all = append(all, p.shared.close())
	}
	return errors.Join(all...)
}

// ServeHTTP serves the API and the page.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]string{"status": "ok"}) })
	s.mux.HandleFunc("GET /readyz", s.readyz)
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
	api("POST /v1/printers/{name}/test-page", s.testPage)
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

func mustSub(f embed.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		// The directory is embedded at build time; a failure is a build bug.
		return f
	}
	return sub
}
