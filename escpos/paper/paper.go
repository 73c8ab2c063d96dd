// Package paper is the print engine of the virtual printer and of every
// preview: it interprets a decoded ESC/POS stream into tickets of printed
// lines, the way a thermal printer lays them on paper, and shows them as
// text, PNG or HTML (Write). Star streams reach it translated to ESC/POS
// (receipt.Preview); a Star Graphic printer's raster is its drawing
// (star.AppendGraphic).
//
// Geometry comes from the printer profile: the print area is the profile's
// dots per line, and a character cell is that width divided by the font's
// columns (12 dots for font A and 9 for font B on Epson's 80 mm models), so a
// line wraps exactly where the printer would wrap it: when the next character
// does not fit the rest of the print area, the line prints and the character
// starts the next one.
//
// Ticket.Text marks styles up as Legend says; Ticket.Lines is the same
// layout without markup (a magnified character followed by the spaces of
// the columns it covers), as `receipt text` prints a receipt.
//
// Motion units follow the printer: ESC SP, ESC $, ESC \, GS L and GS W count
// in dots, ESC 3, ESC J and GS V in half dots on Epson's 180-dpi models (1/360
// inch), and GS P changes both. QR Codes print without a quiet zone, as
// Epson's do ("the application must ensure it").
package paper

import (
	"fmt"
	"image"
	"strconv"
	"strings"

	"rsc.io/qr"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
)

// Legend is the markup of Ticket.Text, one printed line per text line in
// font-A columns.
const Legend = `**bold**  __underline__  [i]italic[/i]  [rev]reverse[/rev]
[WxH]magnified[/WxH]   W×H times the cell (1–8); a character covers W columns
[upside]…[/upside]      a line printed upside down (ESC { 1)
[raster 128x64] [bit image 384x240] [graphics 200x80] [logo "A1" 200x80]
[qr "data"] [barcode EAN13 "4006381333931"]   images and codes; HRI text
                        printed with a barcode is a text line of its own
--- cut (partial) ---   where the knife cut`

// Limits keep hostile input from allocating without bound.
const (
	maxImageDots  = 4096 // tallest image drawn
	maxTicketDots = 1 << 16
)

// Style is the print style of one character cell.
type Style struct {
	Bold      bool
	Underline uint8 // 0, 1 or 2 dots
	Width     uint8 // magnification 1–8
	Height    uint8
	Reverse   bool
	Italic    bool
	Font      escpos.Font
}

// Cell is one printed character.
type Cell struct {
	R     rune
	Style Style
	X     int // left edge in dots
}

// Line is one printed line of text or one image.
type Line struct {
	Cells  []Cell
	Image  *image.Gray // raster, bit image, barcode or QR; nil for text
	Label  string      // what an image shows, for the text view
	X      int         // left edge of an image, in dots
	Height int         // dots the paper advanced for this line
	// Ink is the height of what the line prints (its tallest cell or
	// image); printing starts at the top of the line, and the rest of
	// Height is the feed after it (ESC 3 larger than the cell).
	Ink    int
	Upside bool // ESC { 1: the line is printed rotated by 180°
	feed   bool // paper fed without printing (ESC J, the feed of a cut)
	stripe bool // an ESC * stripe: a following stripe that touches it joins it
}

// Ticket is the paper between two cuts.
type Ticket struct {
	Printed   []Line
	Cut       escpos.CutMode // CutNone when the stream ended without a cut
	WidthDots int
	DPI       int
	height    int    // dots of paper used
	cellW     [3]int // per font
	cellH     [3]int
}

// Problem is something the printer could not print as asked.
type Problem struct {
	Offset  int
	Message string
}

func (p Problem) String() string { return "offset " + strconv.Itoa(p.Offset) + ": " + p.Message }

// Result is what came out of the printer.
type Result struct {
	Tickets  []*Ticket
	Problems []Problem
}

