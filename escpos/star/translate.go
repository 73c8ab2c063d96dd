package star

import (
	"errors"
	"strconv"

	"github.com/secuprint/receipt/escpos"
)

// ToESCPOS turns decoded Star commands into the ESC/POS that prints the same
// paper on a printer with the same dots and code page slots, so the
// project's paper engine (which reads ESC/POS) can draw Star streams: a
// preview of captured Star bytes, and round trips in tests. Commands with
// errors (but text and code page selections), and those that print nothing (status, page control, kanji
// settings), are left out.
func ToESCPOS(cmds []Command) []byte {
	var t Translator
	var out []byte
	for i := range cmds {
		out = t.Append(out, &cmds[i])
	}
	return t.Flush(out)
}

// Translator is ToESCPOS one command at a time, for a stream read as it
// arrives (the virtual printer); it keeps the Star Graphic EOT mode.
type Translator struct {
	eot     string   // ESC * r E's mode; "" is the initial 13
	on, off byte     // ESC BEL's pulse widths in 10 ms; 0: Star's 200 ms
	rows    [][]byte // Star Graphic rows not yet drawn
	width   int      // bytes of the widest of them
}

// maxRows bounds one GS v 0 band drawn from Star Graphic rows.
const maxRows = 128

// Flush appends the Star Graphic rows still held as one raster.
func (t *Translator) Flush(out []byte) []byte {
	if len(t.rows) == 0 {
		return out
	}
	w := t.width
	out = append(out, 0x1D, 'v', '0', 0, byte(w), byte(w>>8), byte(len(t.rows)), byte(len(t.rows)>>8))
	for _, r := range t.rows {
		out = append(out, r...)
		for range w - len(r) {
			out = append(out, 0)
		}
	}
	t.rows, t.width = t.rows[:0], 0
	return out
}

