package station

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/paper"
	"github.com/secuprint/receipt/receipt"
)

// Format is what a preview returns.
type Format string

const (
	FormatPrinter Format = "escpos"  // the bytes the printer takes, in its language
	FormatText    Format = "text"    // the receipt as plain text
	FormatPNG     Format = "png"     // the paper: every ticket, the cuts marked
	FormatHTML    Format = "html"    // the paper: every ticket
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
	Body        []byte        // empty for FormatTickets
	Paper       *paper.Result // the paper formats: tickets and the engine's problems
	Report      receipt.Report
}

// Preview renders tx as the printer would print it, in opt.Format,
// within the gate (ErrBusy when too many renders run). Every language
// previews through receipt's one preview path.
func (s *Station) Preview(ctx context.Context, tx *receipt.Transaction, opt PreviewOptions) (Preview, error) {
	switch opt.Format {
	case FormatPrinter, FormatText, FormatPNG, FormatHTML, FormatTickets:
	default:
		return Preview{}, fmt.Errorf("%w, not %q", ErrFormat, opt.Format)
	}
	if err := s.opt.Gate.Enter(ctx); err != nil {
		return Preview{}, err
	}
	defer s.opt.Gate.Leave()
	var r *receipt.Renderer
	if opt.StoredLogos {
		var err error
		if r, err = receipt.NewRenderer(s.previewOptions(true)); err != nil {
			return Preview{}, fmt.Errorf("%w: %w", ErrRender, err)
		}
	} else {
		r = s.previews.Get().(*receipt.Renderer)
		defer s.previews.Put(r)
	}
	start := nowFunc()
	var p Preview
	var err error
	switch opt.Format {
	case FormatPrinter:
		p.ContentType = "application/vnd.escpos"
		p.Body, p.Report, err = r.RenderTransaction(nil, tx)
	case FormatText:
		p.ContentType = "text/plain; charset=utf-8"
		p.Body, p.Report, err = r.TextTransaction(nil, tx)
	default:
		p.Paper, p.Report, err = r.PreviewTransaction(tx, paper.Options{})
	}
	if s.opt.Rendered != nil {
		s.opt.Rendered(nowFunc().Sub(start))
	}
	if err != nil {
		return p, &DocumentError{err}
	}
	return encode(p, opt.Format)
}

// previewOptions are the printer's render options for a preview: logos
// as pictures unless stored.
func (s *Station) previewOptions(stored bool) receipt.Options {
	opt := s.set.opt
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
	if s.lang.storedLogos {
		if known := s.opt.Logos.Known(s.cfg.Name); len(known) > 0 {
			defines, _ := receipt.AppendDefineLogos(nil, known) // defined once already
			b = append(defines, b...)
		}
	}
	return encode(Preview{Paper: receipt.Preview(b, s.set.profile, paper.Options{})}, format)
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
	return encode(Preview{Paper: receipt.Preview(b, (*escpos.Profile)(nil), paper.Options{})}, format)
}

func checkPaperFormat(f Format) error {
	switch f {
	case FormatPNG, FormatHTML, FormatTickets:
		return nil
	}
	return fmt.Errorf("%w: a job previews as %s or %s, not %q", ErrFormat, FormatPNG, FormatHTML, f)
}

// renderBuffers hold a PNG or HTML render while it is encoded.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledRender is the largest buffer kept for reuse.
const maxPooledRender = 2 << 20

// encode writes the paper of p as format asks (paper.Write: a PNG holds
// every ticket, the cuts marked).
func encode(p Preview, format Format) (Preview, error) {
	var f paper.Format
	switch format {
	case FormatPNG:
		p.ContentType, f = "image/png", paper.FormatPNG
	case FormatHTML:
		p.ContentType, f = "text/html; charset=utf-8", paper.FormatHTML
	default:
		return p, nil
	}
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledRender { // not the rare huge one
			renderBuffers.Put(buf)
		}
	}()
	buf.Reset()
	if err := paper.Write(buf, f, "receipt", p.Paper.Tickets); err != nil {
		return p, fmt.Errorf("%w: %w", ErrRender, err)
	}
	p.Body = bytes.Clone(buf.Bytes()) // the buffer goes back to the pool
	return p, nil
}
