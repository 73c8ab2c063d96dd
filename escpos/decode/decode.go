// Package decode reads an ESC/POS byte stream back into commands: the
// disassembler behind the golden files, the front end of the virtual printer
// and a tool for looking at streams captured from other software.
//
// Decoding never stops at a bad byte. An unknown command, an invalid argument
// or a stream that ends inside a command is reported on that command (Err,
// with its offset) and decoding goes on after it; every step consumes at
// least one byte, so a decode ends after at most len(input) steps and holds
// nothing but sub-slices of the input and the decoded text.
package decode

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/secuprint/receipt/escpos"
)

// bel is BEL, a command only on printers that take it (Star's drawer kick).
const bel = 0x07

// Op identifies a decoded command.
type Op uint8

// Ops; the comment is the command's bytes, with its fixed arguments.
const (
	OpText      Op = iota // printable bytes, decoded through the code page in force
	OpUnknown             // a command this decoder does not know (Err says which)
	OpTruncated           // the input ended inside a command
	OpNUL                 // NUL, ignored by printers

	OpHT  // HT
	OpLF  // LF
	OpFF  // FF (print and return to standard mode in page mode)
	OpCR  // CR
	OpCAN // CAN (cancel print data in page mode)

	OpInit                // ESC @
	OpPrintMode           // ESC ! n
	OpEmphasis            // ESC E n
	OpUnderline           // ESC - n
	OpDoubleStrike        // ESC G n
	OpFont                // ESC M n
	OpJustify             // ESC a n
	OpFeedLines           // ESC d n
	OpFeedDots            // ESC J n
	OpReverseFeedLines    // ESC e n
	OpCodePage            // ESC t n
	OpCharset             // ESC R n (international character set)
	OpLineSpacingDefault  // ESC 2
	OpLineSpacing         // ESC 3 n
	OpPulse               // ESC p m t1 t2
	OpUpsideDown          // ESC { n
	OpRotate              // ESC V n
	OpCharSpacing         // ESC SP n
	OpAbsolutePosition    // ESC $ nL nH
	OpRelativePosition    // ESC \ nL nH
	OpTabStops            // ESC D n1 … nk NUL
	OpBitImage            // ESC * m nL nH d…
	OpUserCharset         // ESC % n
	OpUserCharsDefine     // ESC & y c1 c2 [x d…]…
	OpUserCharsCancel     // ESC ? n
	OpPeripheral          // ESC = n
	OpColor               // ESC r n
	OpPanel               // ESC c 3|4|5 n
	OpLegacyCut           // ESC i, ESC m
	OpPageMode            // ESC L
	OpStandardMode        // ESC S
	OpPageDirection       // ESC T n
	OpPageArea            // ESC W xL xH yL yH dxL dxH dyL dyH
	OpReverseFeedDots     // ESC K n
	OpESCFunction         // ESC ( X pL pH … (beeper and other functions)
	OpSize                // GS ! n
	OpReverse             // GS B n
	OpCut                 // GS V m [n]
	OpRasterImage         // GS v 0 m xL xH yL yH d…
	OpGraphics            // GS ( L pL pH m fn … and GS 8 L p1 p2 p3 p4 m fn …
	OpSymbol              // GS ( k pL pH cn fn … (QR Code, PDF417, …)
	OpGSFunction          // GS ( X pL pH … (other functions)
	OpBarcode             // GS k m …
	OpHRIPosition         // GS H n
	OpBarcodeHeight       // GS h n
	OpBarcodeWidth        // GS w n
	OpHRIFont             // GS f n
	OpASB                 // GS a n
	OpTransmitStatus      // GS r n
	OpPrinterID           // GS I n
	OpLeftMargin          // GS L nL nH
	OpPrintAreaWidth      // GS W nL nH
	OpMotionUnits         // GS P x y
	OpVerticalPosition    // GS $ nL nH
	OpRelativeVertical    // GS \ nL nH
	OpSmoothing           // GS b n
	OpDefineDownloadImage // GS * x y d…
	OpPrintDownloadImage  // GS / m
	OpLineStart           // GS T n
	OpMacro               // GS :
	OpExecuteMacro        // GS ^ r t m
	OpRealtimeStatus      // DLE EOT n [a]
	OpRealtimeRequest     // DLE ENQ n
	OpRealtimeCommand     // DLE DC4 fn …
	OpNVImage             // FS p n m
	OpNVImageDefine       // FS q n [xL xH yL yH d…]…
	OpKanjiOn             // FS &
	OpKanjiOff            // FS .
	OpKanjiMode           // FS ! n, FS - n, FS C n, FS W n, FS S n1 n2
	OpFSFunction          // FS ( X pL pH …
	OpBuzzer              // ESC B n t
	OpItalic              // ESC 4 n
	OpBell                // BEL: Star's drawer pulse / buzzer (profiles with pulseBel only)
	opCount
)

