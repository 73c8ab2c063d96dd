package epos

import (
	"encoding/hex"
	"encoding/xml"
	"strings"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
)

// cutEl is <cut type="no_feed|feed|reserve">: Epson's printers cut
// partially. "feed" (the default) feeds the last line past the cutter
// first; "reserve" (cut when the next print reaches the cutter) is
// printed as "feed", which leaves the same paper.
func (c *conv) cutEl(attrs []xml.Attr, content string) error {
	const el = "cut"
	typ := "feed"
	for _, a := range attrs {
		if skipAttr(a) {
			continue
		}
		if a.Name.Local != "type" {
			return unknownAttr(el, a)
		}
		if _, err := enumAttr(el, a, map[string]bool{"no_feed": true, "feed": true, "reserve": true}); err != nil {
			return err
		}
		typ = a.Value
	}
	if !blank([]byte(content)) {
		return schemaErr(el, "", content, "text inside <cut>")
	}
	f := c.p.Features
	if typ == "no_feed" && (f.PaperPartCut || f.PaperFullCut) && c.p.Language == escpos.LanguageESCPOS {
		m := byte(1) // GS V 1: partial cut where the paper is
		if !f.PaperPartCut {
			m = 0
		}
		c.out = append(c.out, escpos.GS, 'V', m)
		return nil
	}
	if typ == "reserve" {
		c.note("cut reserve printed as a feed cut")
	}
	var err error
	c.out, err = c.enc.AppendCut(c.out, escpos.CutPartial)
	return err
}

var drawers = map[string]escpos.Drawer{"drawer_1": escpos.DrawerPin2, "drawer_2": escpos.DrawerPin5}

var pulseTimes = map[string]int{"pulse_100": 100, "pulse_200": 200, "pulse_300": 300, "pulse_400": 400, "pulse_500": 500}

// pulseEl is <pulse drawer time>: kick a cash drawer. ESC p with the pulse
// asked (on for time, off 500 ms, what drawers are specified for); a Star
// profile's BEL; a printer without a drawer port reports it.
func (c *conv) pulseEl(attrs []xml.Attr, content string) error {
	const el = "pulse"
	pin, ms := escpos.DrawerPin2, 100
	for _, a := range attrs {
		if skipAttr(a) {
			continue
		}
		var err error
		switch a.Name.Local {
		case "drawer":
			pin, err = enumAttr(el, a, drawers)
		case "time":
			ms, err = enumAttr(el, a, pulseTimes)
		default:
			return unknownAttr(el, a)
		}
		if err != nil {
			return err
		}
	}
	if !blank([]byte(content)) {
		return schemaErr(el, "", content, "text inside <pulse>")
	}
	f := c.p.Features
	switch {
	case f.PulseStandard:
		c.out, _ = escpos.AppendPulse(c.out, pin, uint8(ms/2), 250) // valid: 50 ≤ on ≤ 250
	case f.PulseBel:
		c.out, _ = c.enc.AppendDrawer(c.out, pin)
	default:
		c.note("pulse: %s has no cash drawer port; not sent", c.p.ID)
		return nil
	}
	c.doc.Pulse = true
	return nil
}

var soundPatterns = map[string]byte{"none": 0, "pattern_a": 1, "pattern_b": 2, "pattern_c": 3, "pattern_d": 4, "pattern_e": 5,
	"error": 6, "paper_end": 7, "pattern_1": 1, "pattern_2": 2, "pattern_3": 3, "pattern_4": 4, "pattern_5": 5,
	"pattern_6": 6, "pattern_7": 7, "pattern_8": 8, "pattern_9": 9, "pattern_10": 9}

// soundEl is <sound pattern repeat cycle>: the buzzer, as ESC B n t (n
// times, t × 50 ms; both 1–9) on ESC/POS printers. The pattern chooses t;
// a repeat of 0 (Epson: until stopped) or above 9 rings 9 times,
// reported. Star printers take BEL as the drawer kick, so they get nothing.
func (c *conv) soundEl(attrs []xml.Attr, content string) error {
	const el = "sound"
	pat, rep := byte(1), 1
	for _, a := range attrs {
		if skipAttr(a) {
			continue
		}
		var err error
		switch a.Name.Local {
		case "pattern":
			pat, err = enumAttr(el, a, soundPatterns)
		case "repeat":
			rep, err = intAttr(el, a, 0, 255)
		case "cycle":
			_, err = intAttr(el, a, 1000, 25500)
		default:
			return unknownAttr(el, a)
		}
		if err != nil {
			return err
		}
	}
	if !blank([]byte(content)) {
		return schemaErr(el, "", content, "text inside <sound>")
	}
	if pat == 0 {
		return nil
	}
	if c.p.Language != escpos.LanguageESCPOS || c.p.Features.PulseBel {
		c.note("sound: %s has no ESC/POS buzzer; not sent", c.p.ID)
		return nil
	}
	if rep == 0 || rep > 9 {
		c.note("sound: repeat %d rings 9 times", rep)
		rep = 9
	}
	c.out = append(c.out, escpos.ESC, 'B', byte(rep), pat)
	return nil
}