// Append appends the ESC/POS for c. Star Graphic rows are held and drawn as
// one raster when another command comes, or at Flush.
func (t *Translator) Append(out []byte, c *Command) []byte {
	if c.Err != nil && (c.Name != "TEXT" && c.Name != "ESC GS t" || errors.Is(c.Err, ErrTruncated)) {
		// A character the page lacks still takes its cell, and an unknown
		// slot still switches; a command cut off has no arguments to read.
		return out
	}
	if c.Name == "b" {
		t.rows = append(t.rows, c.Data)
		t.width = max(t.width, len(c.Data))
		if len(t.rows) == maxRows {
			out = t.Flush(out)
		}
		return out
	}
	out = t.Flush(out)
	arg := func(i int) byte { return c.Args[i] }
	switch c.Name {
	case "TEXT":
		out = append(out, c.Raw...)
	case "LF", "CR":
		out = append(out, c.Raw...)
	case "ESC @":
		out = append(out, 0x1B, '@')
	case "ESC GS t":
		out = append(out, 0x1B, 't', arg(0))
	case "ESC E":
		out = append(out, 0x1B, 'E', 1)
	case "ESC F":
		out = append(out, 0x1B, 'E', 0)
	case "ESC i":
		out = append(out, 0x1D, '!', arg(1)<<4|arg(0))
	case "ESC GS a":
		out = append(out, 0x1B, 'a', arg(0)%48)
	case "ESC RS F":
		out = append(out, 0x1B, 'M', arg(0)%48)
	case "ESC a":
		out = append(out, 0x1B, 'd', arg(0))
	case "ESC d":
		switch arg(0) % 48 {
		case 0:
			out = append(out, 0x1D, 'V', 0)
		case 1:
			out = append(out, 0x1D, 'V', 1)
		case 2:
			out = append(out, 0x1D, 'V', 65, 0)
		case 3:
			out = append(out, 0x1D, 'V', 66, 0)
		}
	case "ESC -":
		out = append(out, 0x1B, '-', arg(0)%48)
	case "ESC 4":
		out = append(out, 0x1D, 'B', 1)
	case "ESC 5":
		out = append(out, 0x1D, 'B', 0)
	case "SI":
		out = append(out, 0x1B, '{', 1)
	case "DC2":
		out = append(out, 0x1B, '{', 0)
	case "ESC 0":
		out = append(out, 0x1B, '3', 24) // 3 mm at 8 dots/mm
	case "ESC z":
		if arg(0)%48 == 0 {
			out = append(out, 0x1B, '3', 24)
		} else {
			out = append(out, 0x1B, '3', 32) // 4 mm
		}
	case "ESC GS A":
		out = append(out, 0x1B, '$', arg(0), arg(1))
	case "ESC GS R":
		out = append(out, 0x1B, '\\', arg(0), arg(1))
	case "ESC X":
		// The same 24-dot column format as ESC/POS's ESC * 33.
		out = append(out, 0x1B, '*', 33, arg(0), arg(1))
		out = append(out, c.Data...)
	case "ESC k":
		w := int(arg(0)) | int(arg(1))<<8 // bytes per row, 24 rows
		out = append(out, 0x1B, '*', 33, byte(8*w), byte(8*w>>8))
		for x := 0; x < 8*w; x++ {
			var col [3]byte
			for y := 0; y < 24; y++ {
				if c.Data[y*w+x/8]&(0x80>>(x%8)) != 0 {
					col[y/8] |= 0x80 >> (y % 8)
				}
			}
			out = append(out, col[:]...)
		}
	case "ESC GS S":
		// Rows as GS v 0 has them.
		out = append(out, 0x1D, 'v', '0', 0, arg(1), arg(2), arg(3), arg(4))
		out = append(out, c.Data...)
	case "ESC GS y S 0":
		out = append(out, 0x1D, '(', 'k', 4, 0, 49, 65, 48+arg(0)%48, 0)
	case "ESC GS y S 1":
		out = append(out, 0x1D, '(', 'k', 3, 0, 49, 69, 48+arg(0)%48)
	case "ESC GS y S 2":
		out = append(out, 0x1D, '(', 'k', 3, 0, 49, 67, arg(0))
	case "ESC GS y D":
		n := len(c.Data) + 3
		out = append(out, 0x1D, '(', 'k', byte(n), byte(n>>8), 49, 80, 48)
		out = append(out, c.Data...)
	case "ESC GS y P":
		out = append(out, 0x1D, '(', 'k', 3, 0, 49, 81, 48)
	case "ESC b":
		out = appendBarcode(out, c)
	case "ESC BEL":
		t.on, t.off = arg(0), arg(1) // for the BEL or SUB that drives
	case "BEL", "SUB":
		pin := byte(0)
		if c.Name == "SUB" {
			pin = 1
		}
		on, off := t.on, t.off
		if on == 0 {
			on, off = 20, 20
		}
		// ESC p counts 2 ms, Star 10 ms.
		out = append(out, 0x1B, 'p', pin, byte(min(255, 5*int(on))), byte(min(255, 5*int(off))))
	case "ESC * r Y":
		n, _ := strconv.Atoi(c.Text)
		for ; n > 0; n -= 255 {
			out = append(out, 0x1B, 'J', byte(min(n, 255)))
		}
	case "ESC * r E":
		t.eot = c.Text
	case "ESC FF EOT", "ESC FF NUL":
		switch t.eot {
		case "8", "9", "36", "37":
			out = append(out, 0x1D, 'V', 65, 0)
		case "12", "13", "":
			out = append(out, 0x1D, 'V', 66, 0)
		default:
			out = append(out, 0x1B, 'd', 3)
		}
	}
	return out
}

// barcodeFunctionB are GS k m for ESC b's n1.
var barcodeFunctionB = [...]byte{0: 66, 1: 65, 2: 68, 3: 67, 4: 69, 5: 70, 6: 73, 7: 72, 8: 71}

func appendBarcode(out []byte, c *Command) []byte {
	t, hri, h := c.Args[0]%48, c.Args[1]%48, c.Args[3]
	narrow, wide, ok := BarcodeMode(c.Args[0], c.Args[2])
	if int(t) >= len(barcodeFunctionB) || !ok {
		return out
	}
	if sym, ok := starWideSymbology[t]; ok {
		return appendWideBarcode(out, c, sym, narrow, wide)
	}
	pos := byte(0)
	if hri == 2 || hri == 4 {
		pos = 2
	}
	out = append(out, 0x1D, 'H', pos, 0x1D, 'h', h, 0x1D, 'w', byte(min(6, narrow)))
	data := c.Data
	if t == 6 {
		data = code128Data(data)
	}
	if len(data) > 255 {
		return out // GS k's n counts to 255; ESC b's own limit is the same
	}
	out = append(out, 0x1D, 'k', barcodeFunctionB[t], byte(len(data)))
	out = append(out, data...)
	if hri == 1 || hri == 2 {
		out = append(out, 0x0A)
	}
	return out
}