// Errors a command can carry; each wraps one of these.
var (
	ErrUnknown   = errors.New("unknown command")
	ErrTruncated = errors.New("input ends inside a command")
	ErrArgument  = errors.New("invalid argument")
	ErrUndefined = errors.New("byte undefined in the code page in force")
	// ErrShort is returned by Decoder.Next when b ends inside a command: the
	// caller should call again with more bytes.
	ErrShort = errors.New("more input needed")
)

// Command is one decoded command or text run. Raw, Args and Data are
// sub-slices of the decoded input: copy them to keep them past its lifetime.
type Command struct {
	Op     Op
	Name   string // mnemonic: "ESC E", "GS ( k", "LF", "TEXT"
	Offset int    // of the command's first byte in the stream
	Raw    []byte // every byte of the command
	// Args are the fixed parameter bytes that follow the name (n, m, xL xH
	// yL yH …). For the "pL pH" function families (GS ( L, GS 8 L, GS ( k …)
	// they are the two function selectors (m|cn, fn) and Data the rest.
	Args []byte
	Data []byte // variable-length payload: image bits, barcode or QR data
	Text string // OpText: the run, decoded through CodePage
	// CodePage is the encoding name of the page in force, on OpText and
	// OpCodePage ("" when the profile's slot has no known table).
	CodePage string
	Err      error
}

// Arg returns parameter byte i, or -1 when the command has fewer.
func (c *Command) Arg(i int) int {
	if i < 0 || i >= len(c.Args) {
		return -1
	}
	return int(c.Args[i])
}

// Arg16 returns the little-endian 16-bit parameter at byte i (nL nH), or -1.
func (c *Command) Arg16(i int) int {
	if i < 0 || i+1 >= len(c.Args) {
		return -1
	}
	return int(c.Args[i]) | int(c.Args[i+1])<<8
}

// Decoder decodes one stream; it tracks the code page selected by ESC t so
// text decodes as the printer would print it.
type Decoder struct {
	profile *escpos.Profile
	page    *escpos.CodePage
	defPage *escpos.CodePage
	slots   [256]*escpos.CodePage
	known   [256]bool // slot listed by the profile
	bell    bool      // BEL is a command (Star), not an unknown byte
	// quiet: the page in force has no table and ESC t said so; its text
	// is not reported again byte by byte.
	quiet bool
}

// NewDecoder returns a decoder for a printer with profile p (nil means a
// generic printer whose only page, slot 0, is CP437).
func NewDecoder(p *escpos.Profile) *Decoder {
	d := &Decoder{profile: p}
	if p == nil || len(p.CodePages) == 0 {
		cp, _ := escpos.LookupCodePage("CP437")
		d.slots[0], d.known[0] = cp, true
	} else {
		for _, s := range p.CodePages {
			d.known[s.Slot] = true
			if cp, ok := escpos.LookupCodePage(slotEncoding(s)); ok {
				d.slots[s.Slot] = cp
			}
		}
		d.bell = p.Features.PulseBel
	}
	d.defPage = d.slots[0]
	d.page = d.defPage
	return d
}

// slotEncoding is the table a slot prints with. escpos-printer-db calls
// slot 1 "CP932", but ESC/POS printers have no double-byte page there:
// Epson's page 1 is Katakana with box drawing, and the single-byte half of
// CP932 (half-width katakana at 0xA1–0xDF) is a subset of that table.
func slotEncoding(s escpos.CodePageSlot) string {
	if s.Slot == 1 && strings.EqualFold(s.Encoding, "CP932") {
		return "KATAKANA"
	}
	return s.Encoding
}

