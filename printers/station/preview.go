package station

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/printers/virtual/paper"
	"github.com/secuprint/receipt/receipt"
)

// Format is what a preview returns.
type Format string

const (
	FormatPrinter Format = "escpos"  // the bytes the printer takes
	FormatText    Format = "text"    // the receipt as plain text
	FormatPNG     Format = "png"     // the paper, its first ticket
	FormatHTML    Format = "html"    // the paper, every ticket
	FormatTickets Format = "tickets" // the paper's tickets, not encoded
)

// ErrFormat reports a format that is none of the above.
var ErrFormat = fmt.Errorf("station: format is %s, %s, %s or %s", FormatPrinter, FormatText, FormatPNG, FormatHTML)

// PreviewOptions choose a preview.
type PreviewOptions struct {
	Format Format
	// StoredLogos renders a logo printed by key as the printer would, the
	// preview's printer holding the receipt's logos as NV memory (the
	// CLI's -logo stored); otherwise a preview shows each logo as the
	// picture itself.
	StoredLogos bool
}

// Preview is a rendered preview.
type Preview struct {
	ContentType string
	Body        []byte          // empty for FormatTickets
	Tickets     []*paper.Ticket // the paper formats
	Problems    []paper.Problem // what the paper engine found odd
	Report      receipt.Report
}

// Preview renders tx as the printer would print it, in opt.Format,
// within the gate (ErrBusy when too many renders run).
func (s *Station) Preview(ctx context.Context, tx *receipt.Transaction, opt PreviewOptions) (Preview, error) {
	paperFormat := false
	switch opt.Format {
	case FormatPrinter, FormatText:
	case FormatPNG, FormatHTML, FormatTickets:
		paperFormat = true
	default:
		return Preview{}, fmt.Errorf("%w, not %q", ErrFormat, opt.Format)
	}
	if err := s.opt.Gate.Enter(ctx); err != nil {
		return Preview{}, err
	}
	defer s.opt.Gate.Leave()
	var pool *sync.Pool
	var r *receipt.Renderer
	if opt.StoredLogos {
		var err error
		if r, err = receipt.NewRenderer(s.previewOptions(paperFormat, true)); err != nil {
			return Preview{}, fmt.Errorf("%w: %w", ErrRender, err)
		}
	} else {
		pool = &s.previews
		if paperFormat {
			pool = &s.papers
		}
		r = pool.Get().(*receipt.Renderer)
		defer pool.Put(r)
	}
	out, rep, err := s.timed(r, tx)
	if err != nil {
		return Preview{Report: rep}, &DocumentError{err}
	}
	p := Preview{Report: rep, ContentType: "application/vnd.escpos", Body: out}
	switch opt.Format {
	case FormatPrinter:
		if p.Body, err = s.lang.finish(out); err != nil {
			return p, fmt.Errorf("%w: %w", ErrRender, err)
		}
	case FormatText:
		text, _, err := r.TextTransaction(nil, tx) // its report repeats Render's
		if err != nil {
			return p, &DocumentError{err}
		}
		p.ContentType, p.Body = "text/plain; charset=utf-8", text
	default:
		var setup []byte
		if opt.StoredLogos && len(rep.Logos) > 0 {
			// The preview's printer holds the logos, as the real one does
			// once they were defined.
			if setup, err = receipt.AppendDefineLogos(nil, rep.Logos); err != nil {
				return p, fmt.Errorf("%w: %w", ErrRender, err)
			}
		}
		return s.draw(p, setup, out, s.lang.paper, opt.Format)
	}
	return p, nil
}

// timed renders tx with r, for the render-time hook.
func (s *Station) timed(r *receipt.Renderer, tx *receipt.Transaction) ([]byte, receipt.Report, error) {
	start := nowFunc()
	out, rep, err := r.RenderTransaction(nil, tx)
	if s.opt.Rendered != nil {
		s.opt.Rendered(nowFunc().Sub(start))
	}
	return out, rep, err
}

