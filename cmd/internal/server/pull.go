package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/pull/cloudprnt"
	"github.com/secuprint/receipt/printers/pull/sdp"
	"github.com/secuprint/receipt/printers/spool"
)

// Printers that pull their jobs (docs/pull-printers.md): receiptd never
// dials them; their jobs wait in the spool and go out when they ask at
// /cloudprnt (Star CloudPRNT) or /sdp (Epson Server Direct Print). The
// handlers here are thin adapters: the protocol is in printers/pull, the
// state in the spool.

// PullKind says which protocol a pulled printer speaks.
type PullKind int

const (
	PullCloudPRNT PullKind = iota + 1
	PullSDP
)

// PulledPrinter is one pulled printer as the handlers see it.
type PulledPrinter struct {
	// Name is the printer's name in the spool and the API.
	Name string
	Kind PullKind
	// MAC (CloudPRNT, lower case aa:bb:…) or ID (SDP, as set in the
	// printer's WebConfig) names the printer in its requests.
	MAC, ID string
	// Secret guards the printer's endpoint: the last path element of the
	// URL it is given (/cloudprnt/SECRET, /sdp/SECRET), or the password
	// of HTTP Basic (CloudPRNT) or Digest (SDP) authentication.
	Secret string
	// Media are the CloudPRNT types the printer is served, best first:
	// its language (StarPRNT or Star Line) and image/png.
	Media []cloudprnt.MediaType
	// SDPVersion is V2 (printjobid, several jobs per answer) unless the
	// firmware predates it (V1: one job per poll).
	SDPVersion sdp.Version
	// PollInterval is what the printer is set to; the printer shows
	// offline after 2 × it + 5 s without a poll (Star's guidance).
	PollInterval time.Duration
	// PNG draws a job's bytes as the paper engine prints them
	// (CloudPRNT's image/png).
	PNG func(job []byte) ([]byte, error)
}

// offlineAfter is how long without a poll a printer shows offline.
func (p *PulledPrinter) offlineAfter() time.Duration {
	iv := p.PollInterval
	if iv <= 0 {
		iv = 5 * time.Second
	}
	return 2*iv + 5*time.Second
}

// PrintAllowance is added to the offline time before a job handed out
// and never confirmed becomes unknown: some CloudPRNT clients stop
// polling while they print (Star's guidance allows about a minute).
const PrintAllowance = 60 * time.Second

// confirmWithin is how long a handed job may wait for its confirmation.
func (p *PulledPrinter) confirmWithin() time.Duration { return p.offlineAfter() + PrintAllowance }

// PullDirectory finds pulled printers.
type PullDirectory interface {
	ByMAC(mac string) (*PulledPrinter, bool)
	BySDPID(id string) (*PulledPrinter, bool)
	// BySecret finds the printer whose endpoint secret is s.
	BySecret(kind PullKind, s string) (*PulledPrinter, bool)
}

// PullSpool is the spool's API for pulled printers (*spool.Spool).
type PullSpool interface {
	PullPeek(printer string) (spool.PullState, error)
	PullFetch(printer, id string, one bool) (spool.Job, []byte, bool, error)
	PullFetchBatch(printer string, max int, take func(sizes []int) int) ([]spool.Job, [][]byte, error)
	PullConfirm(printer, id string, o spool.PullOutcome, reason string) (spool.Job, error)
	ExpirePulled(printer string, cutoff time.Time, reason string) (int, error)
	FailOverdue(printer string, deadline time.Duration, reason string) (int, error)
	Bytes(id string) ([]byte, error)
}

// PullTable is a PullDirectory built from a list.
type PullTable struct {
	macs, ids map[string]*PulledPrinter
	secrets   map[[32]byte]*PulledPrinter
}

