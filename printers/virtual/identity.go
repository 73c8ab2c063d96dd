package virtual

import (
	"encoding/hex"
	"strings"
)

// The virtual printer answers identity requests as the model it plays:
// GS I n on ESC/POS models (idAnswerLocked, ahead of printerID's generic
// answers) and ESC # * LF NUL on Star models (starVersionLocked), so
// identification is tested end to end (printers.Identify).
//
// What a real unit answers is documented for few models; where it is
// (marked so below), the answer is the documented one. Elsewhere the
// model name is the product name as its maker writes it, which is what
// printers.ProfileFor reads; that a real unit answers exactly so is not
// documented.

// modelIdentity is what one model answers.
type modelIdentity struct {
	maker   string // GS I 66; "" keeps the generic answer
	name    string // GS I 67 / the Star model
	modelID byte   // GS I 1; 0 keeps the generic answer
}

// identities by profile ID.
var identities = map[string]modelIdentity{
	// Epson ESC/POS reference (TM-J2000 spec. p. 480): TM-T70 model ID
	// 0x68, printer model TM-T70.
	"TM-T70":     {maker: "EPSON", name: "TM-T70", modelID: 0x68},
	"TM-T88VI":   {maker: "EPSON", name: "TM-T88VI"},
	"TM-T88VII":  {maker: "EPSON", name: "TM-T88VII"},
	"TM-m30II":   {maker: "EPSON", name: "TM-m30II"},
	"TM-m30II-H": {maker: "EPSON", name: "TM-m30II-H"},
	"TM-m50":     {maker: "EPSON", name: "TM-m50"},
	"TM-T20IV":   {maker: "EPSON", name: "TM-T20IV"},
	"TM-L100":    {maker: "EPSON", name: "TM-L100"},
	// Bixolon command manuals, GS I: maker BIXOLON, the model as named.
	"SRP-350plusIII": {maker: "BIXOLON", name: "SRP-350plusIII"},
	"SRP-Q300":       {maker: "BIXOLON", name: "SRP-Q300"},
	"CT-S310II":      {maker: "CITIZEN", name: "CT-S310II"},
	"CT-E351":        {maker: "CITIZEN", name: "CT-E351"},
	// Clones name themselves by their USB product string; over a network
	// or serial link the virtual one answers GS I 67 alone so it can be
	// told apart in tests.
	"POS-58": {name: "POS-58"},
	"POS-80": {name: "POS-80"},
	// Star answers ESC # *; the model names are Star's model numbers.
	"TSP143IV":  {name: "TSP143IV"},
	"TSP100IV":  {name: "TSP143IV"},
	"mC-Print2": {name: "mC-Print2"},
	"mC-Print3": {name: "mC-Print3"},
}

// identity is the model's entry, or the profile's own name.
func (d *Device) identity() (modelIdentity, bool) {
	p := d.opt.Profile
	if p == nil {
		return modelIdentity{}, false
	}
	id, ok := identities[p.ID]
	return id, ok
}

// idAnswerLocked is the answer to GS I n: the model's own where known,
// else printerID's; the serial number is SetSerial's when set.
func (d *Device) idAnswerLocked(n int) []byte {
	id, ok := d.identity()
	switch {
	case n == 68 && d.serial != "":
		return idText(d.serial)
	case !ok:
	case (n == 1 || n == 49) && id.modelID != 0:
		return []byte{id.modelID}
	case n == 66 && id.maker != "":
		return idText(id.maker)
	case n == 67 && id.name != "":
		return idText(id.name)
	}
	return d.printerID(n)
}

// idText is a GS I text answer: 0x5F, printable ASCII, NUL.
func idText(s string) []byte {
	b := append(make([]byte, 0, len(s)+2), '_')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7F {
			c = '?'
		}
		b = append(b, c)
	}
	return append(b, 0)
}

// starVersionLocked answers ESC # * LF NUL as the STAR Line Mode Command
// Specifications give it: ESC # * , model Ver version LF NUL.
func (d *Device) starVersionLocked(l *link) {
	name := "virtual"
	if id, ok := d.identity(); ok && id.name != "" {
		name = id.name
	} else if p := d.opt.Profile; p != nil {
		name = strings.Fields(p.ID + " x")[0]
	}
	b := append([]byte{0x1B, '#', '*', ','}, name+" Ver1.0"...)
	for i := 4; i < len(b); i++ {
		if b[i] < 0x20 || b[i] >= 0x7F {
			b[i] = '?'
		}
	}
	b = append(b, 0x0A, 0)
	l.send(b)
	d.event(l, "ESC # * -> "+hex.EncodeToString(b))
}

// SetSerial makes the printer answer serial to GS I 68 from now on: a
// swapped printer of the same model, for tests of what notices the swap.
func (d *Device) SetSerial(serial string) {
	d.mu.Lock()
	d.serial = serial
	d.mu.Unlock()
}