// Reset returns the decoder to the power-on state (code page slot 0).
func (d *Decoder) Reset() { d.page, d.quiet = d.defPage, false }

// Decode decodes all of b with a fresh decoder for profile p.
func Decode(b []byte, p *escpos.Profile) []Command {
	return NewDecoder(p).DecodeAll(nil, b)
}

// DecodeAll appends the commands of b to dst. A command cut off by the end of
// b is reported as OpTruncated.
func (d *Decoder) DecodeAll(dst []Command, b []byte) []Command {
	off := 0
	for off < len(b) {
		c, n, err := d.Next(b[off:])
		if errors.Is(err, ErrShort) {
			dst = append(dst, Command{Op: OpTruncated, Name: c.Name, Offset: off, Raw: b[off:],
				Err: fmt.Errorf("offset %d: %s: %w", off, c.Name, ErrTruncated)})
			break
		}
		c.Offset += off
		if c.Err != nil {
			c.Err = fmt.Errorf("offset %d: %w", c.Offset, c.Err)
		}
		dst = append(dst, c)
		off += n
	}
	return dst
}

// Next decodes the command at the start of b and reports how many bytes it
// took (at least 1). When b ends inside a command it returns ErrShort,
// n == 0 and the command's Name if known, so a stream reader can wait for
// more bytes. Offsets in the command are relative to b.
func (d *Decoder) Next(b []byte) (Command, int, error) {
	if len(b) == 0 {
		return Command{}, 0, ErrShort
	}
	x := b[0]
	if x >= 0x20 {
		return d.text(b)
	}
	switch x {
	case escpos.ESC:
		return d.prefixed(b, escTable[:], "ESC")
	case escpos.GS:
		return d.prefixed(b, gsTable[:], "GS")
	case escpos.FS:
		return d.prefixed(b, fsTable[:], "FS")
	case escpos.DLE:
		return d.prefixed(b, dleTable[:], "DLE")
	}
	if x == bel && d.bell {
		return Command{Op: OpBell, Name: "BEL", Raw: b[:1]}, 1, nil
	}
	if s := singleTable[x]; s.name != "" {
		return Command{Op: s.op, Name: s.name, Raw: b[:1]}, 1, nil
	}
	return Command{Op: OpUnknown, Name: c0Names[x], Raw: b[:1],
		Err: fmt.Errorf("control byte 0x%02X: %w", x, ErrUnknown)}, 1, nil
}

// text decodes a run of printable bytes up to the next control byte.
func (d *Decoder) text(b []byte) (Command, int, error) {
	n := 0
	ascii := true
	for n < len(b) && b[n] >= 0x20 {
		if b[n] >= 0x7F {
			ascii = false
		}
		n++
	}
	c := Command{Op: OpText, Name: "TEXT", Raw: b[:n]}
	if d.page != nil {
		c.CodePage = d.page.Name
	}
	if ascii {
		c.Text = string(b[:n])
		return c, n, nil
	}
	var sb strings.Builder
	sb.Grow(n + n/2)
	bad := -1
	for i, x := range b[:n] {
		// ASCII is ASCII on every page, even a slot without a table: one
		// unknown byte must not turn the run around it into U+FFFD.
		r, ok := rune(x), x < 0x7F
		if !ok && d.page != nil {
			r, ok = d.page.Decode(x)
		}
		if !ok {
			r = utf8.RuneError
			if bad < 0 && !d.quiet {
				bad = i
			}
		}
		sb.WriteRune(r)
	}
	c.Text = sb.String()
	if bad >= 0 {
		c.Err = fmt.Errorf("byte 0x%02X at +%d (code page %q): %w", b[bad], bad, c.CodePage, ErrUndefined)
	}
	return c, n, nil
}

// spec describes one command after its prefix byte.
type spec struct {
	op   Op
	name string
	args int // fixed parameter bytes after the name
	// more, when set, measures the variable part from the fixed args
	// (already in b[:fixed]) and returns the payload length, or an error.
	more func(c *Command, rest []byte) (data int, err error)
	// second is a table keyed by the byte after the name ("GS ( k",
	// "ESC c 5", …): commands whose name has three bytes.
	sub *[256]spec
}

