package receipt

import (
	"strings"
	"unicode/utf8"

	"github.com/secuprint/receipt/escpos"
	"golang.org/x/text/unicode/norm"
)

// rowKind is what one laid-out row does on paper.
type rowKind uint8

const (
	rowText    rowKind = iota // text, possibly a name left and a value right
	rowBlank                  // an empty line
	rowCut                    // feed to the cutter and cut
	rowImage                  // a raster image (row.raster)
	rowLogo                   // a logo stored in the printer (row.blk.Image.Key)
	rowQR                     // row.blk.QR
	rowBarcode                // row.blk.Barcode
	rowFeed                   // feed row.n lines
	rowDrawer                 // kick the cash drawer on row.blk.Pin
)

// style is the character style of a row.
type style struct {
	bold bool
	size escpos.Size
}

var (
	plain     = style{size: escpos.Normal}
	emphasis  = style{bold: true, size: escpos.Size{Width: 1, Height: 2}}
	headline  = style{bold: true, size: escpos.Size{Width: 2, Height: 2}}
	tallTitle = style{bold: true, size: escpos.Size{Width: 1, Height: 2}}
)

// row is one printed line: left text, gap spaces, right text, all in cells
// of the row's style. Strings are slices of the receipt's own text wherever
// they need no change, so laying out allocates nothing per line.
type row struct {
	kind    rowKind
	style   style
	justify escpos.Justification
	left    string
	gap     int
	right   string
	cut     escpos.CutMode

	// Blocks beyond text: the block, where it came from (for errors), its
	// picture and its feed.
	blk    *Block
	from   blockRef
	raster *escpos.Raster
	n      int
}

// blockRef locates a block for error messages.
type blockRef struct {
	section string
	index   int
}

// rule is sliced for full-width separators; Options.Columns is capped below it.
var rule = strings.Repeat("-", MaxColumns)

// MaxColumns bounds Options.Columns.
const MaxColumns = 255

// layout turns lines into rows for cols cells per line.
func (r *Renderer) layout(lines Receipt) {
	r.rows = r.rows[:0]
	r.layoutLines(lines)
	r.layoutEnd()
}

// layoutLines lays out the receipt's lines; a section cut (if asked for)
// goes before each of its separators but the first line.
func (r *Renderer) layoutLines(lines Receipt) {
	for i := range lines {
		r.layoutLine(i, &lines[i], i > 0)
	}
}

func (r *Renderer) layoutEnd() {
	if r.opt.EndCut != escpos.CutNone {
		r.rows = append(r.rows, row{kind: rowCut, cut: r.opt.EndCut})
	}
}

// layoutLine lays out one line; i locates it in warnings. sectionCut says
// whether a separator may cut before it.
func (r *Renderer) layoutLine(i int, l *Line, sectionCut bool) {
	switch l.Type {
	case Separator:
		r.layoutSeparator(i, l, sectionCut)
	case NameValue:
		r.layoutNameValue(i, l)
	case TextLine:
		st := plain
		if l.Decoration&Important != 0 {
			st = emphasis
		}
		r.wrap(r.prepare(l.Text, i, "value.text"), st, escpos.JustifyLeft, 1)
	case Space:
		r.rows = append(r.rows, row{kind: rowBlank})
	}
}

// layoutSeparator starts a section: a centred headline padded with an empty
// line above and below, or a full-width rule when there is no caption.
func (r *Renderer) layoutSeparator(i int, l *Line, sectionCut bool) {
	if len(r.rows) > 0 {
		if sectionCut && r.opt.SectionCut != escpos.CutNone {
			r.rows = append(r.rows, row{kind: rowCut, cut: r.opt.SectionCut})
		} else {
			r.rows = append(r.rows, row{kind: rowBlank})
		}
	}
	caption := strings.TrimSpace(r.prepare(l.Caption, i, "value.caption"))
	switch w := cells(caption); {
	case w == 0:
		r.rows = append(r.rows, row{kind: rowText, style: plain, left: rule[:r.cols]})
	case 2*w <= r.cols:
		r.rows = append(r.rows, row{kind: rowText, style: headline, justify: escpos.JustifyCenter, left: caption})
	default:
		r.wrap(caption, tallTitle, escpos.JustifyCenter, 1)
	}
	r.rows = append(r.rows, row{kind: rowBlank})
}

