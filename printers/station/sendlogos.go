package station

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/receipt"
)

// Stored logos are defined at send time, by the worker's printer (the
// link's Print), never stored in a job: a job's bytes print the logo by
// key only. So a reprint or retry cannot write an older logo back (the
// definition comes from the configuration running now), copies are whole
// receipts, and a queue of jobs defines a changed logo once, before the
// first of them that prints it.

// NVKeyLister is a printer that can say which NV graphics keys it holds
// (Epson GS ( L function 64): a ConnPrinter speaking ESC/POS.
type NVKeyLister interface {
	NVGraphicsKeys(ctx context.Context) ([]escpos.LogoKey, error)
}

// Forgetter is a LogoBook that can be told the printer lost logos (a
// reset, a swapped unit): the next receipt that prints one defines it.
type Forgetter interface {
	Forget(printer string, keep func(key string) bool)
}

// logoState is what the station knows at send time about its logos.
type logoState struct {
	mu       sync.Mutex
	current  []receipt.StoredLogo // the configuration's, from a render
	learned  bool
	verified time.Time // the printer's key list last read; zero: never
	noList   bool      // the printer did not answer the key list
	lost     bool      // a define went out partly or failed: ask again
	said     string    // what the station shows about them

	markOnce sync.Once
	mark     []byte // the copy banner, to find a legacy define behind it
}

// noteLogos keeps the logos a render of the running configuration made.
func (s *Station) noteLogos(logos []receipt.StoredLogo) {
	if len(logos) == 0 {
		return
	}
	ls := &s.logos
	ls.mu.Lock()
	ls.current, ls.learned = logos, true
	ls.mu.Unlock()
}

