package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/receipt/epos"
)

// EposPath is where Epson's network printers take ePOS-Print XML, and so
// where web tills (Odoo's point of sale among them) post it.
const EposPath = "/cgi-bin/epos/service.cgi"

// EposConfig configures the ePOS-Print endpoint (docs/epos.md).
type EposConfig struct {
	// Networks are the client networks a request without an Origin (a
	// native till, not a web page) may come from; loopback always may.
	Networks []netip.Prefix
	// Default is the printer devid=local_printer means; "" is the only
	// printer, when there is one.
	Default string
	// AllowCommand lets <command> send checked raw ESC/POS.
	AllowCommand bool
	// Timeout is the answer's deadline when the request names none (Odoo
	// sends none): 0 means EposDefaultTimeout. MaxTimeout caps a
	// request's own: 0 means EposMaxTimeout.
	Timeout, MaxTimeout time.Duration
	// MaxBody bounds a request body; 0 means epos.MaxBody.
	MaxBody int64
	// MaxInFlight bounds requests waiting for their answer; more get
	// TooManyRequests. 0 means 32.
	MaxInFlight int
	// JoinWindow is how long after an unknown answer an identical request
	// joins the first instead of printing again; 0 means 10 s.
	JoinWindow time.Duration
}

// Defaults of EposConfig. The cap stays under the HTTP server's 90 s
// write timeout, so the answer always reaches the till.
const (
	EposDefaultTimeout = 60 * time.Second
	EposMaxTimeout     = 75 * time.Second
)

// eposJob is a converted document for the station.
type eposJob struct {
	Bytes    []byte
	Key      string
	Warnings []string
}

// documentStation is what the endpoint needs of the service: the
// printers and their profiles, a durable job made from a complete
// document (printed as sent: no template, copies or drawer kick, source
// "epos"), the job's progress, a way to fail it before it is sent, and
// each printer's last known status.
type documentStation interface {
	Printers() []string
	Profile(printer string) (*escpos.Profile, bool)
	SubmitDocument(ctx context.Context, printer string, doc eposJob) (spool.Job, error)
	Job(id string) (spool.Job, error)
	Changed() <-chan struct{}
	FailUnsent(id, reason string) (spool.Job, error)
	Status(printer string) (printers.Status, bool)
}

// eposHandler serves POST /cgi-bin/epos/service.cgi.
type eposHandler struct {
	st      documentStation
	cfg     EposConfig
	origins origins
	log     *slog.Logger
	slots   chan struct{}
	now     func() time.Time
	poll    time.Duration // how often a waiting request looks at the printer's status
	grace   time.Duration // how long a job may wait before its printer's status explains it

	mu      sync.Mutex
	flights map[[32]byte]*flight
}

// flight is one request's job, which identical requests join while it is
// in flight, or answered unknown within the join window.
type flight struct {
	done  chan struct{}
	resp  epos.Response // set before done closes
	known bool          // the answer was a definite printed or not printed
	ended time.Time
}