// code128Data turns ESC b's CODE128 data, with Star's "%" escapes (Star Line
// Mode §5-1-4: %0 "%", % + 40h–5Fh control codes 00h–1Fh, %5 DEL, %1–%4
// FNC1–4, %6–%8 start code A, B, C), into GS k's, where "{" opens a code set
// or function and a literal "{" is "{{". Without a start code it starts in
// B, which holds every printable character; a control code goes by SHIFT.
// In code set C, GS k takes each digit pair as one byte. A "%" with
// anything else after it is left out, as a printer ignores it.
func code128Data(d []byte) []byte {
	out := make([]byte, 0, len(d)+4)
	set := byte('B')
	if len(d) >= 2 && d[0] == '%' && d[1] >= '6' && d[1] <= '8' {
		set, d = "ABC"[d[1]-'6'], d[2:]
	}
	out = append(out, '{', set)
	for i := 0; i < len(d); i++ {
		x := d[i]
		if set == 'C' && x >= '0' && x <= '9' && i+1 < len(d) && d[i+1] >= '0' && d[i+1] <= '9' {
			out = append(out, (x-'0')*10+d[i+1]-'0')
			i++
			continue
		}
		if x == '%' {
			if i+1 == len(d) {
				break
			}
			i++
			switch e := d[i]; {
			case e == '0':
				x = '%'
			case e == '5':
				x = 0x7F
			case e >= '1' && e <= '4':
				out = append(out, '{', e)
				continue
			case e >= '6' && e <= '8':
				set = "ABC"[e-'6']
				out = append(out, '{', set)
				continue
			case e >= 0x40 && e <= 0x5F:
				x = e - 0x40
			default:
				continue
			}
		}
		if set == 'C' { // not a digit pair: GS k needs code set B for it
			set = 'B'
			out = append(out, '{', 'B')
		}
		switch {
		case x == '{':
			out = append(out, '{', '{')
		case x < 0x20 && set == 'B':
			out = append(out, '{', 'S', x) // SHIFT: the next one from code set A
		case x >= 0x60 && set == 'A':
			out = append(out, '{', 'S', x)
		default:
			out = append(out, x)
		}
	}
	return out
}

// starWideSymbology are the ESC b types whose modes set a narrow:wide ratio
// that GS w cannot carry (ESC/POS printers have their own table): CODE39
// and ITF. NW-7 goes as GS k CODABAR, which the paper engine boxes anyway.
var starWideSymbology = map[byte]escpos.Symbology{4: escpos.Code39, 5: escpos.ITF}

// appendWideBarcode draws a CODE39 or ITF as the Star printer does, narrow
// and wide elements of ESC b's mode, as a GS v 0 raster with the characters
// under it as text. Data the symbology cannot hold prints nothing, as Star
// discards it.
func appendWideBarcode(out []byte, c *Command, sym escpos.Symbology, narrow, wide int) []byte {
	hri, h := c.Args[1]%48, int(c.Args[3])
	data := string(c.Data)
	if sym == escpos.ITF && len(data)%2 == 1 {
		data = "0" + data // Star: "When an odd number: 0 is automatically applied to the top"
	}
	bc := escpos.Barcode{Symbology: sym, Data: data, Height: uint8(h)}
	dots, err := escpos.BarcodeDotsWide(bc, narrow, wide)
	if err != nil {
		return out
	}
	stride := (len(dots) + 7) / 8
	out = append(out, 0x1D, 'v', '0', 0, byte(stride), byte(stride>>8), byte(h), byte(h>>8))
	row := make([]byte, stride)
	for x, bar := range dots {
		if bar {
			row[x/8] |= 0x80 >> (x % 8)
		}
	}
	for range h {
		out = append(out, row...)
	}
	if hri == 2 || hri == 4 {
		if sym == escpos.Code39 {
			data = "*" + data + "*"
		}
		out = append(out, data...)
		out = append(out, 0x0A)
	}
	if hri == 1 || hri == 2 {
		out = append(out, 0x0A)
	}
	return out
}
