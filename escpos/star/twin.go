package star

import (
	"sync"

	"github.com/secuprint/receipt/escpos"
)

var twins sync.Map // *escpos.Profile -> *escpos.Profile

// ESCPOSTwin is an ESC/POS profile with p's dots, fonts, columns and code
// pages: p itself when it speaks ESC/POS. The paper engine (escpos/paper)
// reads ESC/POS, so it draws a Star printer's paper through the twin: a
// Star Graphic receipt is rendered for it and drawn as raster, previews of
// Star receipts and the virtual printer's Star paper are drawn with it. For
// Star Graphic the twin has raster, QR and bar code commands (the engine
// draws them) and no NV memory, so logos print as raster. Made once per
// profile, so encoders' caches keyed by it stay warm.
func ESCPOSTwin(p *escpos.Profile) *escpos.Profile {
	if !p.SpeaksStar() {
		return p
	}
	if t, ok := twins.Load(p); ok {
		return t.(*escpos.Profile)
	}
	t := *p
	t.Language = escpos.LanguageESCPOS
	t.Features.StarCommands = false
	if p.Language == escpos.LanguageStarGraphic {
		t.Features.BitImageRaster = true
		t.Features.QRCode = true
		t.Features.BarcodeA, t.Features.BarcodeB = true, true
		t.Features.Graphics = false
		t.Features.PulseStandard, t.Features.PulseBel = p.Features.PulseStandard || p.Features.PulseBel, false
	}
	actual, _ := twins.LoadOrStore(p, &t)
	return actual.(*escpos.Profile)
}
