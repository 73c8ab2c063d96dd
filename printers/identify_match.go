package printers

import (
	"strings"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/transport/usb"
)

// MatchKind says how closely a profile fits an identity.
type MatchKind string

const (
	// MatchExact: the printer named a model a profile is for.
	MatchExact MatchKind = "exact"
	// MatchFamily: no profile for the model, the nearest of its family.
	MatchFamily MatchKind = "family"
	// MatchFallback: nothing identified the model; the generic profile.
	MatchFallback MatchKind = "fallback"
)

// Match is how ProfileFor chose a profile, in words for the installer.
type Match struct {
	Kind   MatchKind `json:"kind"`
	Reason string    `json:"reason"`
}

// FallbackProfileID is the profile for a printer nothing identified: safe
// on any ESC/POS printer (ASCII + CP437/CP858, raster QR, no NV graphics).
const FallbackProfileID = "generic"

// modelAliases are names printers give themselves that are another
// profile's model (model numbers, USB product strings), normalised.
var modelAliases = map[string]string{
	"TSP143IV":      "TSP143IV",  // Star's model number of the TSP100IV
	"TSP143IVUE":    "TSP143IV",  // the USB/Ethernet variant's number
	"TSP143III":     "TSP100III", // Star's model number of the TSP100III
	"TSP143IIIU":    "TSP100III",
	"TSP143IIIW":    "TSP100III",
	"TSP143IIIL":    "TSP100III",
	"MCP21":         "mC-Print2", // mC-Print2 model numbers
	"MCP20":         "mC-Print2",
	"MCP31":         "mC-Print3", // mC-Print3 model numbers
	"MCP30":         "mC-Print3",
	"POS58":         "POS-58", // clone USB product strings
	"POS58PRINTER":  "POS-58",
	"POS80":         "POS-80",
	"POS80PRINTER":  "POS-80",
	"PRINTER80":     "POS-80",
	"SRP350III":     "SRP-350plusIII",
	"SRP352PLUSIII": "SRP-350plusIII",
}

// makerPrefixes are dropped from a model name before matching: printers
// and USB strings often say "EPSON TM-T88VI" or "Star TSP143IV".
var makerPrefixes = []string{"EPSON", "STARMICRONICS", "STAR", "BIXOLON", "CITIZEN", "SAMSUNG"}

// normModel upper-cases s and keeps letters and digits only, so
// "TM-m30II-H", "TM M30II H" and "tm_m30ii_h" are one name.
func normModel(s string) string { return strings.ReplaceAll(normParts(s), "-", "") }

// normParts is normModel that keeps one '-' between the parts of a name,
// so a family match ends where a part does: TM-T88VI-iHUB is of the
// TM-T88VI, not the TM-T88VII.
func normParts(s string) string {
	var b strings.Builder
	sep := false
	for _, r := range strings.ToUpper(s) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			if sep && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			sep = false
		} else {
			sep = true
		}
	}
	n := b.String()
	for _, p := range makerPrefixes {
		if strings.HasPrefix(n, p+"-") && len(n) > len(p)+3 {
			return n[len(p)+1:]
		}
		if strings.HasPrefix(n, p) && len(n) > len(p)+2 && p != "STAR" {
			return n[len(p):]
		}
	}
	return n
}

// ProfileFor chooses the profile for id: the profile of the model it
// named (exact), else the profile whose model its name extends — the
// nearest of its family, e.g. TM-T88VI-iHUB → TM-T88VI — else, for a Star,
// the TSP100IV (StarPRNT), else the generic fallback. Match says which and
// why; the caller reports it.
func ProfileFor(id Identity) (*escpos.Profile, Match) {
	var names []string
	if id.Model != "" {
		names = append(names, id.Model)
	}
	if id.USB != nil && id.USB.Product != "" {
		names = append(names, id.USB.Product)
	}
	for _, name := range names {
		if p := exactProfile(name); p != nil {
			return p, Match{MatchExact, "the printer says it is a " + strings.TrimSpace(name)}
		}
	}
	for _, name := range names {
		if p := familyProfile(name); p != nil {
			return p, Match{MatchFamily, "no profile for " + strings.TrimSpace(name) + "; " + p.ID + " is the nearest of its family"}
		}
	}
	if id.Language == "star" || strings.Contains(strings.ToUpper(id.Maker), "STAR") || id.USB != nil && id.USB.VID == 0x0519 {
		p, _ := Lookup("TSP100IV")
		what := "a Star printer"
		if len(names) > 0 {
			what += " (" + names[0] + ")"
		}
		return p, Match{MatchFamily, what + " with no profile of its own; TSP100IV (StarPRNT) is the nearest current Star model"}
	}
	p, _ := Lookup(FallbackProfileID)
	return p, Match{MatchFallback, fallbackReason(id, names)}
}

func fallbackReason(id Identity, names []string) string {
	switch {
	case len(names) > 0:
		return "no profile for " + names[0] + "; using the generic fallback " + FallbackProfileID + " (ASCII + CP437/CP858, raster QR, no NV graphics): pick the model by hand for full use"
	case id.answeredAny():
		return "the printer answers status but does not name its model; using the generic fallback " + FallbackProfileID + " (ASCII + CP437/CP858, raster QR, no NV graphics)"
	case id.USB != nil:
		v := "unknown vendor"
		if vd, ok := usb.LookupVendor(id.USB.VID); ok {
			v = vd.Name
		}
		return "the USB device (" + v + ") names no model and the printer answered nothing; using the generic fallback " + FallbackProfileID
	}
	return "the printer answered nothing; using the generic fallback " + FallbackProfileID + " (ASCII + CP437/CP858, raster QR, no NV graphics)"
}

func exactProfile(name string) *escpos.Profile {
	n := normModel(name)
	if n == "" {
		return nil
	}
	if id, ok := modelAliases[n]; ok {
		p, _ := Lookup(id)
		return p
	}
	for i := range models {
		p := &models[i]
		if p.ID == FallbackProfileID {
			continue
		}
		if normModel(p.ID) == n || normModel(p.Name) == n {
			return p
		}
	}
	return nil
}

// familyProfile is the profile whose normalised ID is the longest prefix
// of name's (at least 5 characters, so "TM" alone matches nothing).
func familyProfile(name string) *escpos.Profile {
	n := normParts(name)
	var best *escpos.Profile
	bestLen := 0
	consider := func(id string, p *escpos.Profile) {
		k := normParts(id)
		if len(k) >= 5 && len(k) > bestLen && strings.HasPrefix(n, k) && (len(n) == len(k) || n[len(k)] == '-') {
			best, bestLen = p, len(k)
		}
	}
	for i := range models {
		if models[i].Vendor == "Generic" {
			continue
		}
		consider(models[i].ID, &models[i])
	}
	for alias, id := range modelAliases {
		if p, err := Lookup(id); err == nil {
			consider(alias, p)
		}
	}
	return best
}
