package receipt

import (
	"fmt"
	"unicode/utf8"

	"github.com/secuprint/receipt/escpos"
)

// Options choose the printer and how the receipt is cut.
type Options struct {
	// Profile is the printer's: the renderer emits the commands its
	// Language speaks (ESC/POS, Star Line Mode, StarPRNT, or Star Graphic
	// raster drawn by the paper engine).
	Profile *escpos.Profile
	Font    escpos.Font
	// Columns overrides the profile's columns for Font (e.g. a TM-T88V set
	// to 48 columns); 0 keeps the profile's.
	Columns int
	// SectionCut cuts between receipt sections (before every separator but
	// the first line); CutNone prints them on one ticket.
	SectionCut escpos.CutMode
	// EndCut cuts after the last line; CutNone leaves the paper uncut.
	EndCut escpos.CutMode
	// Template adds the printer's own header and footer to every receipt
	// RenderTransaction prints; nil adds nothing.
	Template *Template
	// Locale writes the basket's amounts; the template's when it has one.
	Locale Locale
	// Logos says how images marked "store" print.
	Logos LogoMode
	// Drawer adds a cash drawer kick on DrawerPin to the receipts
	// RenderTransaction prints (for cash payments, or always).
	Drawer    DrawerPolicy
	DrawerPin escpos.Drawer
}

// Renderer lays out and encodes receipts for one set of Options. It reuses
// its buffers, so rendering many receipts allocates next to nothing; it is
// not safe for concurrent use.
type Renderer struct {
	// opt.Profile is the profile the receipt is encoded for (encodedFor):
	// printer's own, or its ESC/POS twin for Star Graphic.
	opt     Options
	printer *escpos.Profile
	// paper renders previews for a Star Line or StarPRNT printer, as its
	// ESC/POS twin (made on the first Preview).
	paper  *Renderer
	cols   int
	enc    commandSet
	rows   []row
	report Report

	section string // of the blocks being laid out, for warnings
	rasters map[rasterKey]*escpos.Raster
	tplOut  limitWriter // what the template's placeholders write
	// drawerBlock is the kick Options.Drawer adds.
	drawerBlock Block
}

// NewRenderer checks opt and returns a Renderer for it.
func NewRenderer(opt Options) (*Renderer, error) {
	if opt.Profile == nil {
		return nil, fmt.Errorf("receipt: no printer profile")
	}
	if !opt.SectionCut.Valid() || !opt.EndCut.Valid() {
		return nil, fmt.Errorf("receipt: cut mode out of range")
	}
	if !opt.Locale.Valid() || !opt.Logos.Valid() || !opt.Drawer.Valid() || !opt.DrawerPin.Valid() {
		return nil, fmt.Errorf("receipt: locale, logo mode or drawer out of range")
	}
	if opt.Template != nil && opt.Template.Locale != LocaleDE {
		opt.Locale = opt.Template.Locale
	}
	if !opt.Profile.Language.Valid() {
		return nil, fmt.Errorf("receipt: profile %s: %v out of range", opt.Profile.ID, opt.Profile.Language)
	}
	printer := opt.Profile
	opt.Profile = encodedFor(printer)
	cols, err := opt.Profile.Columns(opt.Font)
	if err != nil {
		return nil, fmt.Errorf("receipt: %w", err)
	}
	if opt.Columns != 0 {
		cols = opt.Columns
	}
	if cols < 1 || cols > MaxColumns {
		return nil, fmt.Errorf("receipt: %d columns out of range 1..%d", cols, MaxColumns)
	}
	r := &Renderer{opt: opt, printer: printer, cols: cols, drawerBlock: Block{Type: BlockDrawer, Pin: opt.DrawerPin}}
	enc, err := newCommandSet(opt.Profile, r.encoderFallback)
	if err != nil {
		return nil, fmt.Errorf("receipt: %w", err)
	}
	r.enc = enc
	return r, nil
}

// Columns is the number of character cells per line the layout uses.
func (r *Renderer) Columns() int { return r.cols }

// encoderFallback should never fire, because prepare substitutes first; if
// it does, the substitution is still reported rather than lost.
func (r *Renderer) encoderFallback(f escpos.Fallback) {
	r.report.Warnings = append(r.report.Warnings, Warning{Line: -1, Field: "text", Kind: WarnFallback, Fallback: f})
}

// Render appends the printer's commands for lines to dst: a reset, the
// lines laid out for the profile, and the cuts Options ask for, in the
// profile's language.
func (r *Renderer) Render(dst []byte, lines Receipt) ([]byte, Report, error) {
	r.report = Report{}
	r.layout(lines)
	dst, err := r.encode(dst)
	return dst, r.report, err
}

// encode appends the laid-out rows in the printer's language: a reset, the
// font, every row. An error names the block its row came from.
func (r *Renderer) encode(dst []byte) ([]byte, error) {
	start := len(dst)
	dst, err := r.encodeRows(dst)
	if err != nil {
		return dst, err
	}
	n := len(r.rows)
	return r.finish(dst, start, n > 0 && r.rows[n-1].kind == rowCut)
}

