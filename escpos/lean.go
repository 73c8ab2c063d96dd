package escpos

import "fmt"

// A lean raster prints the same dots as AppendRasterImage with fewer bytes:
// tills such as Odoo send a whole receipt as one picture that is mostly
// white, and at 115 200 baud every 11.5 KB cost a second. Rows without a
// black dot become paper feed (ESC J), and each band of inked rows is
// trimmed to the bytes that hold its leftmost and rightmost black dots,
// placed with the left margin (GS L) instead of leading white bytes.

// leanMinBlankBytes is the smallest run of white bytes (rows × stride) worth
// turning into feed: below it the ESC J, the next band's GS v 0 header and
// maybe a GS L cost more than the white they save.
const leanMinBlankBytes = 24

// VerticalUnitsPerDot is how many vertical motion units (ESC J, ESC 3)
// make one dot on p's printer. Epson's 180-dpi models count vertical motion
// in 1/360 inch (TM-T88 series: GS P default 180 × 360, Epson ESC/POS
// command reference), so a dot is two units there; elsewhere a unit is a
// dot. The virtual printer's paper engine follows the same rule.
func VerticalUnitsPerDot(p *Profile) int {
	dpi := 180
	if p != nil && p.DPI > 0 {
		dpi = p.DPI
	}
	if p != nil && p.Vendor == "Epson" && dpi == 180 {
		return 2
	}
	return 1
}

// AppendFeedDots appends ESC J commands feeding dots dots, at upd vertical
// motion units per dot (see VerticalUnitsPerDot), in steps of at most 255
// units.
func AppendFeedDots(b []byte, dots, upd int) ([]byte, error) {
	if dots < 0 || upd < 1 || upd > 255 {
		return b, fmt.Errorf("escpos: feed %d dots at %d units per dot out of range", dots, upd)
	}
	units := dots * upd
	step := 255 / upd * upd // whole dots per command
	for units > 0 {
		n := min(units, step)
		b = append(b, ESC, 'J', byte(n))
		units -= n
	}
	return b, nil
}

// AppendLeftMargin appends GS L nL nH: the left margin in horizontal motion
// units (a dot at the default GS P). It takes effect at the start of a line.
func AppendLeftMargin(b []byte, units int) ([]byte, error) {
	if units < 0 || units > 0xFFFF {
		return b, fmt.Errorf("escpos: left margin %d out of range 0..65535", units)
	}
	return append(b, GS, 'L', byte(units), byte(units>>8)), nil
}

// LeanRaster places a raster for AppendLeanRaster.
type LeanRaster struct {
	// X is the raster's left edge in dots from the print area's left edge
	// (the justification, worked out by the caller); the margin in force
	// before and after is 0.
	X int
	// MaxMargin is the largest left margin the printer takes (a printer
	// clamps GS L to leave room for one character); 0 means no limit.
	MaxMargin int
	// UnitsPerDot is VerticalUnitsPerDot of the printer.
	UnitsPerDot int
}