// previewOptions are the printer's render options for a preview: for the
// paper engine (ESC/POS) or the printer, logos as pictures unless stored.
func (s *Station) previewOptions(forPaper, stored bool) receipt.Options {
	opt := s.set.opt
	if forPaper {
		opt.Profile = s.lang.paper
	}
	if !stored {
		opt.Logos = receipt.LogoRaster
	}
	return opt
}

// PreviewBytes draws bytes in the printer's language (a stored job, or
// bytes captured from a program) as the printer would print them, within
// the gate. A logo a job prints by key previews as the printer holds it.
func (s *Station) PreviewBytes(ctx context.Context, b []byte, format Format) (Preview, error) {
	if err := checkPaperFormat(format); err != nil {
		return Preview{}, err
	}
	if err := s.opt.Gate.Enter(ctx); err != nil {
		return Preview{}, err
	}
	defer s.opt.Gate.Leave()
	var setup []byte
	if s.lang.storedLogos {
		setup, _ = receipt.AppendDefineLogos(nil, s.opt.Logos.Known(s.cfg.Name)) // defined once already
	}
	return s.draw(Preview{}, setup, s.lang.toPaper(b), s.lang.paper, format)
}

// PreviewUnconfigured draws ESC/POS bytes on a generic 80 mm printer: the
// preview of a job whose printer left the configuration. gate may be nil.
func PreviewUnconfigured(ctx context.Context, gate *Gate, b []byte, format Format) (Preview, error) {
	if err := checkPaperFormat(format); err != nil {
		return Preview{}, err
	}
	if gate != nil {
		if err := gate.Enter(ctx); err != nil {
			return Preview{}, err
		}
		defer gate.Leave()
	}
	return (&Station{}).draw(Preview{}, nil, b, nil, format)
}

func checkPaperFormat(f Format) error {
	switch f {
	case FormatPNG, FormatHTML, FormatTickets:
		return nil
	}
	return fmt.Errorf("%w: a job previews as %s or %s, not %q", ErrFormat, FormatPNG, FormatHTML, f)
}

// draw prints setup (what the printer holds first) and b on the paper
// engine for prof and encodes the tickets.
func (s *Station) draw(p Preview, setup, b []byte, prof *escpos.Profile, format Format) (Preview, error) {
	var res *paper.Result
	if len(setup) > 0 {
		store := paper.NewStore()
		paper.Interpret(decode.Decode(setup, prof), prof, paper.Options{Store: store})
		res = paper.Interpret(decode.Decode(b, prof), prof, paper.Options{Store: store})
	} else {
		res = paper.Print(b, prof)
	}
	p.Tickets, p.Problems, p.Body = res.Tickets, res.Problems, nil
	var err error
	switch format {
	case FormatPNG, FormatHTML:
		p.ContentType, p.Body, err = encodeTickets(format, res.Tickets)
		if err != nil {
			err = fmt.Errorf("%w: %w", ErrRender, err)
		}
	}
	return p, err
}

// renderBuffers hold a PNG or HTML render while it is encoded.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledRender is the largest buffer kept for reuse.
const maxPooledRender = 2 << 20

// encodeTickets renders tickets as a PNG (the first ticket; none: an empty
// body) or an HTML page.
func encodeTickets(format Format, tickets []*paper.Ticket) (string, []byte, error) {
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledRender { // not the rare huge one
			renderBuffers.Put(buf)
		}
	}()
	buf.Reset()
	ctype := "image/png"
	var err error
	switch {
	case format == FormatHTML:
		ctype = "text/html; charset=utf-8"
		err = paper.HTML(buf, "receipt", tickets)
	case len(tickets) > 0:
		err = tickets[0].PNG(buf)
	}
	return ctype, bytes.Clone(buf.Bytes()), err // the buffer goes back to the pool
}