// layoutEl is <layout>: the paper layout. Receipt paper is what receiptd
// prints on, so type="receipt" (the default) changes nothing; label and
// black-mark layouts set the printer's memory switches, which receiptd
// never writes.
func (c *conv) layoutEl(attrs []xml.Attr, content string) error {
	const el = "layout"
	for _, a := range attrs {
		if skipAttr(a) {
			continue
		}
		switch a.Name.Local {
		case "type":
			if _, err := enumAttr(el, a, map[string]bool{"receipt": true, "receipt_bm": true, "label": true, "label_bm": true}); err != nil {
				return err
			}
			if a.Value != "receipt" {
				return schemaErr(el, "type", a.Value, "only receipt paper is supported (other layouts write the printer's memory switches)")
			}
		case "width", "height", "margin-top", "margin-bottom", "offset-cut", "offset-label":
			if _, err := intAttr(el, a, -15000, 65535); err != nil {
				return err
			}
		default:
			return unknownAttr(el, a)
		}
	}
	if !blank([]byte(content)) {
		return schemaErr(el, "", content, "text inside <layout>")
	}
	return nil
}

// commandEl is <command>: raw ESC/POS as hex digits. Off unless
// Options.AllowCommand; then every command must pass checkCommand, and
// the encoder forgets what it knew of the printer's settings.
func (c *conv) commandEl(attrs []xml.Attr, content string) error {
	const el = "command"
	for _, a := range attrs {
		if !skipAttr(a) {
			return unknownAttr(el, a)
		}
	}
	if !c.opt.AllowCommand {
		return schemaErr(el, "", "", "raw commands are disabled (epos_allow_command)")
	}
	if c.p.Language != escpos.LanguageESCPOS || c.p.StarCodePages() {
		return schemaErr(el, "", "", "raw ESC/POS cannot go to %s, a Star printer", c.p.ID)
	}
	raw, err := hex.DecodeString(strings.Join(strings.Fields(content), ""))
	if err != nil {
		return schemaErr(el, "", content, "not hex digits: %v", err)
	}
	for _, cmd := range decode.Decode(raw, c.p) {
		if err := checkCommand(&cmd); err != nil {
			return err
		}
	}
	c.out = append(c.out, raw...)
	return c.newEncoder()
}

// allowed are the commands <command> may carry: printing, formatting,
// positioning, images and codes into the print buffer, cut, drawer and
// buzzer. Everything else is refused: what writes non-volatile memory or
// memory switches (GS ( E, FS q, GS ( L define functions, ESC ( / GS ( /
// FS ( function families), user-defined characters and macros, page mode,
// real-time commands, and anything the decoder does not know.
var allowed = map[decode.Op]bool{
	decode.OpText: true, decode.OpNUL: true, decode.OpHT: true, decode.OpLF: true, decode.OpCR: true,
	decode.OpInit: true, decode.OpPrintMode: true, decode.OpEmphasis: true, decode.OpUnderline: true,
	decode.OpDoubleStrike: true, decode.OpFont: true, decode.OpJustify: true, decode.OpFeedLines: true,
	decode.OpFeedDots: true, decode.OpCodePage: true, decode.OpCharset: true, decode.OpLineSpacingDefault: true,
	decode.OpLineSpacing: true, decode.OpPulse: true, decode.OpUpsideDown: true, decode.OpRotate: true,
	decode.OpCharSpacing: true, decode.OpAbsolutePosition: true, decode.OpRelativePosition: true,
	decode.OpTabStops: true, decode.OpBitImage: true, decode.OpColor: true, decode.OpSize: true,
	decode.OpReverse: true, decode.OpCut: true, decode.OpRasterImage: true, decode.OpGraphics: true,
	decode.OpSymbol: true, decode.OpBarcode: true, decode.OpHRIPosition: true, decode.OpBarcodeHeight: true,
	decode.OpBarcodeWidth: true, decode.OpHRIFont: true, decode.OpLeftMargin: true, decode.OpPrintAreaWidth: true,
	decode.OpSmoothing: true, decode.OpBuzzer: true, decode.OpItalic: true, decode.OpNVImage: true,
}

// graphicsAllowed are the GS ( L / GS 8 L functions that only print: set
// the dot density (49), print the buffer (50), store into it (112, 113)
// and print stored graphics by key (69). Functions that answer the host
// (48, 51, 64, 80) or define and delete NV graphics (65–67, 83) are not.
var graphicsAllowed = map[byte]bool{49: true, 50: true, 69: true, 112: true, 113: true}

// checkCommand refuses a decoded command the printer would misread or that
// changes more than this print.
func checkCommand(cmd *decode.Command) error {
	const el = "command"
	hexOf := func() string { return hex.EncodeToString(cmd.Raw) }
	switch {
	case cmd.Err != nil:
		return schemaErr(el, "", hexOf(), "%s at byte %d: %v", cmd.Name, cmd.Offset, cmd.Err)
	case !allowed[cmd.Op]:
		return schemaErr(el, "", hexOf(), "%s at byte %d is not allowed", cmd.Name, cmd.Offset)
	case cmd.Op == decode.OpGraphics && !graphicsAllowed[byte(cmd.Arg(1))]:
		return schemaErr(el, "", hexOf(), "%s function %d at byte %d is not allowed (only printing functions)", cmd.Name, cmd.Arg(1), cmd.Offset)
	case cmd.Op == decode.OpSymbol && cmd.Arg(1) == 82:
		// fn 82 transmits the symbol's size: an answer on the line the
		// status reader does not expect.
		return schemaErr(el, "", hexOf(), "%s function 82 at byte %d answers the host; not allowed", cmd.Name, cmd.Offset)
	}
	return nil
}
