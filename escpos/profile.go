package escpos

import (
	"fmt"
	"strings"
)

// Profile describes what one printer model can do: the facts layout and
// encoding need. Profiles are generated from the escpos-printer-db data
// (see package printers); the zero value is not a usable profile.
type Profile struct {
	ID     string // stable key, e.g. "TM-T88V"
	Name   string
	Vendor string
	Notes  string
	// Language is the command language the model speaks; zero is ESC/POS.
	Language Language

	// Media; zero means the database does not know.
	WidthMM   float64
	WidthDots int
	DPI       int

	Fonts     []FontInfo     // ordered by Font
	CodePages []CodePageSlot // ordered by Slot
	Features  Features
}

// FontInfo is one selectable font and how many cells fit on a line in it.
type FontInfo struct {
	Font    Font
	Name    string
	Columns int
}

// CodePageSlot maps an ESC t slot number to the character table it selects.
// Encoding is the database's name for it ("CP437", "CP858", "Unknown", ...).
type CodePageSlot struct {
	Slot     uint8
	Encoding string
}

// Features are the optional capabilities a model has.
type Features struct {
	BarcodeA       bool
	BarcodeB       bool
	BitImageColumn bool
	BitImageRaster bool
	Graphics       bool
	HighDensity    bool
	PaperFullCut   bool
	PaperPartCut   bool
	PDF417         bool
	PulseBel       bool
	PulseStandard  bool
	QRCode         bool
	StarCommands   bool
}

// Columns reports how many character cells of font f fit on one line.
func (p *Profile) Columns(f Font) (int, error) {
	for _, fi := range p.Fonts {
		if fi.Font == f {
			return fi.Columns, nil
		}
	}
	return 0, fmt.Errorf("escpos: profile %s has no font %v", p.ID, f)
}

// PinCodePages returns a copy of p that uses only the named code pages
// (e.g. "CP858"), for a printer whose other tables differ from what its
// model documents, as clones' often do. The slots keep their numbers.
func (p *Profile) PinCodePages(names ...string) (*Profile, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("escpos: profile %s: no code page to pin", p.ID)
	}
	pins := make([]*CodePage, len(names))
	want := make(map[*CodePage]bool, len(names))
	for i, n := range names {
		cp, ok := LookupCodePage(n)
		if !ok {
			return nil, fmt.Errorf("escpos: unknown code page %q", n)
		}
		pins[i], want[cp] = cp, false // true once a slot holds it
	}
	pinned := *p
	pinned.CodePages = nil
	var have []string
	for _, s := range p.CodePages {
		cp, ok := LookupCodePage(s.Encoding)
		if !ok {
			continue
		}
		have = append(have, cp.Name)
		if found, pin := want[cp]; pin && !found {
			pinned.CodePages = append(pinned.CodePages, s)
			want[cp] = true
		}
	}
	for _, cp := range pins {
		if !want[cp] {
			return nil, fmt.Errorf("escpos: profile %s has no slot for code page %s (it has %s)", p.ID, cp.Name, strings.Join(have, ", "))
		}
	}
	return &pinned, nil
}
