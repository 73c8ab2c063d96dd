package printers

import (
	"bytes"
	"fmt"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/star"
)

// RenderProfile is the profile commands were encoded for before Finish: p
// itself, or for a Star Graphic profile its ESC/POS twin.
//
// Deprecated: give receipt.Options the printer's own profile; the renderer
// encodes for the twin itself and returns the printer's language.
func RenderProfile(p *escpos.Profile) *escpos.Profile {
	if p == nil || p.Language != escpos.LanguageStarGraphic {
		return p
	}
	return star.ESCPOSTwin(p)
}

// ESCPOSTwin is star.ESCPOSTwin.
//
// Deprecated: use star.ESCPOSTwin.
func ESCPOSTwin(p *escpos.Profile) *escpos.Profile { return star.ESCPOSTwin(p) }

// Finish turns commands encoded for RenderProfile(p) into what p's printer
// takes: themselves for ESC/POS and Star Line Mode; for StarPRNT with the
// page flush when they do not end with a cut; for Star Graphic their
// drawing as raster (star.AppendGraphic).
//
// Deprecated: receipt.Renderer returns the printer's language already
// (Render, RenderTransaction, AppendCopyMark), and TestPage the test page
// in it.
func Finish(p *escpos.Profile, job []byte) ([]byte, error) {
	if p == nil {
		return nil, fmt.Errorf("printers: finish: no profile")
	}
	switch p.Language {
	case escpos.LanguageStarGraphic:
		return star.AppendGraphic(nil, job, p)
	case escpos.LanguageStarPRNT:
		if bytes.HasSuffix(job, star.AppendPageFlush(nil)) {
			return job, nil // the renderer finished it already
		}
		cmds := star.Decode(job, p)
		if n := len(cmds); n > 0 && cmds[n-1].Name == "ESC d" {
			return job, nil
		}
		return star.AppendPageFlush(job), nil
	}
	return job, nil
}
