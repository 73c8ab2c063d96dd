package star

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/secuprint/receipt/escpos"
)

// Errors of decoding, wrapped by Command.Err.
var (
	ErrUnknown   = errors.New("unknown command")
	ErrTruncated = errors.New("input ends inside a command")
	ErrArgument  = errors.New("invalid argument")
	ErrUndefined = errors.New("byte undefined in the code page")
)

// Command is one decoded Star command (StarPRNT, Line Mode or Graphic).
type Command struct {
	Offset int
	Raw    []byte
	Name   string // "ESC GS a", "TEXT", "b" (raster row), …
	Args   []byte // fixed parameters
	Data   []byte // payload (bar code data, image bytes, QR data)
	Text   string // TEXT: the characters; ASCII-number commands: the number
	Note   string // what it does, for the disassembly
	Err    error
}

// Decoder turns Star streams into commands, tracking the code page.
type Decoder struct {
	slots  [256]*escpos.CodePage
	known  [256]bool
	page   *escpos.CodePage
	def    *escpos.CodePage
	raster bool // in Star Graphic / raster mode: 'b' starts a row
}

// NewDecoder returns a decoder for profile p (nil: code page 0 is CP437).
func NewDecoder(p *escpos.Profile) *Decoder {
	d := &Decoder{}
	if p == nil || len(p.CodePages) == 0 {
		cp, _ := escpos.LookupCodePage("CP437")
		d.slots[0], d.known[0] = cp, true
	} else {
		for _, s := range p.CodePages {
			d.known[s.Slot] = true
			if cp, ok := escpos.LookupCodePage(s.Encoding); ok {
				d.slots[s.Slot] = cp
			}
		}
	}
	d.def = d.slots[0]
	d.page = d.def
	return d
}

// Decode decodes all of b with a fresh decoder for p.
func Decode(b []byte, p *escpos.Profile) []Command { return NewDecoder(p).DecodeAll(nil, b) }

// DecodeAll appends the commands of b to dst; a command cut off by the end
// of b is reported with ErrTruncated.
func (d *Decoder) DecodeAll(dst []Command, b []byte) []Command {
	for off := 0; off < len(b); {
		c, n := d.next(b[off:])
		c.Offset = off
		if n == 0 {
			c.Raw = b[off:]
			c.Err = fmt.Errorf("offset %d: %s: %w", off, c.Name, ErrTruncated)
			dst = append(dst, c)
			break
		}
		c.Raw = b[off : off+n]
		if c.Err != nil {
			c.Err = fmt.Errorf("offset %d: %s: %w", off, c.Name, c.Err)
		}
		dst = append(dst, c)
		off += n
	}
	return dst
}

// Next decodes the command at the start of b and says how many bytes it
// took; n == 0 means b ends inside the command (read on), for a stream read
// as it arrives. Raw and Offset are set; Offset is 0.
func (d *Decoder) Next(b []byte) (Command, int) {
	if len(b) == 0 {
		return Command{}, 0
	}
	c, n := d.next(b)
	if n > 0 {
		c.Raw = b[:n]
		if c.Err != nil {
			c.Err = fmt.Errorf("%s: %w", c.Name, c.Err)
		}
	}
	return c, n
}

