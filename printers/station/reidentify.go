package station

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/secuprint/receipt/printers"
)

// A printer configured with model "auto" was identified at start
// (Config.Identity). The station identifies it again after a reconnect —
// a job that lost the link, a status read that finds the printer back
// after it failed — and, on a link opened per job (tcp:// by default),
// at most every reidentifyEvery before a job: never per job on a link
// that stays up. It notices a swapped unit (serial changed), which also
// makes its stored logos be checked again, and another model.

// Identifier is a printer that can say what it is over its own link (a
// ConnPrinter).
type Identifier interface {
	Identify(ctx context.Context, opt printers.IdentifyOptions) (printers.Identity, error)
}

// reidentifyEvery bounds how long a per-job link goes without asking.
const reidentifyEvery = 10 * time.Minute

// identifyTimeout bounds one re-identification (GS I: a few requests).
const identifyTimeout = 5 * time.Second

type identState struct {
	mu      sync.Mutex
	w       *printers.IdentityWatcher
	on      Identifier // the printer the watcher asks, set per check
	cur     printers.Identification
	change  printers.Change
	at      time.Time // last check
	due     bool      // a reconnect was seen: check before the next job
	problem string
}

// Identity is what the printer last said it is, how that compares with
// the identification before, and what the station cannot follow (another
// model than it renders for); ok false: the printer's model is
// configured, not "auto".
type Identity struct {
	printers.Identification
	Change  printers.Change
	At      time.Time
	Problem string
}

// watchIdentity starts the watcher of an "auto" printer from what it said
// at start.
func (s *Station) watchIdentity() {
	start := s.cfg.Identity
	if start == nil {
		return
	}
	seeded := false
	id := &s.ident
	id.w = printers.NewIdentityWatcherFunc(func(ctx context.Context) (printers.Identification, error) {
		if !seeded {
			seeded = true
			return *start, nil
		}
		ident, err := id.on.Identify(ctx, printers.IdentifyOptions{Timeout: 300 * time.Millisecond})
		if err != nil && !errors.Is(err, printers.ErrNoIdentity) {
			return printers.Identification{}, err // the link failed: the last identity stands
		}
		res := printers.Identification{Address: s.cfg.Address, Identity: ident, Err: err}
		res.Profile, res.Match = printers.ProfileFor(ident)
		return res, nil
	})
	res, change, _ := id.w.Check(context.Background())
	id.cur, id.change, id.at = res, change, time.Now()
}

// Identity is the printer's identity as last checked (ok false: its model
// is configured, not "auto").
func (s *Station) Identity() (Identity, bool) {
	id := &s.ident
	id.mu.Lock()
	defer id.mu.Unlock()
	if id.w == nil {
		return Identity{}, false
	}
	return Identity{Identification: id.cur, Change: id.change, At: id.at, Problem: id.problem}, true
}

// reconnected notes a broken or restored link: the printer may be another
// one now.
func (s *Station) reconnected() {
	s.recheckLogos(false) // and asked for its NV keys again
	id := &s.ident
	id.mu.Lock()
	id.due = id.w != nil
	id.mu.Unlock()
}

// identifyDue reports whether the printer is to be identified before the
// next job.
func (s *Station) identifyDue() bool {
	id := &s.ident
	id.mu.Lock()
	defer id.mu.Unlock()
	if id.w == nil {
		return false
	}
	return id.due || (!s.cfg.KeepOpen && time.Since(id.at) > reidentifyEvery)
}

// reidentify asks p what it is and compares it with the last answer.
func (s *Station) reidentify(ctx context.Context, p printers.Printer) {
	on, ok := unwrap(p).(Identifier)
	id := &s.ident
	if !ok || id.w == nil {
		return
	}
	id.mu.Lock()
	defer id.mu.Unlock()
	id.on = on
	ctx, cancel := context.WithTimeout(ctx, identifyTimeout)
	res, change, err := id.w.Check(ctx)
	cancel()
	// A link that failed mid-way is asked again before the next job.
	id.due, id.at = err != nil, time.Now()
	if res.Profile != nil {
		id.cur = res
	}
	id.change = change
	if res.Profile != nil && res.Profile.ID == s.set.profile.ID {
		id.problem = "" // the model it renders for (again)
	}
	switch change {
	case printers.ChangeSwapped:
		// Another unit: its NV memory is not the old one's.
		s.recheckLogos(true)
	case printers.ChangeModel:
		s.recheckLogos(true)
		if res.Profile != nil && res.Profile.ID != s.set.profile.ID {
			id.problem = "the printer at " + s.cfg.Address + " is now " + res.Profile.ID + ", jobs are rendered for " +
				s.set.profile.ID + ": restart receiptd (model = \"auto\" chooses again at start) and send the receipt again"
		}
	}
	if s.opt.Identified != nil {
		s.opt.Identified(s.cfg.Name, res, change, err)
	}
}

// refusal is why no job prints while the printer is another model than
// the station renders for ("" when it is not).
func (s *Station) refusal() string {
	id := &s.ident
	id.mu.Lock()
	defer id.mu.Unlock()
	return id.problem
}