func (d *Decoder) prefixed(b []byte, table []spec, prefix string) (Command, int, error) {
	if len(b) < 2 {
		return Command{Name: prefix}, 0, ErrShort
	}
	s := table[b[1]]
	nameLen := 2
	if s.sub != nil {
		if len(b) < 3 {
			return Command{Name: s.name}, 0, ErrShort
		}
		sub := s.sub[b[2]]
		if sub.name == "" {
			return Command{Op: OpUnknown, Name: s.name, Raw: b[:3],
				Err: fmt.Errorf("%s 0x%02X: %w", s.name, b[2], ErrUnknown)}, 3, nil
		}
		s = sub
		nameLen = 3
	}
	if s.name == "" {
		return Command{Op: OpUnknown, Name: prefix, Raw: b[:2],
			Err: fmt.Errorf("%s 0x%02X: %w", prefix, b[1], ErrUnknown)}, 2, nil
	}
	end := nameLen + s.args
	if len(b) < end {
		return Command{Name: s.name}, 0, ErrShort
	}
	c := Command{Op: s.op, Name: s.name, Args: b[nameLen:end]}
	if s.more != nil {
		n, err := s.more(&c, b[end:])
		switch {
		case errors.Is(err, ErrShort):
			return Command{Name: s.name}, 0, ErrShort
		case err != nil:
			// The length is unknowable: report, and resume after the fixed part.
			c.Raw = b[:end]
			c.Err = fmt.Errorf("%s: %w", s.name, err)
			return c, end, nil
		}
		if len(b) < end+n {
			return Command{Name: s.name}, 0, ErrShort
		}
		end += n
	}
	c.Raw = b[:end]
	if err := d.apply(&c); err != nil {
		c.Err = fmt.Errorf("%s: %w", s.name, err)
	}
	return c, end, nil
}

// apply checks argument ranges and tracks decoder state.
func (d *Decoder) apply(c *Command) error {
	switch c.Op {
	case OpInit:
		d.page, d.quiet = d.defPage, false
	case OpCodePage:
		n := c.Args[0]
		d.page = d.slots[n]
		d.quiet = d.page == nil
		if d.page != nil {
			c.CodePage = d.page.Name
		}
		if !d.known[n] {
			return fmt.Errorf("slot %d not in the printer's code page table: %w", n, ErrArgument)
		}
		if d.page == nil {
			return fmt.Errorf("slot %d: no table for its characters (printed as U+FFFD): %w", n, ErrArgument)
		}
	case OpJustify:
		if n := c.Args[0]; n > 2 && !(n >= '0' && n <= '2') {
			return fmt.Errorf("justification %d: %w", n, ErrArgument)
		}
	case OpSize:
		if n := c.Args[0]; n&0x0F > 7 || n>>4 > 7 {
			return fmt.Errorf("size 0x%02X: %w", n, ErrArgument)
		}
	case OpRealtimeStatus:
		if n := c.Args[0]; n < 1 || n > 4 && n != 7 && n != 8 {
			return fmt.Errorf("status %d: %w", n, ErrArgument)
		}
	case OpBarcodeWidth:
		// Epson ignores a module width outside 2–6.
		if n := c.Args[0]; n < 2 || n > 6 {
			return fmt.Errorf("module width %d (2–6), ignored: %w", n, ErrArgument)
		}
	case OpBarcodeHeight:
		if c.Args[0] == 0 {
			return fmt.Errorf("height 0 (1–255), ignored: %w", ErrArgument)
		}
	case OpHRIPosition:
		if n := c.Args[0]; n%48 > 3 || n > 3 && n < 48 || n > 51 {
			return fmt.Errorf("HRI position %d: %w", n, ErrArgument)
		}
	case OpBuzzer:
		if n, t := c.Args[0], c.Args[1]; n < 1 || n > 9 || t < 1 || t > 9 {
			return fmt.Errorf("buzzer %d times %d×50 ms (1–9 each): %w", n, t, ErrArgument)
		}
	case OpBarcode:
		if c.Err != nil {
			return nil // framing already said why
		}
		if err := CheckBarcode(c.Args[0], c.Data); err != nil {
			return fmt.Errorf("%w: %w", err, ErrArgument)
		}
	}
	return nil
}