// next decodes the command at the start of b; n == 0 means b ends inside it.
func (d *Decoder) next(b []byte) (Command, int) {
	x := b[0]
	if d.raster && x == 'b' {
		return d.rasterRow(b)
	}
	switch {
	case x == ESC:
		return d.esc(b)
	case x >= 0x20 && !d.raster:
		return d.text(b)
	case x == LF:
		return Command{Name: "LF", Note: "print and feed a line"}, 1
	case x == 0x0D:
		return Command{Name: "CR"}, 1
	case x == BEL:
		return Command{Name: "BEL", Note: "drive drawer 1"}, 1
	case x == SUB:
		return Command{Name: "SUB", Note: "drive drawer 2"}, 1
	case x == 0x18:
		return Command{Name: "CAN", Note: "cancel data in the buffer"}, 1
	case x == 0x0B:
		// Star Line Mode: "ignored if there are no tabs set"; nothing
		// here sets them (ESC B is not read), so VT prints nothing.
		return Command{Name: "VT", Note: "feed to the next vertical tab (none set: ignored)"}, 1
	case x == 0x0F:
		return Command{Name: "SI", Note: "upside-down printing on"}, 1
	case x == 0x12:
		return Command{Name: "DC2", Note: "upside-down printing off"}, 1
	case x == 0x04:
		return Command{Name: "EOT", Note: "request EOT status (paper sensors), answered at once"}, 1
	case x == 0x05:
		return Command{Name: "ENQ", Note: "request ENQ status, answered at once"}, 1
	case x == 0x17:
		return Command{Name: "ETB", Note: "count up the ETB counter once printed, send ASB"}, 1
	case x == 0:
		return Command{Name: "NUL"}, 1
	}
	return Command{Name: fmt.Sprintf("0x%02X", x), Err: ErrUnknown}, 1
}

func (d *Decoder) text(b []byte) (Command, int) {
	n := 0
	for n < len(b) && b[n] >= 0x20 && b[n] != 0x7F {
		n++
	}
	if n == 0 {
		return Command{Name: "DEL", Err: ErrUnknown}, 1
	}
	c := Command{Name: "TEXT"}
	var sb strings.Builder
	for i, x := range b[:n] {
		r, ok := rune(x), x < 0x7F // ASCII prints whatever the page
		if !ok && d.page != nil {
			r, ok = d.page.Decode(x)
		}
		if !ok && c.Err == nil {
			c.Err = fmt.Errorf("byte 0x%02X at +%d: %w", x, i, ErrUndefined)
			r = utf8.RuneError
		}
		sb.WriteRune(r)
	}
	c.Text = sb.String()
	return c, n
}

// need reports whether b holds n bytes.
func need(b []byte, n int) bool { return len(b) >= n }

// asciiNumber reads the decimal digits ending in NUL that raster commands
// take, starting at b[i]; it returns the number, the end (after NUL) or 0
// when b ends first.
func asciiNumber(b []byte, i int) (string, int, error) {
	for j := i; j < len(b); j++ {
		if b[j] == 0 {
			s := string(b[i:j])
			if _, err := strconv.Atoi(s); err != nil && s != "" {
				return s, j + 1, fmt.Errorf("%q is not a decimal number: %w", s, ErrArgument)
			}
			return s, j + 1, nil
		}
		if j-i > 8 {
			return "", j, fmt.Errorf("number without NUL: %w", ErrArgument)
		}
	}
	return "", 0, nil
}

