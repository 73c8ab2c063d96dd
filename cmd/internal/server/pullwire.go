package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/pull/sdp"
	"github.com/secuprint/receipt/printers/station"
	"github.com/secuprint/receipt/transport"
)

// The wiring of pulled printers into the server: which configured
// printers pull, their handlers at /cloudprnt and /sdp, the sweep, and
// their status on the page and the API (docs/pull-printers.md).

// sweepEvery is how often jobs of pulled printers are checked for their
// deadline and for a confirmation that never came, for printers that
// stopped polling (a polling printer is checked at each poll).
const sweepEvery = 2 * time.Second

// pulledOf is c as the pull handlers see it; nil for a printer receiptd
// connects to.
func pulledOf(c station.Config, st *station.Station) (*PulledPrinter, error) {
	a, err := transport.ParseAddress(c.Address)
	if err != nil || !a.Kind.Pulled() {
		if c.Secret != "" || c.PollInterval != 0 || c.SDPVersion != 0 {
			return nil, fmt.Errorf("server: printer %q: secret, poll_interval and sdp_version are for cloudprnt:// and sdp:// printers", c.Name)
		}
		return nil, nil
	}
	if c.PollInterval < 0 {
		return nil, fmt.Errorf("server: printer %q: poll_interval %s: want a positive duration", c.Name, c.PollInterval)
	}
	p := &PulledPrinter{Name: c.Name, Secret: c.Secret, PollInterval: c.PollInterval}
	if p.PollInterval == 0 {
		p.PollInterval = 5 * time.Second
	}
	switch a.Kind {
	case transport.KindCloudPRNT:
		if c.SDPVersion != 0 {
			return nil, fmt.Errorf("server: printer %q: sdp_version is for sdp:// printers", c.Name)
		}
		p.Kind, p.MAC = PullCloudPRNT, a.CloudPRNT.MAC
		p.Media, p.PNG = station.CloudPRNTMedia(st.Profile()), station.JobPNG(st.Profile())
	case transport.KindSDP:
		p.Kind, p.ID = PullSDP, a.SDP.ID
		switch c.SDPVersion {
		case 0, 2:
			p.SDPVersion = sdp.V2
		case 1:
			p.SDPVersion = sdp.V1
		default:
			return nil, fmt.Errorf("server: printer %q: sdp_version %d: want 1 or 2", c.Name, c.SDPVersion)
		}
	}
	return p, nil
}

// setupPull builds the pull handlers for the pulled printers among the
// stations; none: nothing is served at /cloudprnt and /sdp.
func (s *Server) setupPull() error {
	s.pulled = map[string]*PulledPrinter{}
	var ps []*PulledPrinter
	for _, st := range s.stations {
		p, err := pulledOf(st.Config(), st)
		if err != nil {
			return err
		}
		if p != nil {
			ps = append(ps, p)
			s.pulled[p.Name] = p
		}
	}
	if len(ps) == 0 {
		return nil
	}
	dir, err := NewPullTable(ps)
	if err != nil {
		return err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("server: digest key: %w", err)
	}
	deadline := s.cfg.Worker.Deadline
	s.pull = &PullHandlers{Dir: dir, Spool: s.spool, DigestKey: key, Deadline: deadline, Log: s.log}
	s.pullList = ps
	return nil
}

// isPullPath says whether a request is for the printers' endpoints.
func isPullPath(p string) bool {
	for _, base := range []string{"/cloudprnt", "/sdp"} {
		if rest, ok := strings.CutPrefix(p, base); ok && (rest == "" || rest[0] == '/') {
			return true
		}
	}
	return false
}

// withPull serves /cloudprnt and /sdp ahead of everything else: the
// printers prove themselves with their own secrets, so these paths are
// outside the bearer-token auth, CORS and the loopback host guard (a
// printer on the LAN names the service by its LAN address).
func (s *Server) withPull(rest http.Handler) http.Handler {
	if s.pull == nil {
		return rest
	}
	mux := http.NewServeMux()
	cp, sd := s.pull.CloudPRNT(), s.pull.SDP()
	mux.Handle("/cloudprnt", cp)
	mux.Handle("/cloudprnt/", cp)
	mux.Handle("/sdp", sd)
	mux.Handle("/sdp/", sd)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isPullPath(r.URL.Path) {
			mux.ServeHTTP(w, r)
			return
		}
		rest.ServeHTTP(w, r)
	})
}

// sweepPull runs the pull handlers' sweep until ctx ends, and keeps the
// printers' ready and condition gauges as their polls tell (a connected
// printer's come from its status reads), so an alert on paper running out
// needs no one to look at the page.
func (s *Server) sweepPull(ctx context.Context) {
	every(ctx, sweepEvery, func() {
		s.pull.Sweep(s.pullList)
		for _, p := range s.pullList {
			ps := s.pull.Status(p)
			var err error
			if ps.LastPoll.IsZero() {
				err = errNotPolled
			}
			s.metrics.status(p.Name, ps.Status, err)
		}
	})
}

// errNotPolled: a pulled printer's status is unknown before its first poll.
var errNotPolled = errors.New("the printer has not polled since receiptd started")

// pullView is what GET /v1/printers shows of a pulled printer besides
// the status its polls carry.
type pullView struct {
	Protocol string     `json:"protocol"` // cloudprnt or sdp
	LastPoll *time.Time `json:"last_poll,omitempty"`
	// Polling is false once the printer has not polled for 2 × its poll
	// interval + 5 s (it shows offline), and before its first poll.
	Polling       bool     `json:"polling"`
	PollInterval  string   `json:"poll_interval"`
	ClientType    string   `json:"client_type,omitempty"`
	PrintableDots int      `json:"printable_dots,omitempty"`
	Encodings     []string `json:"encodings,omitempty"`
}

// viewPulled fills v with what p's polls told.
func (s *Server) viewPulled(v *printerView, p *PulledPrinter) {
	ps := s.pull.Status(p)
	pv := &pullView{Protocol: "cloudprnt", Polling: ps.Polling, PollInterval: p.PollInterval.String(),
		ClientType: ps.ClientType, PrintableDots: ps.PrintableDots, Encodings: ps.Encodings}
	if p.Kind == PullSDP {
		pv.Protocol = "sdp"
	}
	v.Pull = pv
	if ps.LastPoll.IsZero() {
		v.Error = "the printer has not polled since receiptd started: check its server URL and secret"
		return
	}
	at := ps.LastPoll
	pv.LastPoll = &at
	st := ps.Status
	v.Status, v.StatusAt, v.Ready = &st, &at, ps.Polling && ready(st)
	if !ps.Polling {
		v.Error = "the printer stopped polling (last poll " + at.Format(time.RFC3339) + "): its jobs wait"
	}
}

// pullStatus is a pulled printer's status for the ePOS endpoint; false:
// none known (not polled yet, or stopped polling: offline).
func (s *Server) pullStatus(name string) (printers.Status, bool, bool) {
	p, ok := s.pulled[name]
	if !ok {
		return printers.Status{}, false, false
	}
	ps := s.pull.Status(p)
	if ps.LastPoll.IsZero() {
		return printers.Status{}, false, true
	}
	return ps.Status, true, true
}