// Options adjust the paper to a printer set-up the profile does not describe.
type Options struct {
	// WidthDots overrides the profile's print area, e.g. an 80 mm printer
	// configured for 576 dots (48 columns of font A).
	WidthDots int
	// Store is the printer's non-volatile graphics memory (GS ( L NV
	// graphics, FS q bit images). A Device hands in the one it keeps across
	// connections; nil: a fresh, empty memory for this stream.
	Store *Store
}

// Print decodes b and prints it on a printer with profile p.
func Print(b []byte, p *escpos.Profile) *Result {
	return Interpret(decode.Decode(b, p), p, Options{})
}

// Interpret prints decoded commands on a printer with profile p (nil: a
// generic 80 mm printer).
func Interpret(cmds []decode.Command, p *escpos.Profile, opt Options) *Result {
	return NewPrinter(p, opt).Print(cmds)
}

// Printer is a print engine that keeps its state from one stream to the
// next, as a printer keeps its modes (alignment, sizes, line spacing,
// barcode and QR settings, …) until ESC @ or power-off: the virtual
// printer hands it ticket after ticket. It is not safe for concurrent use.
type Printer struct{ e *engine }

// NewPrinter returns a printer with profile p (nil: a generic 80 mm
// printer) in its power-on state.
func NewPrinter(p *escpos.Profile, opt Options) *Printer { return &Printer{e: newEngine(p, opt)} }

// Print prints cmds and returns the tickets and problems they made. Paper
// left uncut at their end is torn off as a ticket with CutNone; paper
// only fed after the last cut (a trailing LF CR) is no ticket.
func (pr *Printer) Print(cmds []decode.Command) *Result {
	e := pr.e
	e.res = Result{}
	for i := range cmds {
		e.exec(&cmds[i])
	}
	e.flushLine(false)
	if inked(e.ticket) {
		e.ticket.Cut = escpos.CutNone
		e.res.Tickets = append(e.res.Tickets, e.ticket)
	}
	e.newTicket()
	res := e.res
	e.res = Result{}
	return &res
}

// inked reports whether anything but blank paper came out.
func inked(t *Ticket) bool {
	for _, l := range t.Printed {
		if l.Image != nil {
			return true
		}
		for _, c := range l.Cells {
			if c.R != ' ' || c.Style.Reverse || c.Style.Underline > 0 {
				return true
			}
		}
	}
	return false
}

type engine struct {
	res     Result
	ticket  *Ticket
	proto   Ticket // geometry copied into each new ticket
	style   Style
	align   int
	margin  int // left margin, dots
	area    int // print area width, dots (0: to the right edge)
	spacing int // line spacing, dots; 0 = default
	tabs    []int
	upside  bool
	charSp  int // ESC SP: dots right of each character, times its width
	line    []Cell
	inline  []placed // ESC * stripes in the line buffer
	lineX   int      // next cell position, dots from the margin
	hasText bool
	offset  int
	store   *Store
	// stored graphics (GS ( L fn 112), download graphics (fn 83), the
	// download bit image (GS *) and QR data (GS ( k fn 80)
	stored   *image.Gray
	download map[[2]byte]*image.Gray
	dlImage  *image.Gray
	qrData   []byte
	qrModule int
	qrLevel  qr.Level
	// barcode settings
	barHeight, barWidth, hri, hriFont int
	// motion units (GS P), per inch: ESC SP, ESC $, ESC \, GS L and GS W
	// count in the horizontal one, ESC 3, ESC J and GS V in the vertical
	hUnit, vUnit, vDefault int
}

// placed is an image in the line buffer at X dots from the margin.
type placed struct {
	x   int
	img *image.Gray
}

