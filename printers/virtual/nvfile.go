package virtual

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/secuprint/receipt/escpos/paper"
)

// NVFile is where a Device with an out dir keeps its NV graphics memory
// between runs: the ESC/POS commands that define what it holds, so a logo
// stored yesterday prints today, as on a real printer.
const NVFile = "nv-memory.bin"

// loadNV restores the NV memory of an earlier run from OutDir. A file it
// cannot read or use costs the stored logos, not the start: it is logged.
func (d *Device) loadNV() {
	path := filepath.Join(d.opt.OutDir, NVFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		d.event(nil, "NV memory "+path+" not restored: "+err.Error())
		return
	}
	if err := d.store.Load(b, d.opt.Profile); err != nil {
		// A damaged file costs the stored logos, not the printer.
		d.event(nil, "NV memory "+path+" not restored: "+err.Error())
		d.store = paper.NewStore()
		return
	}
	d.nvSaved = d.store.Version()
	d.event(nil, "NV memory restored: "+strconv.Itoa(len(d.store.Keys()))+" graphics, "+
		strconv.Itoa(d.store.BitImages())+" bit images")
}

// saveNV writes the NV memory to OutDir when it changed; called by the
// print engine after each ticket. The file is replaced atomically.
func (d *Device) saveNV() error {
	v := d.store.Version()
	if d.opt.OutDir == "" || v == d.nvSaved {
		return nil
	}
	path := filepath.Join(d.opt.OutDir, NVFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, d.store.AppendDefinitions(nil), 0o644); err != nil {
		return fmt.Errorf("virtual: NV memory: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("virtual: NV memory: %w", err)
	}
	d.nvSaved = v
	return nil
}
