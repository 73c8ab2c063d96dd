package receipt

import (
	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/escpos/paper"
	"github.com/secuprint/receipt/escpos/star"
)

// Preview draws b, commands in p's language as its printer reads them, on
// the paper engine: ESC/POS as it is; Star Line Mode, StarPRNT and Star
// Graphic raster through their ESC/POS translation (star.ToESCPOS) on p's
// ESC/POS twin, which has p's dots and fonts. It is the one way every
// preview is drawn: a stored job, captured bytes, a rendered receipt.
// opt.Store is the printer's NV memory (nil: an empty one); p nil is a
// generic 80 mm ESC/POS printer. paper.Write shows the tickets.
func Preview(b []byte, p *escpos.Profile, opt paper.Options) *paper.Result {
	if p.SpeaksStar() {
		b, p = star.ToESCPOS(star.Decode(b, p)), star.ESCPOSTwin(p)
	}
	return paper.Interpret(decode.Decode(b, p), p, opt)
}

// PreviewTransaction lays tx out as RenderTransaction does and draws it
// with Preview: the paper the printer's commands print, with text as the
// printer's fonts show it. A Star printer's receipt is drawn from the
// commands of its ESC/POS twin (a Star Graphic one before they become
// raster), so the preview keeps its text. Logos printed by key
// (LogoStored) are drawn as the printer holds them: defined in opt.Store
// first (a fresh store when nil).
func (r *Renderer) PreviewTransaction(tx *Transaction, opt paper.Options) (*paper.Result, Report, error) {
	pr, err := r.paperRenderer()
	if err != nil {
		return nil, Report{}, err
	}
	pr.report = Report{}
	if err := pr.layoutDocument(tx); err != nil {
		return nil, pr.report, err
	}
	// Not finished: ESC/POS for the twin, which the paper engine reads.
	job, err := pr.encodeRows(nil)
	if err != nil {
		return nil, pr.report, err
	}
	twin := pr.opt.Profile
	if pr.opt.Logos == LogoStored && len(pr.report.Logos) > 0 {
		define, err := AppendDefineLogos(nil, pr.report.Logos)
		if err != nil {
			return nil, pr.report, err
		}
		if opt.Store == nil {
			opt.Store = paper.NewStore()
		}
		Preview(define, twin, opt)
	}
	return Preview(job, twin, opt), pr.report, nil
}

// paperRenderer is the renderer whose unfinished commands are ESC/POS the
// paper engine draws as the printer prints: r itself, but for Star Line
// Mode and StarPRNT a renderer for the ESC/POS twin (made once).
func (r *Renderer) paperRenderer() (*Renderer, error) {
	if r.opt.Profile.Language == escpos.LanguageESCPOS {
		return r, nil
	}
	if r.paper == nil {
		o := r.opt
		o.Profile = star.ESCPOSTwin(r.printer)
		pr, err := NewRenderer(o)
		if err != nil {
			return nil, err
		}
		r.paper = pr
	}
	return r.paper, nil
}