// NewPullTable checks the printers and indexes them.
func NewPullTable(ps []*PulledPrinter) (*PullTable, error) {
	t := &PullTable{macs: map[string]*PulledPrinter{}, ids: map[string]*PulledPrinter{}, secrets: map[[32]byte]*PulledPrinter{}}
	for _, p := range ps {
		switch p.Kind {
		case PullCloudPRNT:
			mac, err := cloudprnt.NormalizeMAC(p.MAC)
			if err != nil {
				return nil, fmt.Errorf("server: pulled printer %s: %w", p.Name, err)
			}
			if _, dup := t.macs[mac]; dup {
				return nil, fmt.Errorf("server: MAC %s configured twice", mac)
			}
			p.MAC, t.macs[mac] = mac, p
			if len(p.Media) == 0 {
				return nil, fmt.Errorf("server: pulled printer %s: no media types", p.Name)
			}
		case PullSDP:
			if p.ID == "" {
				return nil, fmt.Errorf("server: pulled printer %s: no SDP ID", p.Name)
			}
			if _, dup := t.ids[p.ID]; dup {
				return nil, fmt.Errorf("server: SDP ID %s configured twice", p.ID)
			}
			t.ids[p.ID] = p
			if p.SDPVersion == 0 {
				p.SDPVersion = sdp.V2
			}
		default:
			return nil, fmt.Errorf("server: pulled printer %s: kind %d", p.Name, p.Kind)
		}
		// A secret short enough to guess would let anyone fetch the
		// receipts or confirm them away.
		if len(p.Secret) < 16 {
			return nil, fmt.Errorf("server: pulled printer %s: secret of at least 16 characters required", p.Name)
		}
		k := sha256.Sum256([]byte(p.Secret))
		if _, dup := t.secrets[k]; dup {
			return nil, fmt.Errorf("server: pulled printer %s: its secret is another printer's", p.Name)
		}
		t.secrets[k] = p
	}
	return t, nil
}

func (t *PullTable) ByMAC(mac string) (*PulledPrinter, bool)  { p, ok := t.macs[mac]; return p, ok }
func (t *PullTable) BySDPID(id string) (*PulledPrinter, bool) { p, ok := t.ids[id]; return p, ok }

// BySecret looks the secret up by its hash: the map lookup's timing says
// nothing about how close a guess came.
func (t *PullTable) BySecret(kind PullKind, s string) (*PulledPrinter, bool) {
	p, ok := t.secrets[sha256.Sum256([]byte(s))]
	if !ok || p.Kind != kind {
		return nil, false
	}
	return p, true
}

// secretIs compares in constant time.
func secretIs(p *PulledPrinter, s string) bool {
	a, b := sha256.Sum256([]byte(p.Secret)), sha256.Sum256([]byte(s))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// PullHandlers serve /cloudprnt and /sdp.
type PullHandlers struct {
	Dir   PullDirectory
	Spool PullSpool
	Log   *slog.Logger
	Now   func() time.Time
	// DigestKey signs SDP's Digest nonces (random, per process).
	DigestKey []byte
	// Deadline bounds how long a job waits for its printer to fetch it
	// (offline, out of paper…) before it fails, as a worker's deadline
	// does for a connected printer; 0: 10 minutes. Checked at every poll
	// and by Sweep.
	Deadline time.Duration

	digest digestCounts
	mu     sync.Mutex
	seen   map[string]*pullSeen // by printer name
}

// pullSeen is what the last requests told of a printer.
type pullSeen struct {
	at        time.Time
	status    printers.Status
	hasStatus bool // an SDP printer sent SetStatus
	printing  bool
	// CloudPRNT client facts, asked once by clientAction.
	asked      bool
	clientType string
	encodings  []string
	page       *cloudprnt.PageInfo
}

func (h *PullHandlers) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *PullHandlers) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.New(slog.DiscardHandler)
}

// saw records a request from p and returns its record.
func (h *PullHandlers) saw(p *PulledPrinter, f func(*pullSeen)) pullSeen {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.seen == nil {
		h.seen = map[string]*pullSeen{}
	}
	s := h.seen[p.Name]
	if s == nil {
		s = &pullSeen{}
		h.seen[p.Name] = s
	}
	s.at = h.now()
	if f != nil {
		f(s)
	}
	return *s
}