func newEngine(p *escpos.Profile, opt Options) *engine {
	e := &engine{barHeight: 162, barWidth: 3, store: opt.Store}
	if e.store == nil {
		e.store = NewStore()
	}
	t := &e.proto
	t.DPI = 180
	colsA, colsB := 42, 56
	if p != nil {
		if p.DPI > 0 {
			t.DPI = p.DPI
		}
		if c, err := p.Columns(escpos.FontA); err == nil && c > 0 {
			colsA = c
		}
		if c, err := p.Columns(escpos.FontB); err == nil && c > 0 {
			colsB = c
		}
		t.WidthDots = p.WidthDots
	}
	if t.WidthDots <= 0 {
		t.WidthDots = colsA * 12
	}
	t.cellW[escpos.FontA] = max(t.WidthDots/colsA, 1)
	t.cellW[escpos.FontB] = max(t.WidthDots/colsB, 1)
	t.cellW[escpos.FontC] = t.cellW[escpos.FontB]
	if opt.WidthDots > 0 {
		t.WidthDots = opt.WidthDots
	}
	// Epson's 180-dpi models count vertical motion in 1/360 inch (half a
	// dot): ESC 3 24 is 12 dots there. Elsewhere a unit is a dot.
	e.vDefault = t.DPI
	if p != nil && p.Vendor == "Epson" && t.DPI == 180 {
		e.vDefault = 360
	}
	for f, w := range t.cellW {
		t.cellH[f] = w * 2
		if escpos.Font(f) != escpos.FontA {
			t.cellH[f] = w * 17 / 9
		}
	}
	e.reset()
	e.newTicket()
	return e
}

// hdots and vdots convert n motion units to dots, truncated as the
// printer truncates them to its mechanical pitch.
func (e *engine) hdots(n int) int { return n * e.proto.DPI / max(e.hUnit, 1) }
func (e *engine) vdots(n int) int { return n * e.proto.DPI / max(e.vUnit, 1) }

// setUnits is GS P x y; 0 selects the default.
func (e *engine) setUnits(x, y int) {
	e.hUnit, e.vUnit = x, y
	if x == 0 {
		e.hUnit = e.proto.DPI
	}
	if y == 0 {
		e.vUnit = e.vDefault
	}
}

func (e *engine) reset() {
	e.style = Style{Width: 1, Height: 1}
	e.align, e.margin, e.area, e.spacing = 0, 0, 0, 0
	e.tabs = nil
	e.upside = false
	e.charSp = 0
	e.qrData = nil
	e.qrModule, e.qrLevel = 3, qr.L
	e.barHeight, e.barWidth, e.hri, e.hriFont = 162, 3, 0, 0
	e.stored = nil
	e.setUnits(0, 0)
}

func (e *engine) newTicket() {
	t := e.proto
	e.ticket = &t
}

func (e *engine) problem(format string, args ...any) {
	e.res.Problems = append(e.res.Problems, Problem{Offset: e.offset, Message: fmt.Sprintf(format, args...)})
}

func (e *engine) width() int {
	w := e.ticket.WidthDots - e.margin
	if e.area > 0 && e.area < w {
		w = e.area
	}
	return max(w, e.ticket.cellW[escpos.FontA])
}

func (e *engine) defaultSpacing() int {
	// Epson's default line spacing is 1/6 inch.
	return e.ticket.DPI / 6
}