// currentLogos are the stored logos of the running configuration: those
// of its template, learned from a render (an empty transaction's, when no
// receipt was rendered since the start).
func (s *Station) currentLogos() []receipt.StoredLogo {
	ls := &s.logos
	ls.mu.Lock()
	learned := ls.learned
	ls.mu.Unlock()
	if !learned && s.set.opt.Logos == receipt.LogoStored {
		r := s.renderers.Get().(*receipt.Renderer)
		_, rep, err := r.RenderTransaction(nil, &receipt.Transaction{})
		s.renderers.Put(r)
		ls.mu.Lock()
		if err == nil && !ls.learned {
			ls.current = rep.Logos
		}
		ls.learned = true
		ls.mu.Unlock()
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.current
}

// printsLogos returns those of logos that job prints by key.
func printsLogos(job []byte, logos []receipt.StoredLogo) []receipt.StoredLogo {
	var used []receipt.StoredLogo
	for _, l := range logos {
		cmd, err := escpos.AppendPrintLogo(nil, l.Key)
		if err == nil && bytes.Contains(job, cmd) {
			used = append(used, l)
		}
	}
	return used
}

// stripDefines drops NV graphics definitions (GS ( L / GS 8 L function
// 67) at the start of b, or right after mark: what jobs stored by an
// earlier version carry. Their logo may be an older one; the current one
// is defined at send time instead.
func stripDefines(b, mark []byte) []byte {
	head, body := 0, b
	if len(mark) > 0 && bytes.HasPrefix(b, mark) {
		head, body = len(mark), b[len(mark):]
	}
	rest := body
	for n := defineLen(rest); n > 0; n = defineLen(rest) {
		rest = rest[n:]
	}
	if len(rest) == len(body) {
		return b // the usual case: nothing to drop, nothing copied
	}
	out := make([]byte, 0, head+len(rest))
	return append(append(out, b[:head]...), rest...)
}

// defineLen is the length of the GS ( L or GS 8 L function 67 command b
// starts with; 0 when it starts with none.
func defineLen(b []byte) int {
	switch {
	case len(b) >= 7 && b[0] == escpos.GS && b[1] == '(' && b[2] == 'L' && b[5] == 48 && b[6] == 67:
		n := 5 + int(b[3]) + int(b[4])<<8
		if n <= len(b) {
			return n
		}
	case len(b) >= 9 && b[0] == escpos.GS && b[1] == '8' && b[2] == 'L' && b[7] == 48 && b[8] == 67:
		n := 7 + int(b[3]) + int(b[4])<<8 + int(b[5])<<16 + int(b[6])<<24
		if n <= len(b) && n > 7 {
			return n
		}
	}
	return 0
}

// withLogos is job as the printer must take it now (definitions stored
// by an earlier version dropped), and the definitions of the configured
// logos it prints that the printer does not hold, to send first (used:
// the logos they define).
func (s *Station) withLogos(ctx context.Context, p printers.Printer, job []byte) (out, defines []byte, used []receipt.StoredLogo, err error) {
	if s.set.opt.Logos != receipt.LogoStored {
		return job, nil, nil, nil
	}
	job = stripDefines(job, s.copyMark())
	prints := printsLogos(job, s.currentLogos())
	if len(prints) == 0 {
		return job, nil, nil, nil
	}
	s.verifyLogos(ctx, p)
	need := s.opt.Logos.Need(s.cfg.Name, prints)
	if len(need) == 0 {
		return job, nil, nil, nil
	}
	defs, err := receipt.AppendDefineLogos(nil, need)
	if err != nil {
		return job, nil, nil, fmt.Errorf("%w: %w", ErrRender, err)
	}
	return job, defs, need, nil
}

// printLogos sends the definitions a job needs as a conversation of
// their own, before it: the receipt goes only once the printer confirmed
// them, so a printer reset or cut off mid-define gets none of the
// receipt, which is simply sent again (defining again). ok: go on with
// the receipt; otherwise res is the job's result, nothing of it sent.
func (s *Station) printLogos(ctx context.Context, p printers.Printer, defines []byte, used []receipt.StoredLogo) (res printers.Result, ok bool) {
	res = p.Print(ctx, defines)
	printed := res.Outcome == printers.OutcomePrinted
	s.sentLogos(used, printed)
	if printed {
		return res, true
	}
	res.Outcome, res.Sent = printers.OutcomeFailed, 0
	if res.Err != nil {
		res.Err = fmt.Errorf("defining the stored logo: %w", res.Err)
	} else {
		res.Err = errors.New("defining the stored logo failed")
	}
	return res, false
}

// copyMark is the banner a reprint starts with (made once: the
// configuration does not change while the station runs).
func (s *Station) copyMark() []byte {
	s.logos.markOnce.Do(func() {
		r := s.renderers.Get().(*receipt.Renderer)
		defer s.renderers.Put(r)
		if mark, err := r.AppendCopyMark(nil); err == nil {
			s.logos.mark = mark
		}
	})
	return s.logos.mark
}

// verifyLogos asks the printer which NV keys it holds before a job that
// prints a stored logo, and forgets what it lost: a printer reset or
// swapped gets its logos defined again instead of receipts printed
// without them. One short round trip (GS ( L function 64) on a printer
// that answers it; one that did not answer is not asked again until its
// link or identity changes (recheckLogos), and then the book stands
// unless a define was lost.
func (s *Station) verifyLogos(ctx context.Context, p printers.Printer) {
	f, forgets := s.opt.Logos.(Forgetter)
	if !forgets {
		return
	}
	lister, ok := unwrap(p).(NVKeyLister)
	ls := &s.logos
	ls.mu.Lock()
	ask := ok && !ls.noList
	ls.mu.Unlock()
	if !ask {
		if s.logosLost() {
			f.Forget(s.cfg.Name, func(string) bool { return false })
		}
		return
	}
	qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	keys, err := lister.NVGraphicsKeys(qctx)
	cancel()
	if err != nil {
		ls.mu.Lock()
		ls.noList = true
		ls.mu.Unlock()
		if s.logosLost() {
			f.Forget(s.cfg.Name, func(string) bool { return false })
		}
		s.sayLogos("the printer did not list its stored logos (" + err.Error() + "); the service's record is used")
		return
	}
	held := map[string]bool{}
	for _, k := range keys {
		held[k.String()] = true
	}
	f.Forget(s.cfg.Name, func(key string) bool { return held[key] })
	ls.mu.Lock()
	ls.verified, ls.lost = time.Now(), false
	ls.mu.Unlock()
	s.sayLogos("")
}

func (s *Station) logosLost() bool {
	ls := &s.logos
	ls.mu.Lock()
	defer ls.mu.Unlock()
	lost := ls.lost
	ls.lost = false
	return lost
}

func (s *Station) sayLogos(msg string) {
	s.logos.mu.Lock()
	s.logos.said = msg
	s.logos.mu.Unlock()
}

// recheckLogos makes the next job that prints a logo ask the printer
// what it holds even if it did not answer before (a reconnect, a changed
// identity); lost: the book no longer stands without that answer.
func (s *Station) recheckLogos(lost bool) {
	s.logos.mu.Lock()
	s.logos.noList = false
	s.logos.lost = s.logos.lost || lost
	s.logos.mu.Unlock()
}

// sentLogos records the outcome of a job that carried definitions: held
// once it printed; otherwise the printer may hold part of one, so it is
// asked again.
func (s *Station) sentLogos(used []receipt.StoredLogo, printed bool) {
	if len(used) == 0 {
		return
	}
	if !printed {
		s.recheckLogos(true)
		return
	}
	const key = "\x00send" // the link's own note, one job at a time
	s.opt.Logos.Sent(s.cfg.Name, key, used)
	if err := s.opt.Logos.Finished(s.cfg.Name, key, true); err != nil {
		s.sayLogos("logo record not saved: " + err.Error())
	}
}

// LogoState is what the station shows about its stored logos.
type LogoState struct {
	// Keys are the stored logos of the configuration.
	Keys []string `json:"keys,omitempty"`
	// Held are those the printer holds as far as the service knows.
	Held []string `json:"held,omitempty"`
	// Verified is when the printer's NV key list was read last.
	Verified time.Time `json:"verified,omitzero"`
	// Problem says what went wrong last, if anything.
	Problem string `json:"problem,omitempty"`
}

// Logos is the state of the station's stored logos (nil: it stores none).
func (s *Station) Logos() *LogoState {
	if s.set.opt.Logos != receipt.LogoStored {
		return nil
	}
	cur := s.currentLogos()
	st := &LogoState{}
	need := map[string]bool{}
	for _, l := range s.opt.Logos.Need(s.cfg.Name, cur) {
		need[l.Key.String()] = true
	}
	for _, l := range cur {
		st.Keys = append(st.Keys, l.Key.String())
		if !need[l.Key.String()] {
			st.Held = append(st.Held, l.Key.String())
		}
	}
	s.logos.mu.Lock()
	st.Verified, st.Problem = s.logos.verified, s.logos.said
	s.logos.mu.Unlock()
	return st
}

// unwrap is the printer behind the link's wrapper.
func unwrap(p printers.Printer) printers.Printer {
	if k, ok := p.(keepOpen); ok {
		return k.Printer
	}
	return p
}
