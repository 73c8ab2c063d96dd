package station

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/receipt"
)

// ErrPrinting is a status read while this service prints on the printer:
// the answer is the last status read (LastStatus), not a wait behind the
// job's conversation, which may take its 20 s.
var ErrPrinting = fmt.Errorf("%w printing a job", printers.ErrBusy)

// Opener connects to a configured printer (printers.Open in production).
type Opener func(ctx context.Context, c Config) (printers.Printer, error)

// link is one connection per printer, used by its worker and by status
// reads (a printer serves one host connection at a time). Whether a
// network link stays open between jobs is the connection's (KeepOpen is
// passed to printers.Open); a link's jobs and reads take turns here.
type link struct {
	open Opener
	cfg  Config
	// mu guards p; a channel, so a status read gives up at its deadline
	// while another caller's open of the printer takes its time.
	mu   chan struct{}
	p    printers.Printer
	last lastStatus // what the printer said last, for reads while it prints
	// st defines the station's stored logos at send time (sendlogos.go).
	st *Station
}

func newLink(open Opener, cfg Config) *link {
	return &link{open: open, cfg: cfg, mu: make(chan struct{}, 1)}
}

// get is the printer for a worker or a status read.
func (l *link) get(ctx context.Context) (printers.Printer, error) {
	if l.open == nil {
		return nil, fmt.Errorf("printer %s: no way to open it", l.cfg.Name)
	}
	select {
	case l.mu <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("printer %s: still connecting: %w", l.cfg.Name, ctx.Err())
	}
	defer func() { <-l.mu }()
	if l.p == nil {
		p, err := l.open(ctx, l.cfg)
		if err != nil {
			return nil, err
		}
		l.p = p
	}
	return keepOpen{l.p, l}, nil
}

func (l *link) close() error {
	l.mu <- struct{}{}
	defer func() { <-l.mu }()
	if l.p == nil {
		return nil
	}
	err := l.p.Close()
	l.p = nil
	return err
}

// keepOpen lets the worker "close" its printer without closing the shared
// one; a ConnPrinter redials by itself after a broken link.
type keepOpen struct {
	printers.Printer
	l *link
}

func (keepOpen) Close() error { return nil }

// Recover passes the queue's request to clear a recoverable error on to a
// printer that can (a ConnPrinter: DLE ENQ 2).
func (k keepOpen) Recover(ctx context.Context) error {
	if r, ok := k.Printer.(spool.Recoverer); ok {
		return r.Recover(ctx)
	}
	return fmt.Errorf("printer %s cannot clear an error itself", k.l.cfg.Name)
}

// Print marks the printer busy for status reads while the job prints, and
// keeps the status its confirmation carries.
func (k keepOpen) Print(ctx context.Context, job []byte) printers.Result {
	l := &k.l.last
	l.mu.Lock()
	l.jobs++
	l.mu.Unlock()
	res, ok := printers.Result{}, true
	if st := k.l.st; st != nil && st.identifyDue() {
		st.reidentify(ctx, k.Printer)
	}
	if st := k.l.st; st != nil {
		if why := st.refusal(); why != "" {
			// Rendered for another model: its bytes would print wrong
			// (width, code pages, codes). The job is not re-rendered: the
			// spool keeps bytes, not the transaction.
			res, ok = printers.Result{Outcome: printers.OutcomeFailed, Reason: printers.ReasonPrinterError, Err: errors.New(why), Refused: true}, false
		}
	}
	if st := k.l.st; st != nil && ok {
		var defines []byte
		var used []receipt.StoredLogo
		var err error
		if job, defines, used, err = st.withLogos(ctx, k.Printer, job); err != nil {
			res, ok = printers.Result{Outcome: printers.OutcomeFailed, Err: err}, false
		} else if len(defines) > 0 {
			res, ok = st.printLogos(ctx, k.Printer, defines, used)
		}
	}
	if ok {
		res = k.Printer.Print(ctx, job)
	}
	l.mu.Lock()
	l.jobs--
	if res.Status != nil {
		l.st, l.at = *res.Status, time.Now()
	}
	l.mu.Unlock()
	if st := k.l.st; st != nil && (res.Reason == printers.ReasonDisconnected || res.Reason == printers.ReasonTimeout) {
		st.reconnected() // the next job may find another printer
	}
	return res
}

// lastStatus is a printer's last known status and whether a job of ours
// is printing on it.
type lastStatus struct {
	mu   sync.Mutex
	jobs int // Print calls in progress
	st   printers.Status
	at   time.Time // zero: no status read yet
	down bool      // the last status read failed
	// err, errAt: why the last status read failed, and when.
	err   error
	errAt time.Time
}

// set keeps st; true when the reads before it failed (the printer came
// back).
func (l *lastStatus) set(st printers.Status) (back bool) {
	l.mu.Lock()
	l.st, l.at = st, time.Now()
	back, l.down, l.err = l.down, false, nil
	l.mu.Unlock()
	return back
}

// failed notes a status read that found no printer.
func (l *lastStatus) failed(err error) {
	l.mu.Lock()
	l.down, l.err, l.errAt = true, err, time.Now()
	l.mu.Unlock()
}

func (l *lastStatus) printing() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.jobs > 0
}

// ReadStatus asks the printer for its status (3 s at most). While a job
// of ours prints it answers ErrPrinting at once; a printer another host
// holds answers an error wrapping printers.ErrBusy. Either way
// LastStatus has what was seen last.
func (s *Station) ReadStatus(ctx context.Context) (printers.Status, error) {
	l := s.link
	if l.last.printing() {
		return printers.Status{}, ErrPrinting
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	pr, err := l.get(ctx)
	var st printers.Status
	if err == nil {
		st, err = pr.Status(ctx)
	}
	if err == nil {
		if l.last.set(st) {
			// Back after failed reads: perhaps another printer.
			s.reconnected()
			s.reidentify(ctx, pr)
		}
	} else {
		// A shared printer that went away reads as busy too.
		l.last.failed(err)
	}
	if s.opt.StatusRead != nil && !errors.Is(err, printers.ErrBusy) {
		s.opt.StatusRead(s.cfg.Name, st, err)
	}
	return st, err
}

// LastStatus is the status the printer gave last and when (zero: none
// read yet).
func (s *Station) LastStatus() (printers.Status, time.Time) {
	l := &s.link.last
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.st, l.at
}

// LastRead is what the station's status reads found last, read without
// asking the printer (a fleet site announces it each heartbeat).
type LastRead struct {
	// Status is the last status the printer gave, at At (zero: none yet).
	Status printers.Status
	At     time.Time
	// Err is why the read after it failed, at ErrAt (nil: it did not):
	// Status is then older than what the printer is now.
	Err   error
	ErrAt time.Time
	// Printing: a job of ours is printing on it now.
	Printing bool
}

// LastRead is what the last status reads found (ReadStatus, and the
// confirmation each job carries).
func (s *Station) LastRead() LastRead {
	l := &s.link.last
	l.mu.Lock()
	defer l.mu.Unlock()
	r := LastRead{Status: l.st, At: l.at, Printing: l.jobs > 0}
	if l.down && !l.errAt.Before(l.at) { // a job's confirmation since says more
		r.Err, r.ErrAt = l.err, l.errAt
	}
	return r
}

// Printer is the printer for the station's spool worker (spool.Run's
// open): the shared link, which a worker's Close leaves open.
func (s *Station) Printer(ctx context.Context) (printers.Printer, error) { return s.link.get(ctx) }

// Close closes the station's link to its printer.
func (s *Station) Close() error { return s.link.close() }