func (e *engine) exec(c *decode.Command) {
	e.offset = c.Offset
	if c.Err != nil {
		// The decoder's message already names the offset.
		msg := strings.TrimPrefix(c.Err.Error(), "offset "+strconv.Itoa(c.Offset)+": ")
		e.res.Problems = append(e.res.Problems, Problem{Offset: c.Offset, Message: msg})
	}
	n := c.Arg(0)
	switch c.Op {
	case decode.OpText:
		for _, r := range c.Text {
			e.putRune(r)
		}
	case decode.OpLF:
		e.flushLine(true)
	case decode.OpCR:
		// Epson ignores CR when auto line feed is off, the default.
	case decode.OpHT:
		e.tab()
	case decode.OpInit:
		// ESC @ clears the print buffer: a line not yet printed is lost.
		e.line, e.inline = e.line[:0], e.inline[:0]
		e.lineX, e.hasText = 0, false
		e.reset()
	case decode.OpPrintMode:
		e.style.Font = escpos.Font(n & 1)
		e.style.Bold = n&8 != 0
		e.style.Height = 1 + uint8(n>>4&1)
		e.style.Width = 1 + uint8(n>>5&1)
		e.style.Underline = uint8(n >> 7 & 1)
	case decode.OpEmphasis, decode.OpDoubleStrike:
		e.style.Bold = n&1 != 0
	case decode.OpUnderline:
		switch n {
		case 1, '1':
			e.style.Underline = 1
		case 2, '2':
			e.style.Underline = 2
		default:
			e.style.Underline = 0
		}
	case decode.OpFont:
		switch n {
		case 1, '1':
			e.style.Font = escpos.FontB
		case 2, '2':
			e.style.Font = escpos.FontC
		default:
			e.style.Font = escpos.FontA
		}
	case decode.OpSize:
		if c.Err == nil {
			e.style.Width = uint8(n>>4) + 1
			e.style.Height = uint8(n&0x0F) + 1
		}
	case decode.OpReverse:
		e.style.Reverse = n&1 != 0
	case decode.OpItalic:
		e.style.Italic = n&1 != 0
	case decode.OpUpsideDown:
		// Epson takes ESC { at the beginning of a line only.
		if e.lineEmpty() {
			e.upside = n&1 != 0
		}
	case decode.OpCharSpacing:
		e.charSp = e.hdots(n)
	case decode.OpJustify:
		if e.lineEmpty() && c.Err == nil {
			e.align = n % 48 % 3
		}
	case decode.OpLeftMargin:
		if e.lineEmpty() {
			e.margin = min(e.hdots(c.Arg16(0)), e.ticket.WidthDots-e.ticket.cellW[0])
		}
	case decode.OpPrintAreaWidth:
		if e.lineEmpty() {
			e.area = e.hdots(c.Arg16(0))
		}
	case decode.OpMotionUnits:
		e.setUnits(c.Arg(0), c.Arg(1))
	case decode.OpAbsolutePosition:
		// Beyond the print area the command is ignored, as on Epson
		// printers.
		if x := e.hdots(c.Arg16(0)); x <= e.width() {
			e.lineX = x
		}
	case decode.OpRelativePosition:
		if x := e.lineX + e.hdots(int(int16(c.Arg16(0)))); x >= 0 && x <= e.width() {
			e.lineX = x
		}
	case decode.OpLineSpacingDefault:
		e.spacing = 0
	case decode.OpLineSpacing:
		e.spacing = max(e.vdots(n), 1)
	case decode.OpTabStops:
		e.tabs = e.tabs[:0]
		for _, x := range c.Data {
			e.tabs = append(e.tabs, int(x))
		}
	case decode.OpFeedLines:
		e.flushLine(true)
		for i := 1; i < n; i++ {
			e.flushLine(true)
		}
	case decode.OpFeedDots:
		e.flushLine(false)
		e.feed(e.vdots(n))
	case decode.OpCut, decode.OpLegacyCut:
		e.cut(c)
	case decode.OpRasterImage:
		e.raster(c)
	case decode.OpBitImage:
		e.bitImage(c)
	case decode.OpGraphics:
		e.graphics(c)
	case decode.OpSymbol:
		e.symbol(c)
	case decode.OpBarcode:
		e.barcode(c)
	case decode.OpBarcodeHeight:
		if c.Err == nil {
			e.barHeight = n
		}
	case decode.OpBarcodeWidth:
		if c.Err == nil { // out of range: ignored, as Epson does
			e.barWidth = n
		}
	case decode.OpHRIPosition:
		if c.Err == nil {
			e.hri = n % 48
		}
	case decode.OpHRIFont:
		e.hriFont = n % 48 & 1
	case decode.OpNVImageDefine:
		e.defineFSq(c)
	case decode.OpNVImage:
		e.printFSp(c)
	case decode.OpDefineDownloadImage:
		e.defineDownload(c)
	case decode.OpPrintDownloadImage:
		e.printDownload(c)
	case decode.OpUnknown, decode.OpTruncated:
		// Already reported.
	}
}

func (e *engine) cellSize(s Style) (int, int) {
	f := s.Font
	if int(f) >= len(e.ticket.cellW) {
		f = escpos.FontA
	}
	return e.ticket.cellW[f] * int(s.Width), e.ticket.cellH[f] * int(s.Height)
}