// AppendLeanRaster appends r so that it prints dot for dot as
// AppendRasterImage with left justification at o.X would: white rows as
// ESC J feed, every band of at most RasterBandRows inked rows as GS v 0
// trimmed to the bytes between its outermost black dots, placed by GS L,
// which is set back to 0 at the end. It must start at the beginning of a
// line, with ESC a 0 in force.
func AppendLeanRaster(b []byte, r *Raster, o LeanRaster) ([]byte, error) {
	if err := r.check(); err != nil {
		return b, err
	}
	if o.X < 0 || o.MaxMargin < 0 || o.UnitsPerDot < 1 || o.UnitsPerDot > 255 {
		return b, fmt.Errorf("escpos: lean raster: placement %+v out of range", o)
	}
	margin := 0
	blankRows := max(1, (leanMinBlankBytes+r.Stride-1)/r.Stride)
	var err error
	for y := 0; y < r.Height; {
		if n := r.blankRun(y); n >= blankRows || y+n == r.Height {
			if b, err = AppendFeedDots(b, n, o.UnitsPerDot); err != nil {
				return b, err
			}
			y += n
			continue
		}
		// A band: rows up to the next white run worth feeding.
		end := y
		for end < r.Height && end-y < RasterBandRows {
			n := r.blankRun(end)
			if n >= blankRows || end+n == r.Height {
				break
			}
			end += max(n, 1)
		}
		end = min(end, y+RasterBandRows)
		lo, hi := r.inkedBytes(y, end)
		x := o.X + lo*8
		if o.MaxMargin > 0 && x > o.MaxMargin {
			// Keep the margin where the printer takes it; print the
			// white bytes between instead.
			lo = max(0, (o.MaxMargin-o.X)/8)
			x = o.X + lo*8
		}
		if x != margin {
			if b, err = AppendLeftMargin(b, x); err != nil {
				return b, err
			}
			margin = x
		}
		xb, rows := hi-lo, end-y
		b = append(b, GS, 'v', '0', 0, byte(xb), byte(xb>>8), byte(rows), byte(rows>>8))
		for row := y; row < end; row++ {
			off := row * r.Stride
			b = append(b, r.Bits[off+lo:off+hi]...)
		}
		y = end
	}
	if margin != 0 {
		b = append(b, GS, 'L', 0, 0)
	}
	return b, nil
}

// blankRun counts the white rows from row y on.
func (r *Raster) blankRun(y int) int {
	n := 0
	for ; y+n < r.Height; n++ {
		row := r.Bits[(y+n)*r.Stride : (y+n+1)*r.Stride]
		for _, c := range row {
			if c != 0 {
				return n
			}
		}
	}
	return n
}

// inkedBytes returns the byte columns [lo, hi) holding every black dot of
// rows [y0, y1); at least one byte, so that a band is never empty.
func (r *Raster) inkedBytes(y0, y1 int) (lo, hi int) {
	lo, hi = r.Stride, 0
	for y := y0; y < y1; y++ {
		row := r.Bits[y*r.Stride : (y+1)*r.Stride]
		for i := 0; i < lo; i++ {
			if row[i] != 0 {
				lo = i
				break
			}
		}
		for i := len(row) - 1; i >= hi; i-- {
			if row[i] != 0 {
				hi = i + 1
				break
			}
		}
	}
	if hi <= lo {
		return 0, 1
	}
	return lo, hi
}

// AppendLeanRaster appends r aligned by j with the fewest bytes the printer
// allows (see the package function): on an ESC/POS profile with GS v 0 as
// a lean raster placed by the left margin, else as AppendRaster does. It
// sets left justification, which is where the placement starts from.
func (e *Encoder) AppendLeanRaster(dst []byte, r *Raster, j Justification) ([]byte, error) {
	if e.profile.Language != LanguageESCPOS || e.star || !e.profile.Features.BitImageRaster {
		return e.AppendRaster(dst, r, j)
	}
	if err := r.check(); err != nil {
		return dst, err
	}
	head := e.headDots()
	if r.Width > head {
		return dst, fmt.Errorf("escpos: raster %d dots wide exceeds the %d-dot head of %s", r.Width, head, e.profile.ID)
	}
	if !j.Valid() {
		return dst, fmt.Errorf("escpos: %v out of range", j)
	}
	// The printer aligns the whole bytes GS v 0 sends, padding included.
	x := 0
	switch j {
	case JustifyCenter:
		x = max(head-r.Stride*8, 0) / 2
	case JustifyRight:
		x = max(head-r.Stride*8, 0)
	}
	cell := 12
	if cols, err := e.profile.Columns(FontA); err == nil && cols > 0 {
		cell = max(head/cols, 1)
	}
	out, err := e.AppendJustification(dst, JustifyLeft)
	if err != nil {
		return dst, err
	}
	out, err = AppendLeanRaster(out, r, LeanRaster{X: x, MaxMargin: head - cell, UnitsPerDot: VerticalUnitsPerDot(e.profile)})
	if err != nil {
		return dst, err
	}
	return out, nil
}
