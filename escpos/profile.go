package escpos

import "fmt"

// Profile describes what one printer model can do: the facts layout and
// encoding need. Profiles are generated from the escpos-printer-db data
// (see package printers); the zero value is not a usable profile.
type Profile struct {
	ID     string // stable key, e.g. "TM-T88V"
	Name   string
	Vendor string
	Notes  string

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