func (d *Decoder) esc(b []byte) (Command, int) {
	if !need(b, 2) {
		return Command{Name: "ESC"}, 0
	}
	switch b[1] {
	case '@':
		d.page = d.def
		return Command{Name: "ESC @", Note: "initialise printer"}, 2
	case 'E':
		return Command{Name: "ESC E", Note: "bold on"}, 2
	case 'F':
		return Command{Name: "ESC F", Note: "bold off"}, 2
	case '0':
		return Command{Name: "ESC 0", Note: "line spacing 3 mm"}, 2
	case 'i':
		if !need(b, 4) {
			return Command{Name: "ESC i"}, 0
		}
		c := Command{Name: "ESC i", Args: b[2:4], Note: fmt.Sprintf("character size %dx wide, %dx high", b[3]+1, b[2]+1)}
		if b[2] > 5 || b[3] > 5 {
			c.Err = fmt.Errorf("expansion %d %d (0..5): %w", b[2], b[3], ErrArgument)
		}
		return c, 4
	case '4':
		return Command{Name: "ESC 4", Note: "white/black inverted on"}, 2
	case '5':
		return Command{Name: "ESC 5", Note: "white/black inverted off"}, 2
	case '-', ' ', 'l', 'Q', '$', 'R':
		if !need(b, 3) {
			return Command{Name: "ESC " + string(b[1])}, 0
		}
		names := map[byte]string{'-': "underline", ' ': "character right space", 'l': "left margin", 'Q': "right margin", '$': "kanji/ANK mode", 'R': "international character set"}
		name := "ESC " + string(b[1])
		if b[1] == ' ' {
			name = "ESC SP"
		}
		return Command{Name: name, Args: b[2:3], Note: fmt.Sprintf("%s %d", names[b[1]], b[2]%48)}, 3
	case 's':
		if !need(b, 4) {
			return Command{Name: "ESC s"}, 0
		}
		return Command{Name: "ESC s", Args: b[2:4], Note: "kanji character spacing"}, 4
	case 'k':
		if !need(b, 4) {
			return Command{Name: "ESC k"}, 0
		}
		w := int(b[2]) | int(b[3])<<8
		end := 4 + 24*w
		if !need(b, end) {
			return Command{Name: "ESC k"}, 0
		}
		return Command{Name: "ESC k", Args: b[2:4], Data: b[4:end], Note: fmt.Sprintf("24-row raster band, %d bytes a row", w)}, end
	case 'a', 'd', 'z':
		if !need(b, 3) {
			return Command{Name: "ESC " + string(b[1])}, 0
		}
		c := Command{Name: "ESC " + string(b[1]), Args: b[2:3]}
		n := b[2]
		switch b[1] {
		case 'a':
			c.Note = fmt.Sprintf("feed %d lines", n)
		case 'z':
			c.Note = map[byte]string{0: "line spacing 3 mm", 1: "line spacing 4 mm"}[n%48]
			if n%48 > 1 {
				c.Err = fmt.Errorf("line spacing %d: %w", n, ErrArgument)
			}
		case 'd':
			c.Note = map[byte]string{0: "full cut", 1: "partial cut", 2: "feed to cutter, full cut", 3: "feed to cutter, partial cut"}[n%48]
			if n%48 > 3 {
				c.Err = fmt.Errorf("cut %d: %w", n, ErrArgument)
			}
		}
		return c, 3
	case 'X':
		if !need(b, 4) {
			return Command{Name: "ESC X"}, 0
		}
		w := int(b[2]) | int(b[3])<<8
		end := 4 + 3*w
		if !need(b, end) {
			return Command{Name: "ESC X"}, 0
		}
		return Command{Name: "ESC X", Args: b[2:4], Data: b[4:end], Note: fmt.Sprintf("24-dot bit image band, %d dots wide", w)}, end
	case 'b':
		for i := 6; i < len(b); i++ {
			if b[i] == RS {
				if i-6 > 255 {
					break
				}
				c := Command{Name: "ESC b", Args: b[2:6], Data: b[6:i],
					Note: fmt.Sprintf("bar code %s, mode %d, height %d: %q", barcodeName(b[2]), b[4]%48, b[5], b[6:i])}
				if _, _, ok := BarcodeMode(b[2], b[4]); !ok || b[3]%48 < 1 || b[3]%48 > 4 || b[5] == 0 {
					// Star: "data up to RS is discarded".
					c.Err = fmt.Errorf("type %d, n2 %d, mode %d, height %d: %w", b[2], b[3], b[4], b[5], ErrArgument)
				}
				return c, i + 1
			}
		}
		return Command{Name: "ESC b"}, 0
	case BEL:
		if !need(b, 4) {
			return Command{Name: "ESC BEL"}, 0
		}
		return Command{Name: "ESC BEL", Args: b[2:4], Note: fmt.Sprintf("drawer pulse %d ms on, %d ms delay", 10*int(b[2]), 10*int(b[3]))}, 4
	case '#':
		// ESC # * LF NUL: send the model and firmware version (STAR Line
		// Mode Command Specifications, "Inquire printer version").
		if !need(b, 5) {
			return Command{Name: "ESC #"}, 0
		}
		if b[2] == '*' && b[3] == LF && b[4] == 0 {
			return Command{Name: "ESC # *", Note: "send the model and firmware version"}, 5
		}
		return Command{Name: "ESC #", Err: ErrUnknown}, 2
	case 0x06:
		if !need(b, 3) {
			return Command{Name: "ESC ACK"}, 0
		}
		if b[2] == 0x01 {
			return Command{Name: "ESC ACK SOH", Note: "request automatic status"}, 3
		}
		return Command{Name: "ESC ACK", Err: ErrUnknown}, 3
	case RS:
		if !need(b, 4) {
			return Command{Name: "ESC RS"}, 0
		}
		switch b[2] {
		case 'F':
			return Command{Name: "ESC RS F", Args: b[3:4], Note: "font " + string(rune('A'+b[3]%48))}, 4
		case 'a':
			return Command{Name: "ESC RS a", Args: b[3:4], Note: fmt.Sprintf("automatic status %d", b[3]%48)}, 4
		case 'R':
			return Command{Name: "ESC RS R", Args: b[3:4], Note: "character set"}, 4
		}
		return Command{Name: "ESC RS", Err: ErrUnknown}, 3
	case GS:
		return d.escGS(b)
	case '*':
		return d.escStar(b)
	case 0x0C:
		if !need(b, 3) {
			return Command{Name: "ESC FF"}, 0
		}
		switch b[2] {
		case 0:
			return Command{Name: "ESC FF NUL", Note: "execute FF mode"}, 3
		case 4:
			return Command{Name: "ESC FF EOT", Note: "execute EOT mode (feed and cut as ESC * r E says)"}, 3
		}
		return Command{Name: "ESC FF", Err: ErrUnknown}, 3
	}
	return Command{Name: fmt.Sprintf("ESC 0x%02X", b[1]), Err: ErrUnknown}, 2
}