// encodeRows appends the laid-out rows as the encoder's commands.
func (r *Renderer) encodeRows(dst []byte) ([]byte, error) {
	dst = r.enc.AppendInit(dst)
	var err error
	if dst, err = r.enc.AppendFont(dst, r.opt.Font); err != nil {
		return dst, fmt.Errorf("receipt: %w", err)
	}
	for i := range r.rows {
		if dst, err = r.appendRow(dst, &r.rows[i]); err != nil {
			return dst, r.locate(&r.rows[i], err)
		}
	}
	return dst, nil
}

func (r *Renderer) appendRow(dst []byte, rw *row) ([]byte, error) {
	var err error
	switch rw.kind {
	case rowBlank:
		return r.enc.AppendLF(dst), nil
	case rowCut:
		return r.enc.AppendCut(dst, rw.cut)
	case rowText:
	default:
		return r.appendBlockRow(dst, rw)
	}
	if dst, err = r.enc.AppendJustification(dst, rw.justify); err != nil {
		return dst, err
	}
	if dst, err = r.enc.AppendSize(dst, rw.style.size); err != nil {
		return dst, err
	}
	dst = r.enc.AppendBold(dst, rw.style.bold)
	dst = r.enc.AppendText(dst, rw.left)
	dst = appendSpaces(dst, rw.gap)
	dst = r.enc.AppendText(dst, rw.right)
	return r.enc.AppendLF(dst), nil
}

// Text appends a plain-text preview of the laid-out receipt: one line per
// printed line, padded to the column width as the printer aligns it. Double
// width characters take two columns (shown as the character and a space);
// cuts show as a line of '~'.
func (r *Renderer) Text(dst []byte, lines Receipt) ([]byte, Report) {
	r.report = Report{}
	r.layout(lines)
	return r.appendText(dst), r.report
}

func (r *Renderer) appendText(dst []byte) []byte {
	for i := range r.rows {
		rw := &r.rows[i]
		start := len(dst)
		switch rw.kind {
		case rowBlank:
		case rowCut:
			dst = appendRepeat(dst, '~', r.cols)
		case rowFeed:
			for n := 1; n < rw.n; n++ {
				dst = append(dst, '\n')
			}
		case rowImage, rowLogo, rowQR, rowBarcode, rowDrawer:
			dst = r.appendPlaceholder(dst, rw)
		default:
			scale := int(rw.style.size.Width)
			w := scale * (cells(rw.left) + cells(rw.right))
			if rw.justify != escpos.JustifyLeft {
				pad := r.cols - w
				if rw.justify == escpos.JustifyCenter {
					pad /= 2
				}
				dst = appendSpaces(dst, pad)
			}
			dst = appendScaled(dst, rw.left, scale)
			dst = appendSpaces(dst, rw.gap)
			dst = appendScaled(dst, rw.right, scale)
		}
		for len(dst) > start && dst[len(dst)-1] == ' ' {
			dst = dst[:len(dst)-1]
		}
		dst = append(dst, '\n')
	}
	return dst
}

func appendScaled(dst []byte, s string, scale int) []byte {
	if scale == 1 {
		return append(dst, s...)
	}
	for _, c := range s {
		dst = utf8.AppendRune(dst, c)
		dst = appendSpaces(dst, scale-1)
	}
	return dst
}

func appendSpaces(dst []byte, n int) []byte { return appendRepeat(dst, ' ', n) }

func appendRepeat(dst []byte, c byte, n int) []byte {
	for ; n > 0; n-- {
		dst = append(dst, c)
	}
	return dst
}

// copyMark is the banner on a reprinted receipt: ASCII, so it prints the
// same in every code page.
const copyMark = "*** KOPIE / COPY ***"

// AppendCopyMark appends the banner that heads a reprint, so a copy on
// paper can never pass for the original: centred, bold, double height.
// The receipt that follows starts with its own reset.
func AppendCopyMark(dst []byte) ([]byte, error) {
	dst = escpos.AppendInit(dst)
	dst, err := escpos.AppendJustification(dst, escpos.JustifyCenter)
	if err != nil {
		return dst, err
	}
	dst = escpos.AppendEmphasis(dst, true)
	if dst, err = escpos.AppendSize(dst, escpos.Size{Width: 1, Height: 2}); err != nil {
		return dst, err
	}
	dst = append(dst, copyMark...)
	return escpos.AppendLF(dst), nil
}

// AppendCopyMark appends the reprint banner in the printer's own command
// language (see the package's AppendCopyMark, whose bytes it matches on
// ESC/POS): a Star printer gets Star commands, a Star Graphic one raster.
func (r *Renderer) AppendCopyMark(dst []byte) ([]byte, error) {
	start := len(dst)
	dst, err := r.appendCopyMark(dst)
	if err != nil {
		return dst, err
	}
	return r.finish(dst, start, false)
}

func (r *Renderer) appendCopyMark(dst []byte) ([]byte, error) {
	dst = r.enc.AppendInit(dst)
	dst, err := r.enc.AppendJustification(dst, escpos.JustifyCenter)
	if err != nil {
		return dst, err
	}
	dst = r.enc.AppendBold(dst, true)
	if dst, err = r.enc.AppendSize(dst, escpos.Size{Width: 1, Height: 2}); err != nil {
		return dst, err
	}
	dst = r.enc.AppendText(dst, copyMark)
	return r.enc.AppendLF(dst), nil
}
