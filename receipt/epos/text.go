package epos

import (
	"encoding/xml"
	"strconv"
	"strings"

	"github.com/secuprint/receipt/escpos"
)

// conv is the state of one conversion: the printer's settings as ePOS
// defines them (a <text> attribute stays in force for what follows).
type conv struct {
	p     *escpos.Profile
	opt   Options
	enc   *escpos.Encoder
	out   []byte
	text  []byte // the current element's content
	br    *byteReader
	limit int64 // the body limit
	doc   Document

	align escpos.Justification
	size  escpos.Size
	upd   int // vertical motion units per dot
}

func newConv(p *escpos.Profile, opt Options) (*conv, error) {
	c := &conv{p: p, opt: opt, size: escpos.Normal, upd: escpos.VerticalUnitsPerDot(p)}
	if err := c.newEncoder(); err != nil {
		return nil, err
	}
	return c, nil
}

// newEncoder starts an encoder that knows nothing of the printer's state,
// so it sends every setting it needs: after ESC @, or after raw bytes.
func (c *conv) newEncoder() error {
	enc, err := escpos.NewEncoder(c.p)
	if err != nil {
		return err
	}
	enc.OnFallback = func(f escpos.Fallback) { c.note("text: %v", f) }
	c.enc = enc
	return nil
}

// Attribute parsing. Values are Epson's; anything else is a SchemaError.

func boolAttr(el string, a xml.Attr) (bool, error) {
	switch a.Value {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, schemaErr(el, a.Name.Local, a.Value, "want true or false")
}

func intAttr(el string, a xml.Attr, lo, hi int) (int, error) {
	n, err := strconv.Atoi(a.Value)
	if err != nil || n < lo || n > hi {
		return 0, schemaErr(el, a.Name.Local, a.Value, "want an integer %d to %d", lo, hi)
	}
	return n, nil
}

func enumAttr[T any](el string, a xml.Attr, values map[string]T) (T, error) {
	v, ok := values[a.Value]
	if !ok {
		names := make([]string, 0, len(values))
		for k := range values {
			names = append(names, k)
		}
		sortStrings(names)
		var zero T
		return zero, schemaErr(el, a.Name.Local, a.Value, "want one of %s", strings.Join(names, ", "))
	}
	return v, nil
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// skipAttr is an attribute that is not the element's own: namespace
// declarations and foreign attributes, which a schema allows.
func skipAttr(a xml.Attr) bool {
	return a.Name.Space == "xmlns" || a.Name.Local == "xmlns" || a.Name.Space != ""
}

func unknownAttr(el string, a xml.Attr) error {
	return schemaErr(el, a.Name.Local, a.Value, "unknown attribute")
}

var aligns = map[string]escpos.Justification{"left": escpos.JustifyLeft, "center": escpos.JustifyCenter, "right": escpos.JustifyRight}

// fonts are Epson's font names; the printer's font table decides which it
// has (fontOf).
var fonts = map[string]string{"font_a": "A", "font_b": "B", "font_c": "C", "font_d": "D", "font_e": "E", "special_a": "special A", "special_b": "special B"}

var fontIDs = map[string]escpos.Font{"A": escpos.FontA, "B": escpos.FontB, "C": escpos.FontC}

// fontOf maps an Epson font to one the printer has, or reports a fallback
// to font A.
func (c *conv) fontOf(el, name string) escpos.Font {
	if f, ok := fontIDs[name]; ok {
		if _, err := c.p.Columns(f); err == nil {
			return f
		}
	}
	c.note("%s: font %s is not on %s; font A used", el, name, c.p.ID)
	return escpos.FontA
}

var langs = map[string]bool{"en": true, "ja": true, "ja-jp": true, "zh-cn": true, "zh-hans": true, "zh-tw": true, "zh-hant": true, "ko": true, "ko-kr": true, "th": true, "vi": true, "multi": true}

var colors = map[string]byte{"none": 0xFF, "color_1": 0, "color_2": 1, "color_3": 2, "color_4": 3}

// textEl is <text>: its attributes change the printer's settings from
// here on, its content prints ("&#10;" is a line feed).
func (c *conv) textEl(attrs []xml.Attr, content string) error {
	const el = "text"
	var err error
	for _, a := range attrs {
		if skipAttr(a) {
			continue
		}
		var on bool
		var n int
		switch a.Name.Local {
		case "lang":
			// Text goes through the printer's code pages whatever the
			// language; what no page holds is a reported fallback.
			if !langs[a.Value] {
				return schemaErr(el, "lang", a.Value, "unknown language")
			}
		case "smooth":
			if on, err = boolAttr(el, a); err == nil {
				c.out = append(c.out, escpos.GS, 'b', b2i(on))
			}
		case "font":
			var name string
			if name, err = enumAttr(el, a, fonts); err == nil {
				c.out, err = c.enc.AppendFont(c.out, c.fontOf(el, name))
			}
		case "width", "height":
			if n, err = intAttr(el, a, 1, 8); err == nil {
				c.setSize(a.Name.Local == "width", n)
			}
		case "dw", "dh":
			if on, err = boolAttr(el, a); err == nil {
				c.setSize(a.Name.Local == "dw", 1+int(b2i(on)))
			}
		case "reverse":
			if on, err = boolAttr(el, a); err == nil {
				c.out = append(c.out, escpos.GS, 'B', b2i(on))
			}
		case "ul":
			if on, err = boolAttr(el, a); err == nil {
				c.out = append(c.out, escpos.ESC, '-', b2i(on))
			}
		case "em":
			if on, err = boolAttr(el, a); err == nil {
				c.out = c.enc.AppendBold(c.out, on)
			}
		case "color":
			var col byte
			if col, err = enumAttr(el, a, colors); err == nil {
				err = c.setColor(el, col)
			}
		case "align":
			var j escpos.Justification
			if j, err = enumAttr(el, a, aligns); err == nil {
				c.setAlign(j)
			}
		case "x":
			if n, err = intAttr(el, a, 0, 65535); err == nil {
				c.out = append(c.out, escpos.ESC, '$', byte(n), byte(n>>8))
			}
		case "linespc":
			if n, err = intAttr(el, a, 0, 255); err == nil {
				err = c.lineSpacing(el, n)
			}
		case "rotate":
			if on, err = boolAttr(el, a); err == nil {
				c.out = append(c.out, escpos.ESC, 'V', b2i(on))
			}
		default:
			return unknownAttr(el, a)
		}
		if err != nil {
			return err
		}
	}
	if len(attrs) > 0 {
		// Sizes apply once all attributes are read: width="2" dh="true"
		// is one GS !.
		var err error
		if c.out, err = c.enc.AppendSize(c.out, c.size); err != nil {
			return err
		}
	}
	c.printText(content)
	return nil
}

func (c *conv) setSize(width bool, n int) {
	if width {
		c.size.Width = escpos.Magnification(n)
	} else {
		c.size.Height = escpos.Magnification(n)
	}
}

// setAlign records the alignment; what prints next applies it (ESC a
// counts at the start of a line, and pictures place themselves).
func (c *conv) setAlign(j escpos.Justification) { c.align = j }

func (c *conv) setColor(el string, col byte) error {
	switch col {
	case 0, 1:
		c.out = append(c.out, escpos.ESC, 'r', col)
	case 0xFF:
		c.note("%s: color none (print nothing) is not supported; printed in the first color", el)
		c.out = append(c.out, escpos.ESC, 'r', 0)
	default:
		c.note("%s: color_%d: receipt printers have two colours at most; printed in the first", el, col+1)
		c.out = append(c.out, escpos.ESC, 'r', 0)
	}
	return nil
}

// lineSpacing sets ESC 3 to dots dots (ePOS counts line spacing in dots,
// ESC 3 in motion units).
func (c *conv) lineSpacing(el string, dots int) error {
	units := dots * c.upd
	if units > 255 {
		return schemaErr(el, "linespc", strconv.Itoa(dots), "more than this printer's ESC 3 can set (255 motion units of 1/%d dot)", c.upd)
	}
	c.out = append(c.out, escpos.ESC, '3', byte(units))
	return nil
}

// printText prints s through the encoder: LF and HT pass as commands, a
// CR before LF is dropped, every other control character is a reported
// substitute (the encoder's).
func (c *conv) printText(s string) {
	if s == "" {
		return
	}
	// Valid by construction: aligns holds only valid values.
	c.out, _ = c.enc.AppendJustification(c.out, c.align)
	start := 0
	flush := func(end int) {
		if end > start {
			c.out = c.enc.AppendText(c.out, s[start:end])
		}
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n':
			flush(i)
			c.out = append(c.out, escpos.LF)
			start = i + 1
		case '\t':
			flush(i)
			c.out = append(c.out, escpos.HT)
			start = i + 1
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				flush(i)
				start = i + 1
			}
		}
	}
	flush(len(s))
}