func (d *Decoder) escGS(b []byte) (Command, int) {
	if !need(b, 3) {
		return Command{Name: "ESC GS"}, 0
	}
	switch b[2] {
	case 't':
		if !need(b, 4) {
			return Command{Name: "ESC GS t"}, 0
		}
		n := b[3]
		d.page = d.slots[n]
		c := Command{Name: "ESC GS t", Args: b[3:4]}
		switch {
		case !d.known[n]:
			c.Err = fmt.Errorf("slot %d not in the printer's code page table: %w", n, ErrArgument)
		case d.page == nil:
			c.Err = fmt.Errorf("slot %d: no table for its characters: %w", n, ErrArgument)
		default:
			c.Note = "code page " + d.page.Name
		}
		return c, 4
	case 'a':
		if !need(b, 4) {
			return Command{Name: "ESC GS a"}, 0
		}
		c := Command{Name: "ESC GS a", Args: b[3:4]}
		if n := b[3] % 48; n <= 2 {
			c.Note = "align " + [...]string{"left", "centre", "right"}[n]
		} else {
			c.Err = fmt.Errorf("alignment %d: %w", b[3], ErrArgument)
		}
		return c, 4
	case 'P':
		if !need(b, 4) {
			return Command{Name: "ESC GS P"}, 0
		}
		return Command{Name: "ESC GS P", Args: b[3:4], Note: "page control " + string(b[3])}, 4
	case ETX:
		if !need(b, 6) {
			return Command{Name: "ESC GS ETX"}, 0
		}
		return Command{Name: "ESC GS ETX", Args: b[3:6], Note: "request print-end counter"}, 6
	case 'y':
		return d.qr(b)
	case 'A', 'R':
		if !need(b, 5) {
			return Command{Name: "ESC GS " + string(b[2])}, 0
		}
		what := "absolute"
		if b[2] == 'R' {
			what = "relative"
		}
		return Command{Name: "ESC GS " + string(b[2]), Args: b[3:5], Note: fmt.Sprintf("%s print position %d dots", what, int(b[3])|int(b[4])<<8)}, 5
	case 'S':
		if !need(b, 9) {
			return Command{Name: "ESC GS S"}, 0
		}
		x, y := int(b[4])|int(b[5])<<8, int(b[6])|int(b[7])<<8
		end := 9 + x*y
		if !need(b, end) {
			return Command{Name: "ESC GS S"}, 0
		}
		c := Command{Name: "ESC GS S", Args: b[3:9], Data: b[9:end], Note: fmt.Sprintf("raster image %d bytes x %d rows", x, y)}
		if b[3] != 1 || b[8] != 0 {
			c.Err = fmt.Errorf("m %d, tone %d (want 1, 0): %w", b[3], b[8], ErrArgument)
		}
		return c, end
	}
	return Command{Name: fmt.Sprintf("ESC GS 0x%02X", b[2]), Err: ErrUnknown}, 3
}