func newEposHandler(st documentStation, cfg EposConfig, allowed origins, log *slog.Logger) *eposHandler {
	if cfg.Timeout <= 0 {
		cfg.Timeout = EposDefaultTimeout
	}
	if cfg.MaxTimeout <= 0 {
		cfg.MaxTimeout = EposMaxTimeout
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 32
	}
	if cfg.JoinWindow <= 0 {
		cfg.JoinWindow = 10 * time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &eposHandler{st: st, cfg: cfg, origins: allowed, log: log, slots: make(chan struct{}, cfg.MaxInFlight),
		now: time.Now, poll: 250 * time.Millisecond, grace: time.Second, flights: map[[32]byte]*flight{}}
}

// eposHeaders are the request headers Epson's SDK and Odoo send.
const eposHeaders = "Content-Type, SOAPAction, If-Modified-Since"

func (h *eposHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.admit(w, r) {
		return
	}
	if isPreflight(r) {
		corsPreflight(w, r, "POST", eposHeaders)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST, OPTIONS")
		http.Error(w, "ePOS-Print takes POST", http.StatusMethodNotAllowed)
		return
	}
	select {
	case h.slots <- struct{}{}:
		defer func() { <-h.slots }()
	default:
		h.answerBlind(w, r, epos.OutcomeTooManyRequests)
		return
	}
	h.serve(w, r)
}

// admit applies the access rule: a request with an Origin (a web page,
// wherever it runs) only from allowed_origins; one without (a native
// till) only from loopback or epos_networks. A refusal is a plain 403.
func (h *eposHandler) admit(w http.ResponseWriter, r *http.Request) bool {
	if origin := r.Header.Get("Origin"); origin != "" {
		if !h.origins.allowed(origin) {
			http.Error(w, "ePOS-Print: origin "+origin+" is not in receiptd's allowed_origins", http.StatusForbidden)
			return false
		}
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Add("Vary", "Origin")
		return true
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err == nil {
		addr = addr.Unmap()
		if addr.IsLoopback() {
			return true
		}
		for _, n := range h.cfg.Networks {
			if n.Contains(addr) {
				return true
			}
		}
	}
	http.Error(w, "ePOS-Print: client "+host+" is neither loopback nor in receiptd's epos_networks", http.StatusForbidden)
	return false
}

// devid resolves the request's printer; "" when there is none by that id.
func (h *eposHandler) devid(id string) string {
	all := h.st.Printers()
	if id == "local_printer" {
		if h.cfg.Default != "" {
			id = h.cfg.Default
		} else if len(all) == 1 {
			return all[0]
		}
	}
	for _, p := range all {
		if p == id {
			return p
		}
	}
	return ""
}

func (h *eposHandler) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	printer := h.devid(q.Get("devid"))
	prof, ok := h.st.Profile(printer)
	if printer == "" || !ok {
		h.answerBlind(w, r, epos.OutcomeNoDevice)
		return
	}
	doc, err := epos.Convert(r.Body, prof, epos.Options{MaxBody: h.cfg.MaxBody, AllowCommand: h.cfg.AllowCommand})
	env := doc != nil && doc.Envelope
	var se *epos.SchemaError
	switch {
	case errors.Is(err, epos.ErrTooLarge):
		h.answer(w, env, "", epos.Answer(epos.OutcomeTooLarge, h.printer(printer)))
		return
	case errors.As(err, &se):
		h.log.Info("epos: schema error", "printer", printer, "err", err)
		h.answer(w, env, "", epos.Answer(epos.OutcomeSchemaError, h.printer(printer)))
		return
	case err != nil:
		h.log.Warn("epos: request not read", "printer", printer, "err", err)
		h.answer(w, env, "", epos.Answer(epos.OutcomeSystemError, h.printer(printer)))
		return
	}
	timeout, ok := h.timeout(q.Get("timeout"), doc.Timeout)
	if !ok {
		h.answer(w, env, doc.PrintJobID, epos.Answer(epos.OutcomeSchemaError, h.printer(printer)))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	f, first := h.join(printer, doc.Bytes)
	if first {
		f.resp, f.known = h.print(ctx, printer, doc)
		h.land(printer, doc.Bytes, f)
	} else {
		h.log.Info("epos: identical request joins the one in flight", "printer", printer)
		select {
		case <-f.done:
		case <-ctx.Done():
			h.answer(w, env, doc.PrintJobID, epos.Answer(epos.OutcomeUnknown, h.printer(printer)))
			return
		}
	}
	h.answer(w, env, doc.PrintJobID, f.resp)
}

// timeout is the request's deadline: the query's timeout in ms, else the
// SOAP header's, else the default; capped.
func (h *eposHandler) timeout(query string, header int) (time.Duration, bool) {
	d := h.cfg.Timeout
	if query != "" {
		ms, err := strconv.Atoi(query)
		if err != nil || ms <= 0 {
			return 0, false
		}
		d = time.Duration(ms) * time.Millisecond
	} else if header > 0 {
		d = time.Duration(header) * time.Millisecond
	}
	return min(d, h.cfg.MaxTimeout), true
}

// join returns the flight of an identical request to join, or a new one
// this request runs (first).
func (h *eposHandler) join(printer string, b []byte) (*flight, bool) {
	key := flightKey(printer, b)
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	for k, f := range h.flights {
		select {
		case <-f.done:
			if f.known || now.Sub(f.ended) > h.cfg.JoinWindow {
				delete(h.flights, k)
			}
		default:
		}
	}
	if f, ok := h.flights[key]; ok {
		return f, false
	}
	f := &flight{done: make(chan struct{})}
	h.flights[key] = f
	return f, true
}

// land publishes a flight's answer: a definite one ends it (a resend after
// it is a new print), an unknown one stays joinable for the window.
func (h *eposHandler) land(printer string, b []byte, f *flight) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f.ended = h.now()
	close(f.done)
	if f.known {
		delete(h.flights, flightKey(printer, b))
	}
}

func flightKey(printer string, b []byte) [32]byte {
	d := sha256.New()
	d.Write([]byte(printer))
	d.Write([]byte{0})
	d.Write(b)
	var k [32]byte
	d.Sum(k[:0])
	return k
}

// answerBlind answers before the body is converted (no such printer,
// too many requests). Its form comes from the body's first kilobyte: a
// SOAP request names the envelope's namespace there.
func (h *eposHandler) answerBlind(w http.ResponseWriter, r *http.Request, o epos.Outcome) {
	head := make([]byte, 1024)
	n, _ := io.ReadFull(r.Body, head)
	h.answer(w, bytes.Contains(head[:n], []byte(epos.SOAPNamespace)), "", epos.Answer(o, epos.Printer{}))
}

func (h *eposHandler) answer(w http.ResponseWriter, envelope bool, jobID string, r epos.Response) {
	r.PrintJobID = jobID
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK) // Epson's printers answer every ePOS outcome with 200
	_, _ = w.Write(epos.AppendResponse(nil, r, envelope))
}

// withEpos serves EposPath with h and everything else with next.
func withEpos(h http.Handler, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == EposPath {
			h.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