func b2i(on bool) byte {
	if on {
		return 1
	}
	return 0
}

// feedEl is <feed>: by dots (unit), by lines (line), a new line spacing
// (linespc), or a line feed when it has none of them.
func (c *conv) feedEl(attrs []xml.Attr, content string) error {
	const el = "feed"
	if !blank([]byte(content)) {
		return schemaErr(el, "", content, "text inside <feed>")
	}
	fed := false
	for _, a := range attrs {
		if skipAttr(a) {
			continue
		}
		switch a.Name.Local {
		case "unit":
			n, err := intAttr(el, a, 0, 255)
			if err != nil {
				return err
			}
			// ESC J prints what the line holds, then feeds.
			if n == 0 {
				c.out = append(c.out, escpos.ESC, 'J', 0)
			} else if c.out, err = escpos.AppendFeedDots(c.out, n, c.upd); err != nil {
				return err
			}
			fed = true
		case "line":
			n, err := intAttr(el, a, 0, 255)
			if err != nil {
				return err
			}
			c.out = escpos.AppendFeedLines(c.out, uint8(n))
			fed = true
		case "linespc":
			n, err := intAttr(el, a, 0, 255)
			if err != nil {
				return err
			}
			if err := c.lineSpacing(el, n); err != nil {
				return err
			}
			fed = true // a setting, no feed, as Epson's
		case "pos":
			if _, err := enumAttr(el, a, map[string]bool{"peeling": true, "cutting": true, "current_tof": true, "next_tof": true}); err != nil {
				return err
			}
			return schemaErr(el, "pos", a.Value, "label paper positions are not supported on receipt paper")
		default:
			return unknownAttr(el, a)
		}
	}
	if !fed {
		c.out = append(c.out, escpos.LF)
	}
	return nil
}