// ETX is the byte after ESC GS of the print-end counter request.
const ETX = 0x03

func (d *Decoder) qr(b []byte) (Command, int) {
	if !need(b, 4) {
		return Command{Name: "ESC GS y"}, 0
	}
	switch b[3] {
	case 'S':
		if !need(b, 6) {
			return Command{Name: "ESC GS y S"}, 0
		}
		c := Command{Name: "ESC GS y S " + string(b[4]), Args: b[5:6]}
		switch b[4] {
		case '0':
			c.Note = fmt.Sprintf("QR model %d", b[5])
		case '1':
			if b[5] <= 3 {
				c.Note = "QR error correction " + string("LMQH"[b[5]])
			} else {
				c.Err = fmt.Errorf("QR level %d: %w", b[5], ErrArgument)
			}
		case '2':
			c.Note = fmt.Sprintf("QR cell %d dots", b[5])
			if b[5] < 1 || b[5] > 8 {
				c.Err = fmt.Errorf("QR cell %d (1..8): %w", b[5], ErrArgument)
			}
		default:
			c.Err = ErrUnknown
		}
		return c, 6
	case 'D':
		if !need(b, 8) {
			return Command{Name: "ESC GS y D"}, 0
		}
		n := int(b[6]) | int(b[7])<<8
		if !need(b, 8+n) {
			return Command{Name: "ESC GS y D"}, 0
		}
		return Command{Name: "ESC GS y D", Args: b[4:8], Data: b[8 : 8+n], Note: fmt.Sprintf("QR data %q", b[8:8+n])}, 8 + n
	case 'P':
		return Command{Name: "ESC GS y P", Note: "print QR"}, 4
	}
	return Command{Name: "ESC GS y", Err: ErrUnknown}, 4
}

func (d *Decoder) escStar(b []byte) (Command, int) {
	if !need(b, 4) {
		return Command{Name: "ESC *"}, 0
	}
	if b[2] != 'r' {
		return Command{Name: "ESC *", Err: ErrUnknown}, 2
	}
	name := "ESC * r " + string(b[3])
	switch b[3] {
	case 'A':
		d.raster = true
		return Command{Name: name, Note: "enter raster mode"}, 4
	case 'B':
		d.raster = false
		return Command{Name: name, Note: "quit raster mode"}, 4
	case 'C':
		return Command{Name: name, Note: "clear raster data"}, 4
	case 'P', 'E', 'F', 'Y', 'Q':
		num, end, err := asciiNumber(b, 4)
		if end == 0 {
			return Command{Name: name}, 0
		}
		c := Command{Name: name, Text: num, Err: err}
		switch b[3] {
		case 'P':
			c.Note = "raster page length " + num + " (0: continuous)"
		case 'E':
			c.Note = "raster EOT mode " + num + eotNames[num]
		case 'F':
			c.Note = "raster FF mode " + num + eotNames[num]
		case 'Y':
			c.Note = "feed " + num + " dot rows"
		case 'Q':
			c.Note = "raster print quality " + num
		}
		return c, end
	}
	return Command{Name: name, Err: ErrUnknown}, 4
}

var eotNames = map[string]string{"1": ": feed", "2": ": cut feed", "8": ": full cut", "9": ": cut feed, full cut", "12": ": partial cut", "13": ": cut feed, partial cut"}

