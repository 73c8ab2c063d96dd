// Package server is receiptd's HTTP API and web page: ECRs post finished
// transactions, a station per printer (printers/station) turns them into
// durable jobs, one spool worker per printer prints them, and every answer
// says truthfully where a job is. This package keeps only HTTP: it decodes
// requests, calls the stations and the spool, and maps their errors to
// statuses through one table (errors.go).
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
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/station"
)

// MaxBody is the largest request body accepted.
const MaxBody = 1 << 20

//go:embed web
var webFS embed.FS

// Config is what the server serves.
type Config struct {
	Printers []station.Config
	Tokens   []string
	// Open connects to a printer address (printers.Open in production).
	Open   station.Opener
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
	handler  http.Handler       // mux behind the cross-origin and host guards
	stations []*station.Station // in configuration order
	byName   map[string]*station.Station
	ready    chan struct{}
	metrics  metrics
	registry *prometheus.Registry
	// models are /v1/render?model=ID's stations: a model's defaults,
	// without spool or printer, made on first use.
	models sync.Map          // model ID -> *station.Station
	gate   *station.Gate     // renders and previews in progress, all stations
	cache  *renderCache      // their recent results
	logos  *station.LogoFile // stored logos per printer
	// Printers that pull their jobs (pullwire.go): their handlers (nil:
	// none configured), by name and in configuration order.
	pull     *PullHandlers
	pulled   map[string]*PulledPrinter
	pullList []*PulledPrinter
}

// New checks cfg and builds the server; Run starts the workers.
func New(cfg Config, sp *spool.Spool) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := checkTokens(cfg.Tokens); err != nil {
		return nil, err
	}
	logos, err := station.OpenLogoFile(logosFile(cfg.StateDir))
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, spool: sp, log: cfg.Logger, mux: http.NewServeMux(), byName: map[string]*station.Station{}, ready: make(chan struct{}),
		gate: station.NewGate(cfg.Renders), cache: newRenderCache(renderCacheBytes), logos: logos}
	s.metrics = newMetrics()
	opt := station.Options{Spool: sp, Open: cfg.Open, Logos: logos, Gate: s.gate,
		Rendered:   func(d time.Duration) { s.metrics.render.Observe(d.Seconds()) },
		Accepted:   func(j spool.Job) { s.metrics.accepted.WithLabelValues(j.Printer, string(j.Source)).Inc() },
		StatusRead: s.metrics.status, Identified: s.identified}
	for _, c := range cfg.Printers {
		if err := station.CheckName(c.Name); err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
		if _, dup := s.byName[c.Name]; dup {
			return nil, fmt.Errorf("server: printer %q configured twice", c.Name)
		}
		st, err := station.New(c, opt)
		if err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
		s.stations = append(s.stations, st)
		s.byName[c.Name] = st
	}
	if err := s.setupPull(); err != nil {
		return nil, err
	}
	s.registry = cfg.Registry
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
	}
	for _, c := range []prometheus.Collector{jobsCollector{s.spool}, renderCollector{s.gate, s.cache}, quarantineCollector{s.spool},
		s.metrics.accepted, s.metrics.printTime, s.metrics.render, s.metrics.ready, s.metrics.condition, s.metrics.faults} {
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
		writeError(w, "cross_origin", "a web page from another origin may not change anything here")
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
	s.handler = noFraming(s.withPull(s.handler))
	return s, nil
}

// loopbackHosts passes only requests addressed to a loopback name.
func loopbackHosts(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !IsLoopbackHost(r.Host) {
			writeError(w, "forbidden_host", "this service answers on loopback names only (localhost, 127.0.0.1, [::1])")
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
		s.metrics.printTime.WithLabelValues(string(j.Source)).Observe(took.Seconds())
		if st, ok := s.byName[j.Printer]; ok {
			if err := st.Finished(j, r); err != nil {
				s.log.Warn("logos", "err", err)
			}
		}
	}
	opt.OnFault = func(printer string, err error) {
		kind := "printer"
		if errors.Is(err, spool.ErrStoreFault) {
			kind = "store"
		}
		s.metrics.faults.WithLabelValues(printer, kind).Inc()
	}
	for _, p := range s.stations {
		if _, pulled := s.pulled[p.Name()]; pulled {
			continue // no link: its jobs go out when it polls (pullwire.go)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A worker returns only when ctx ends: a fault is retried,
			// logged, counted and shown on /readyz, never the end of it.
			_ = s.spool.Run(ctx, p.Name(), p.Printer, opt)
		}()
		if s.cfg.StatusInterval > 0 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.watchStatus(ctx, p, s.cfg.StatusInterval)
			}()
		}
	}
	if s.pull != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.sweepPull(ctx)
		}()
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
	for _, p := range s.stations {
		all = append(all, p.Close())
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
	api("POST /v1/jobs/{id}/retry", s.retry)
	cancelRoutes(api, s.cancel)
	api("POST /v1/printers/{name}/test-page", s.testPage)
	api("POST /v1/render", s.render)
	api("GET /v1/printers", s.listPrinters)
	api("GET /v1/printers/{name}", s.getPrinter)
	api("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, "not_found", "no such endpoint: "+r.Method+" "+r.URL.Path)
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
			writeError(w, "unauthorized", "a bearer token is required")
			return
		}
		for _, t := range s.cfg.Tokens {
			if subtle.ConstantTimeCompare([]byte(t), []byte(tok)) == 1 {
				h.ServeHTTP(w, r)
				return
			}
		}
		writeError(w, "forbidden", "the token is not valid")
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

// logosFile is where a data dir keeps the stored logos' record.
func logosFile(dir string) string {
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, "logos.json")
}
