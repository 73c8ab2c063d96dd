package escpos

import "encoding/json"

// profileJSON is a Profile as JSON: snake_case names like every other JSON
// the project writes (receipt models -json, the service's API), and fonts by
// their letter.
type profileJSON struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Vendor    string         `json:"vendor"`
	Notes     string         `json:"notes,omitempty"`
	Language  Language       `json:"language"`
	WidthMM   float64        `json:"width_mm"`
	WidthDots int            `json:"width_dots"`
	DPI       int            `json:"dpi"`
	Fonts     []fontJSON     `json:"fonts"`
	CodePages []codePageJSON `json:"code_pages"`
	Features  featuresJSON   `json:"features"`
}

type fontJSON struct {
	Font    string `json:"font"`
	Name    string `json:"name"`
	Columns int    `json:"columns"`
}

type codePageJSON struct {
	Slot     uint8  `json:"slot"`
	Encoding string `json:"encoding"`
}

// featuresJSON has Features' fields in its order; a test checks that none
// is missing.
type featuresJSON struct {
	BarcodeA       bool `json:"barcode_a"`
	BarcodeB       bool `json:"barcode_b"`
	BitImageColumn bool `json:"bit_image_column"`
	BitImageRaster bool `json:"bit_image_raster"`
	Graphics       bool `json:"graphics"`
	HighDensity    bool `json:"high_density"`
	PaperFullCut   bool `json:"paper_full_cut"`
	PaperPartCut   bool `json:"paper_part_cut"`
	PDF417         bool `json:"pdf417"`
	PulseBel       bool `json:"pulse_bel"`
	PulseStandard  bool `json:"pulse_standard"`
	QRCode         bool `json:"qr_code"`
	StarCommands   bool `json:"star_commands"`
}

// MarshalJSON writes the profile with snake_case field names ("id",
// "width_mm", "code_pages", ...) and fonts as "A", "B", "C".
func (p Profile) MarshalJSON() ([]byte, error) {
	j := profileJSON{ID: p.ID, Name: p.Name, Vendor: p.Vendor, Notes: p.Notes, Language: p.Language,
		WidthMM: p.WidthMM, WidthDots: p.WidthDots, DPI: p.DPI,
		Fonts: make([]fontJSON, len(p.Fonts)), CodePages: make([]codePageJSON, len(p.CodePages)),
		Features: featuresJSON(p.Features)}
	for i, f := range p.Fonts {
		j.Fonts[i] = fontJSON{Font: f.Font.String(), Name: f.Name, Columns: f.Columns}
	}
	for i, c := range p.CodePages {
		j.CodePages[i] = codePageJSON(c)
	}
	return json.Marshal(j)
}