// PullStatus is what the page and the API show of a pulled printer.
type PullStatus struct {
	// Status is the last one the printer reported; Online is false once
	// it stopped polling (2 × its interval + 5 s).
	Status   printers.Status
	LastPoll time.Time // zero: not since receiptd started
	Polling  bool
	// ClientType and PrintableDots are what the CloudPRNT client said
	// of itself (clientAction ClientType, PageInfo).
	ClientType    string
	PrintableDots int
	Encodings     []string
}

// Status returns p's status as its polls tell it.
func (h *PullHandlers) Status(p *PulledPrinter) PullStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.seen[p.Name]
	if s == nil {
		return PullStatus{}
	}
	ps := PullStatus{Status: s.status, LastPoll: s.at, Polling: h.now().Sub(s.at) <= p.offlineAfter(),
		ClientType: s.clientType, Encodings: s.encodings}
	if s.page != nil {
		ps.PrintableDots = s.page.PrintableDots
	}
	if !ps.Polling {
		ps.Status.Online = false
	}
	return ps
}

// peek is what waits for p, as a poll answers it, after the deadline
// and the confirmation time were applied. A poll reads the spool once
// unless one of them is due (then it writes and reads again): it used to
// read the oldest queued job twice and open three read transactions, a
// third of the handler's time. Hand-out records whose job was settled
// otherwise are left to Sweep.
func (h *PullHandlers) peek(p *PulledPrinter, printing bool) (spool.PullState, error) {
	st, err := h.Spool.PullPeek(p.Name)
	if err != nil {
		return st, err
	}
	changed := false
	if !printing {
		cutoff := h.now().Add(-p.confirmWithin())
		for _, o := range st.Out {
			if o.At.Before(cutoff) {
				changed = h.expire(p, false) > 0
				break
			}
		}
	}
	if st.HasNext && st.Read.Sub(st.NextDue) > h.deadline() {
		changed = h.overdue(p) > 0 || changed
	}
	if changed {
		return h.Spool.PullPeek(p.Name)
	}
	return st, nil
}

// expire turns p's jobs handed out too long ago, never confirmed, into
// unknown; not while the printer says it is printing. It returns how many.
func (h *PullHandlers) expire(p *PulledPrinter, printing bool) int {
	if printing {
		return 0
	}
	cutoff := h.now().Add(-p.confirmWithin())
	reason := "fetched by the printer but never confirmed within " + p.confirmWithin().String() +
		": check the paper, then reprint or dismiss"
	n, err := h.Spool.ExpirePulled(p.Name, cutoff, reason)
	if err != nil {
		h.log().Error("pull: expire", "printer", p.Name, "err", err)
	} else if n > 0 {
		h.log().Warn("pull: jobs never confirmed are unknown", "printer", p.Name, "jobs", n)
	}
	return n
}

// deadline is how long a job waits for its printer to fetch it.
func (h *PullHandlers) deadline() time.Duration {
	if h.Deadline <= 0 {
		return 10 * time.Minute
	}
	return h.Deadline
}

// overdue fails p's jobs that waited past the deadline; it returns how
// many.
func (h *PullHandlers) overdue(p *PulledPrinter) int {
	d := h.deadline()
	reason := "gave up after " + d.String() + ": the printer did not fetch it (offline, out of paper, cover open…); reprint it when the printer is back"
	n, err := h.Spool.FailOverdue(p.Name, d, reason)
	if err != nil {
		h.log().Error("pull: deadline", "printer", p.Name, "err", err)
	} else if n > 0 {
		h.log().Warn("pull: jobs gave up waiting", "printer", p.Name, "jobs", n)
	}
	return n
}

// Sweep applies the deadline and the confirmation time to printers that
// may have stopped polling: receiptd calls it every few seconds.
func (h *PullHandlers) Sweep(ps []*PulledPrinter) {
	for _, p := range ps {
		h.overdue(p)
		printing := false
		h.mu.Lock()
		if s := h.seen[p.Name]; s != nil {
			printing = s.printing
		}
		h.mu.Unlock()
		h.expire(p, printing)
	}
}

// ready says whether a printer reporting st can take a job now: one that
// is out of paper, open or in error leaves it waiting.
func ready(st printers.Status) bool {
	return st.Online && !st.PaperEnd && !st.CoverOpen && !st.Error
}