// layoutNameValue puts name left and value right on one line when both fit
// with a space between; otherwise the name wraps on its own and the value
// follows right-aligned.
func (r *Renderer) layoutNameValue(i int, l *Line) {
	st := plain
	if l.Decoration&Important != 0 {
		st = emphasis
	}
	name := strings.TrimRight(r.prepare(l.Name, i, "value.name"), " ")
	value := strings.TrimSpace(r.prepare(l.Value, i, "value.value"))
	nw, vw := cells(name), cells(value)
	switch {
	case nw == 0:
		r.wrap(value, st, escpos.JustifyRight, 1)
	case vw == 0:
		r.wrap(name, st, escpos.JustifyLeft, 1)
	case nw+1+vw <= r.cols:
		r.rows = append(r.rows, row{kind: rowText, style: st, left: name, gap: r.cols - nw - vw, right: value})
	default:
		r.wrap(name, st, escpos.JustifyLeft, 1)
		r.wrap(value, st, escpos.JustifyRight, 1)
	}
}

// wrap breaks s into rows at word boundaries, hard-breaking words longer than
// a line. scale is the cell width of one character (2 in double width).
// Text with nothing to print still takes one empty line, as written.
func (r *Renderer) wrap(s string, st style, j escpos.Justification, scale int) {
	width := r.cols / scale
	emitted := false
	for {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			break
		}
		line, rest := breakLine(s, width)
		r.rows = append(r.rows, row{kind: rowText, style: st, justify: j, left: line})
		emitted = true
		s = rest
	}
	if !emitted {
		r.rows = append(r.rows, row{kind: rowBlank})
	}
}

// breakLine returns the longest head of s that fits width cells, broken after
// the last space if there is one, with its trailing spaces trimmed.
func breakLine(s string, width int) (line, rest string) {
	n, end, lastSpace := 0, 0, -1
	for end < len(s) {
		if n == width {
			if s[end] == ' ' { // the break falls on a space: the word fits
				return strings.TrimRight(s[:end], " "), s[end:]
			}
			if lastSpace > 0 {
				return strings.TrimRight(s[:lastSpace], " "), s[lastSpace:]
			}
			return s[:end], s[end:]
		}
		if s[end] == ' ' {
			lastSpace = end
		}
		_, size := utf8.DecodeRuneInString(s[end:])
		end += size
		n++
	}
	return strings.TrimRight(s, " "), ""
}

// cells is the width of prepared text in character cells: one per rune,
// because prepare leaves only runes that print in one cell.
func cells(s string) int { return utf8.RuneCountInString(s) }

// prepare makes text from outside safe and printable: NFC-normalised, every
// control character replaced by a space, every rune no code page holds
// replaced by its substitute; each replacement is reported. Text needing none
// of this (the common case) is returned as is, without allocating.
func (r *Renderer) prepare(s string, line int, field string) string {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7F {
		i++
	}
	if i == len(s) {
		return s
	}
	if !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	var b []byte // allocated at the first replacement
	start := 0
	for j := 0; j < len(s); {
		c, size := utf8.DecodeRuneInString(s[j:])
		if c >= 0x20 && c < 0x7F || (c >= 0xA0 && c != utf8.RuneError && r.enc.CanEncode(c)) {
			j += size
			continue
		}
		f := r.enc.Substitute(c)
		kind := WarnFallback
		if f.Reason == escpos.FallbackControl {
			kind = WarnControlChar
		}
		r.report.Warnings = append(r.report.Warnings, Warning{Section: r.section, Line: line, Field: field, Kind: kind, Fallback: f})
		b = append(b, s[start:j]...)
		b = append(b, f.Replacement...)
		j += size
		start = j
	}
	if b == nil {
		return s
	}
	return string(append(b, s[start:]...))
}
