package station

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/secuprint/receipt/receipt"
)

// LogoBook knows which stored logo each printer holds in its NV memory,
// so a stored logo is defined ahead of the receipt that needs it once,
// and again only when it changes: NV memory takes some 100 000 writes.
// A book that checks the printer itself (reading its NV key list) fits
// here too.
type LogoBook interface {
	// Need returns those of a receipt's logos the printer does not hold.
	Need(printer string, logos []receipt.StoredLogo) []receipt.StoredLogo
	// Sent notes that the job with key carries the definitions of logos.
	Sent(printer, key string, logos []receipt.StoredLogo)
	// Finished is told a job's end: a printed job's definitions are held
	// now; a failed one leaves the record, so the next receipt defines
	// again.
	Finished(printer, key string, printed bool) error
	// Known returns the logos the printer's receipts last printed by key,
	// for a preview printer to hold as the real one does.
	Known(printer string) []receipt.StoredLogo
}

// LogoFile is the LogoBook receiptd keeps: in memory, and in a file
// (logos.json in the data dir) across restarts.
type LogoFile struct {
	path string // "" keeps the record in memory only

	mu      sync.Mutex
	held    map[string]map[string]string // printer -> key -> hash hex
	pending map[string][]heldLogo        // printer, job key -> what it defines
	known   map[string][]receipt.StoredLogo
}

type heldLogo struct {
	printer, key, hash string
}

// OpenLogoFile reads the record at path ("" keeps it in memory). A
// damaged record costs one define per printer, nothing more.
func OpenLogoFile(path string) (*LogoFile, error) {
	lf := &LogoFile{path: path, held: map[string]map[string]string{}, pending: map[string][]heldLogo{}, known: map[string][]receipt.StoredLogo{}}
	if path == "" {
		return lf, nil
	}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return lf, nil
	case err != nil:
		return nil, fmt.Errorf("station: logos: %w", err)
	}
	if err := json.Unmarshal(data, &lf.held); err != nil {
		lf.held = map[string]map[string]string{}
	}
	return lf, nil
}

// Need implements LogoBook.
func (lf *LogoFile) Need(printer string, logos []receipt.StoredLogo) []receipt.StoredLogo {
	if len(logos) == 0 {
		return nil
	}
	lf.mu.Lock()
	defer lf.mu.Unlock()
	lf.known[printer] = logos
	var need []receipt.StoredLogo
	for _, l := range logos {
		if lf.held[printer][l.Key.String()] != hex.EncodeToString(l.Hash[:]) {
			need = append(need, l)
		}
	}
	return need
}

// Sent implements LogoBook.
func (lf *LogoFile) Sent(printer, key string, logos []receipt.StoredLogo) {
	if len(logos) == 0 {
		return
	}
	defs := make([]heldLogo, len(logos))
	for i, l := range logos {
		defs[i] = heldLogo{printer, l.Key.String(), hex.EncodeToString(l.Hash[:])}
	}
	lf.mu.Lock()
	lf.pending[printer+"\x00"+key] = defs
	lf.mu.Unlock()
}

// Finished implements LogoBook.
func (lf *LogoFile) Finished(printer, key string, printed bool) error {
	lf.mu.Lock()
	defs, ok := lf.pending[printer+"\x00"+key]
	delete(lf.pending, printer+"\x00"+key)
	if !ok || !printed {
		lf.mu.Unlock()
		return nil
	}
	for _, d := range defs {
		if lf.held[d.printer] == nil {
			lf.held[d.printer] = map[string]string{}
		}
		lf.held[d.printer][d.key] = d.hash
	}
	data, err := json.MarshalIndent(lf.held, "", "  ")
	lf.mu.Unlock()
	if err != nil || lf.path == "" {
		return err
	}
	tmp := lf.path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o640); err != nil {
		return fmt.Errorf("station: logos: %w", err)
	}
	return os.Rename(tmp, lf.path)
}

// Forget implements Forgetter: the printer holds only the keys keep
// accepts (it was reset, swapped, or its key list says so).
func (lf *LogoFile) Forget(printer string, keep func(key string) bool) {
	lf.mu.Lock()
	changed := false
	for k := range lf.held[printer] {
		if !keep(k) {
			delete(lf.held[printer], k)
			changed = true
		}
	}
	data, err := json.MarshalIndent(lf.held, "", "  ")
	lf.mu.Unlock()
	if !changed || err != nil || lf.path == "" {
		return
	}
	// Best effort: a record not rewritten costs one define at a restart.
	tmp := lf.path + ".tmp"
	if os.WriteFile(tmp, data, 0o640) == nil {
		_ = os.Rename(tmp, lf.path)
	}
}

// Known implements LogoBook.
func (lf *LogoFile) Known(printer string) []receipt.StoredLogo {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	return lf.known[printer]
}

// LogosHeld is the book of a printer that holds every logo already (the
// CLI's -logo stored: someone defined them before).
type LogosHeld struct{}

func (LogosHeld) Need(string, []receipt.StoredLogo) []receipt.StoredLogo { return nil }
func (LogosHeld) Sent(string, string, []receipt.StoredLogo)              {}
func (LogosHeld) Finished(string, string, bool) error                    { return nil }
func (LogosHeld) Known(string) []receipt.StoredLogo                      { return nil }
