package server

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/secuprint/receipt/receipt"
)

// logoStore remembers which logo each printer holds in its NV memory under
// each key (the SHA-256 of its PNG), so a stored logo is defined once and
// again only when it changes: NV memory takes some 100 000 writes. A define
// goes ahead of the receipt that needs it and counts once that job printed;
// a job that failed leaves the record, so the next receipt defines again.
type logoStore struct {
	path string // "" keeps the record in memory only

	mu      sync.Mutex
	held    map[string]map[string]string // printer -> key -> hash hex
	pending map[string][]heldLogo        // printer, job key -> what it defines
	known   map[string][]receipt.StoredLogo
}

type heldLogo struct {
	printer, key, hash string
}

func newLogoStore(path string) (*logoStore, error) {
	ls := &logoStore{path: path, held: map[string]map[string]string{}, pending: map[string][]heldLogo{}, known: map[string][]receipt.StoredLogo{}}
	if path == "" {
		return ls, nil
	}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return ls, nil
	case err != nil:
		return nil, fmt.Errorf("server: logos: %w", err)
	}
	if err := json.Unmarshal(data, &ls.held); err != nil {
		// A damaged record costs one define per printer, nothing more.
		ls.held = map[string]map[string]string{}
	}
	return ls, nil
}

// defines returns the commands that store the logos a receipt for printer
// prints by key and the printer does not hold yet, and what they define.
func (ls *logoStore) defines(printer string, logos []receipt.StoredLogo) ([]byte, []heldLogo, error) {
	if len(logos) == 0 {
		return nil, nil, nil
	}
	ls.mu.Lock()
	ls.known[printer] = logos
	var need []receipt.StoredLogo
	var defs []heldLogo
	for _, l := range logos {
		h := hex.EncodeToString(l.Hash[:])
		if ls.held[printer][l.Key.String()] != h {
			need = append(need, l)
			defs = append(defs, heldLogo{printer, l.Key.String(), h})
		}
	}
	ls.mu.Unlock()
	b, err := receipt.AppendDefineLogos(nil, need)
	return b, defs, err
}

// sent records that the job with key on printer carries defs.
func (ls *logoStore) sent(printer, key string, defs []heldLogo) {
	if len(defs) == 0 {
		return
	}
	ls.mu.Lock()
	ls.pending[printer+"\x00"+key] = defs
	ls.mu.Unlock()
}

// finished is told a job's end: a printed job's defines are held now.
func (ls *logoStore) finished(printer, key string, printed bool) error {
	ls.mu.Lock()
	defs, ok := ls.pending[printer+"\x00"+key]
	delete(ls.pending, printer+"\x00"+key)
	if !ok || !printed {
		ls.mu.Unlock()
		return nil
	}
	for _, d := range defs {
		if ls.held[d.printer] == nil {
			ls.held[d.printer] = map[string]string{}
		}
		ls.held[d.printer][d.key] = d.hash
	}
	data, err := json.MarshalIndent(ls.held, "", "  ")
	ls.mu.Unlock()
	if err != nil || ls.path == "" {
		return err
	}
	tmp := ls.path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o640); err != nil {
		return fmt.Errorf("server: logos: %w", err)
	}
	return os.Rename(tmp, ls.path)
}

// previewDefines are the commands that put the printer's known logos into
// a preview printer, so a job that prints them by key previews with them.
func (ls *logoStore) previewDefines(printer string) []byte {
	ls.mu.Lock()
	logos := ls.known[printer]
	ls.mu.Unlock()
	b, _ := receipt.AppendDefineLogos(nil, logos) // defined once already
	return b
}

// logosFile is where a data dir keeps the record.
func logosFile(dir string) string {
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, "logos.json")
}