func (d *Decoder) rasterRow(b []byte) (Command, int) {
	if !need(b, 3) {
		return Command{Name: "b"}, 0
	}
	n := int(b[1]) | int(b[2])<<8
	if !need(b, 3+n) {
		return Command{Name: "b"}, 0
	}
	return Command{Name: "b", Args: b[1:3], Data: b[3 : 3+n], Note: fmt.Sprintf("raster row, %d bytes", n)}, 3 + n
}

// BarcodeMode is ESC b's n3 for symbology n1 as dots: the narrow and wide
// elements of CODE39, NW-7 and ITF (modes 1–9), the module of the others
// (modes 1–3, wide 0); ok is false for a mode the type lacks. From the
// bar code width codes a–i (= modes 1–9) of Star's Line Mode printer
// driver manual, and §5-1-4 of the Line Mode specifications for the 2, 3, 4
// dot modules of modes 1–3.
func BarcodeMode(n1, n3 byte) (narrow, wide int, ok bool) {
	t, m := n1%48, int(n3%48)
	if m < 1 || t > 8 {
		return 0, 0, false
	}
	switch t {
	case 4, 8: // CODE39, NW-7
		if m <= 9 {
			d := code39Modes[m-1]
			return d[0], d[1], true
		}
	case 5: // ITF
		if m <= 9 {
			d := itfModes[m-1]
			return d[0], d[1], true
		}
	default:
		if m <= 3 {
			return m + 1, 0, true
		}
	}
	return 0, 0, false
}

var (
	code39Modes = [9][2]int{{2, 6}, {3, 9}, {4, 12}, {2, 5}, {3, 8}, {4, 10}, {2, 4}, {3, 6}, {4, 8}}
	itfModes    = [9][2]int{{2, 5}, {4, 10}, {6, 15}, {2, 4}, {4, 8}, {6, 12}, {2, 6}, {3, 9}, {4, 12}}
)

func barcodeName(n byte) string {
	names := [...]string{"UPC-E", "UPC-A", "EAN-8", "EAN-13", "CODE39", "ITF", "CODE128", "CODE93", "NW-7"}
	if int(n%48) < len(names) {
		return names[n%48]
	}
	return fmt.Sprintf("type %d", n)
}

// AppendDisassembly appends one line per command: offset, name with its
// arguments, and what it does.
func AppendDisassembly(dst []byte, cmds []Command) []byte {
	for i := range cmds {
		c := &cmds[i]
		start := len(dst)
		dst = fmt.Appendf(dst, "%04x  ", c.Offset)
		if c.Name == "TEXT" {
			dst = strconv.AppendQuote(dst, c.Text)
		} else {
			dst = append(dst, c.Name...)
			for _, a := range c.Args {
				dst = fmt.Appendf(dst, " %d", a)
			}
			if c.Text != "" {
				dst = append(dst, " "+c.Text+" NUL"...)
			}
		}
		if c.Note != "" || c.Err != nil {
			for len(dst)-start < 32 {
				dst = append(dst, ' ')
			}
			dst = append(dst, "; "...)
			dst = append(dst, c.Note...)
			if c.Err != nil {
				if c.Note != "" {
					dst = append(dst, " "...)
				}
				dst = append(dst, "ERROR: "+c.Err.Error()...)
			}
		}
		dst = append(dst, '\n')
	}
	return dst
}

// MarshalJSON writes the command with its bytes in hex and its error as text.
func (c Command) MarshalJSON() ([]byte, error) {
	j := struct {
		Offset int    `json:"offset"`
		Name   string `json:"name"`
		Raw    string `json:"raw"`
		Args   []int  `json:"args,omitempty"`
		Text   string `json:"text,omitempty"`
		Note   string `json:"note,omitempty"`
		Error  string `json:"error,omitempty"`
	}{Offset: c.Offset, Name: c.Name, Raw: fmt.Sprintf("% X", c.Raw), Text: c.Text, Note: c.Note}
	if len(c.Raw) > 64 {
		j.Raw = fmt.Sprintf("% X …", c.Raw[:64])
	}
	for _, a := range c.Args {
		j.Args = append(j.Args, int(a))
	}
	if c.Err != nil {
		j.Error = c.Err.Error()
	}
	return json.Marshal(j)
}
