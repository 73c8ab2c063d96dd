package printers

import (
	"context"
	"sync"

	"github.com/secuprint/receipt/escpos"
)

// Change is what a new identification says about the printer behind an
// address, compared with the last one that named it.
type Change string

const (
	// ChangeFirst: the first identification.
	ChangeFirst Change = "first"
	// ChangeSame: the same unit as before.
	ChangeSame Change = "same"
	// ChangeSwapped: the same model with another serial number: another
	// unit (its NV logos, its settings are not the old one's).
	ChangeSwapped Change = "swapped"
	// ChangeModel: another model: its jobs must be rendered for it.
	ChangeModel Change = "model"
	// ChangeKept: the printer did not say (GS I is not real-time: paper
	// end, offline); the last identity stands, never the fallback.
	ChangeKept Change = "kept"
)

// IdentityWatcher keeps what one printer is across restarts of its link:
// identify it at start and again on every reconnect (Check), and it says
// whether it is still the same unit. A printer identified once keeps its
// identity and profile while it does not answer.
type IdentityWatcher struct {
	identify func(context.Context) (Identification, error)
	mu       sync.Mutex
	cur      *Identification // the last identification that named a model
	last     Identification  // the last result given out
}

// NewIdentityWatcher watches the printer at address (see IdentifyAddress
// for model and opt).
func NewIdentityWatcher(address string, model *escpos.Profile, opt IdentifyOptions) *IdentityWatcher {
	return NewIdentityWatcherFunc(func(ctx context.Context) (Identification, error) {
		return IdentifyAddress(ctx, address, model, opt)
	})
}

// NewIdentityWatcherFunc watches what identify says: for links the caller
// opens itself.
func NewIdentityWatcherFunc(identify func(context.Context) (Identification, error)) *IdentityWatcher {
	return &IdentityWatcher{identify: identify}
}

// Check identifies the printer now and compares it with the last time. An
// error is an address that cannot be opened; the last identity stands.
func (w *IdentityWatcher) Check(ctx context.Context) (Identification, Change, error) {
	res, err := w.identify(ctx)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		if w.cur != nil {
			return *w.cur, ChangeKept, err
		}
		return res, ChangeFirst, err
	}
	named := res.Err == nil && res.Match.Kind != MatchFallback
	switch {
	case w.cur == nil && !named:
		w.last = res // the fallback, reported; a later answer replaces it
		return res, ChangeFirst, nil
	case w.cur == nil:
		w.cur, w.last = &res, res
		return res, ChangeFirst, nil
	case !named:
		kept := *w.cur
		kept.Err = res.Err
		w.last = kept
		return kept, ChangeKept, nil
	}
	change := ChangeSame
	switch {
	case res.Profile.ID != w.cur.Profile.ID || res.Identity.Model != w.cur.Identity.Model:
		change = ChangeModel
	case !res.Identity.SameUnit(w.cur.Identity):
		change = ChangeSwapped
	}
	w.cur, w.last = &res, res
	return res, change, nil
}

// Current is the last identification Check gave, and whether one named
// the printer's model (false: none yet, or only the fallback).
func (w *IdentityWatcher) Current() (Identification, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last, w.cur != nil
}
