package decode

import (
	"fmt"

	"github.com/secuprint/receipt/escpos"
)

// The command tables: for each prefix byte, what follows and how long it is.

var c0Names = [32]string{"NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR", "SO", "SI",
	"DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US"}

var singleTable = func() (t [32]struct {
	op   Op
	name string
}) {
	t[escpos.NUL] = struct {
		op   Op
		name string
	}{OpNUL, "NUL"}
	for _, e := range []struct {
		b  byte
		op Op
	}{{escpos.HT, OpHT}, {escpos.LF, OpLF}, {escpos.FF, OpFF}, {escpos.CR, OpCR}, {escpos.CAN, OpCAN}} {
		t[e.b].op, t[e.b].name = e.op, c0Names[e.b]
	}
	return t
}()

// need returns ErrShort when rest is shorter than n.
func need(rest []byte, n int) error {
	if len(rest) < n {
		return ErrShort
	}
	return nil
}

// fixedData is a payload whose length the fixed arguments give.
func fixedData(c *Command, rest []byte, n int) (int, error) {
	if err := need(rest, n); err != nil {
		return 0, err
	}
	c.Data = rest[:n]
	return n, nil
}

// pLpH is the "pL pH m fn [params]" family: Args become (m, fn) and Data the
// rest of the parameter block.
func pLpH(c *Command, rest []byte) (int, error) {
	size := int(c.Args[0]) | int(c.Args[1])<<8
	if size < 2 {
		// A block too short for the selectors: take it whole as data.
		c.Args = c.Args[:0]
		return fixedData(c, rest, size)
	}
	if err := need(rest, size); err != nil {
		return 0, err
	}
	c.Args = rest[:2]
	c.Data = rest[2:size]
	return size, nil
}

// graphics8L is GS 8 L p1 p2 p3 p4 m fn: a 32-bit block size.
func graphics8L(c *Command, rest []byte) (int, error) {
	size := int(c.Args[0]) | int(c.Args[1])<<8 | int(c.Args[2])<<16 | int(c.Args[3])<<24
	if size < 2 {
		c.Args = c.Args[:0]
		return fixedData(c, rest, size)
	}
	if size < 0 || size > len(rest) {
		return 0, ErrShort
	}
	c.Args = rest[:2]
	c.Data = rest[2:size]
	return size, nil
}

var (
	escTable, gsTable, fsTable, dleTable [256]spec
	escCTable, gsParenTable, fsParenTable, escParenTable,
	gs8Table, gsVTable, dleDC4Table, escGSTable [256]spec
)

func init() {
	simple := func(t *[256]spec, b byte, op Op, name string, args int) {
		t[b] = spec{op: op, name: name, args: args}
	}
	for _, e := range []struct {
		b    byte
		op   Op
		name string
		args int
	}{
		{'@', OpInit, "ESC @", 0}, {'!', OpPrintMode, "ESC !", 1}, {'E', OpEmphasis, "ESC E", 1},
		{'-', OpUnderline, "ESC -", 1}, {'G', OpDoubleStrike, "ESC G", 1}, {'M', OpFont, "ESC M", 1},
		{'a', OpJustify, "ESC a", 1}, {'d', OpFeedLines, "ESC d", 1}, {'J', OpFeedDots, "ESC J", 1},
		{'e', OpReverseFeedLines, "ESC e", 1}, {'K', OpReverseFeedDots, "ESC K", 1}, {'t', OpCodePage, "ESC t", 1},
		{'R', OpCharset, "ESC R", 1}, {'2', OpLineSpacingDefault, "ESC 2", 0}, {'3', OpLineSpacing, "ESC 3", 1},
		{'p', OpPulse, "ESC p", 3}, {'{', OpUpsideDown, "ESC {", 1}, {'V', OpRotate, "ESC V", 1},
		{' ', OpCharSpacing, "ESC SP", 1}, {'$', OpAbsolutePosition, "ESC $", 2}, {'\\', OpRelativePosition, "ESC \\", 2},
		{'%', OpUserCharset, "ESC %", 1}, {'?', OpUserCharsCancel, "ESC ?", 1}, {'=', OpPeripheral, "ESC =", 1},
		{'r', OpColor, "ESC r", 1}, {'i', OpLegacyCut, "ESC i", 0}, {'m', OpLegacyCut, "ESC m", 0},
		{'L', OpPageMode, "ESC L", 0}, {'S', OpStandardMode, "ESC S", 0}, {'T', OpPageDirection, "ESC T", 1},
		{'W', OpPageArea, "ESC W", 8}, {'B', OpBuzzer, "ESC B", 2}, {'4', OpItalic, "ESC 4", 1},
	} {
		simple(&escTable, e.b, e.op, e.name, e.args)
	}
	escTable['D'] = spec{op: OpTabStops, name: "ESC D", more: func(c *Command, rest []byte) (int, error) {
		for i, x := range rest {
			if x == 0 {
				c.Data = rest[:i]
				return i + 1, nil
			}
			if i == 32 {
				return 0, fmt.Errorf("more than 32 tab stops without NUL: %w", ErrArgument)
			}
		}
		return 0, ErrShort
	}}
	escTable['*'] = spec{op: OpBitImage, name: "ESC *", args: 3, more: func(c *Command, rest []byte) (int, error) {
		n := int(c.Args[1]) | int(c.Args[2])<<8
		switch c.Args[0] {
		case 0, 1:
			return fixedData(c, rest, n)
		case 32, 33:
			return fixedData(c, rest, 3*n)
		}
		return 0, fmt.Errorf("bit-image mode %d: %w", c.Args[0], ErrArgument)
	}}
	escTable['&'] = spec{op: OpUserCharsDefine, name: "ESC &", args: 3, more: func(c *Command, rest []byte) (int, error) {
		y, c1, c2 := int(c.Args[0]), int(c.Args[1]), int(c.Args[2])
		if y < 1 || y > 3 || c1 < 32 || c2 < c1 || c2 > 126 {
			return 0, fmt.Errorf("y=%d c1=%d c2=%d: %w", y, c1, c2, ErrArgument)
		}
		off := 0
		for ch := c1; ch <= c2; ch++ {
			if off >= len(rest) {
				return 0, ErrShort
			}
			off += 1 + y*int(rest[off])
		}
		return fixedData(c, rest, off)
	}}
	// ESC GS t n: Star's code page select, in ESC/POS emulation too.
	escTable[escpos.GS] = spec{name: "ESC GS", sub: &escGSTable}
	simple(&escGSTable, 't', OpCodePage, "ESC GS t", 1)
	escTable['c'] = spec{name: "ESC c", sub: &escCTable}
	for _, b := range []byte{'3', '4', '5'} {
		escCTable[b] = spec{op: OpPanel, name: "ESC c " + string(b), args: 1}
	}
	escTable['('] = spec{name: "ESC (", sub: &escParenTable}
	for b := 'A'; b <= 'Z'; b++ {
		escParenTable[b] = spec{op: OpESCFunction, name: "ESC ( " + string(b), args: 2, more: pLpH}
	}

	for _, e := range []struct {
		b    byte
		op   Op
		name string
		args int
	}{
		{'!', OpSize, "GS !", 1}, {'B', OpReverse, "GS B", 1}, {'H', OpHRIPosition, "GS H", 1},
		{'h', OpBarcodeHeight, "GS h", 1}, {'w', OpBarcodeWidth, "GS w", 1}, {'f', OpHRIFont, "GS f", 1},
		{'a', OpASB, "GS a", 1}, {'r', OpTransmitStatus, "GS r", 1}, {'I', OpPrinterID, "GS I", 1},
		{'L', OpLeftMargin, "GS L", 2}, {'W', OpPrintAreaWidth, "GS W", 2}, {'P', OpMotionUnits, "GS P", 2},
		{'$', OpVerticalPosition, "GS $", 2}, {'\\', OpRelativeVertical, "GS \\", 2}, {'b', OpSmoothing, "GS b", 1},
		{'/', OpPrintDownloadImage, "GS /", 1}, {'T', OpLineStart, "GS T", 1}, {':', OpMacro, "GS :", 0},
		{'^', OpExecuteMacro, "GS ^", 3},
	} {
		simple(&gsTable, e.b, e.op, e.name, e.args)
	}
	gsTable['V'] = spec{op: OpCut, name: "GS V", args: 1, more: func(c *Command, rest []byte) (int, error) {
		switch c.Args[0] {
		case 0, 1, 48, 49:
			return 0, nil
		case 65, 66, 97, 98, 103, 104:
			if len(rest) < 1 {
				return 0, ErrShort
			}
			c.Args = c.Args[:2] // m n: the input continues past the fixed m
			return 1, nil
		}
		return 0, fmt.Errorf("cut mode %d: %w", c.Args[0], ErrArgument)
	}}
	gsTable['v'] = spec{name: "GS v", sub: &gsVTable}
	gsVTable['0'] = spec{op: OpRasterImage, name: "GS v 0", args: 5, more: func(c *Command, rest []byte) (int, error) {
		if c.Args[0] > 3 && !(c.Args[0] >= '0' && c.Args[0] <= '3') {
			return 0, fmt.Errorf("raster mode %d: %w", c.Args[0], ErrArgument)
		}
		x := int(c.Args[1]) | int(c.Args[2])<<8
		y := int(c.Args[3]) | int(c.Args[4])<<8
		return fixedData(c, rest, x*y)
	}}
	gsTable['*'] = spec{op: OpDefineDownloadImage, name: "GS *", args: 2, more: func(c *Command, rest []byte) (int, error) {
		return fixedData(c, rest, int(c.Args[0])*int(c.Args[1])*8)
	}}
	gsTable['('] = spec{name: "GS (", sub: &gsParenTable}
	for b := 'A'; b <= 'z'; b++ {
		if b > 'Z' && b < 'a' {
			continue
		}
		gsParenTable[b] = spec{op: OpGSFunction, name: "GS ( " + string(b), args: 2, more: pLpH}
	}
	gsParenTable['L'].op = OpGraphics
	gsParenTable['k'].op = OpSymbol
	gsTable['8'] = spec{name: "GS 8", sub: &gs8Table}
	gs8Table['L'] = spec{op: OpGraphics, name: "GS 8 L", args: 4, more: graphics8L}
	gsTable['k'] = spec{op: OpBarcode, name: "GS k", args: 1, more: func(c *Command, rest []byte) (int, error) {
		m := c.Args[0]
		switch {
		case m <= 6:
			return functionA(c, rest)
		case m >= 65 && m <= 79:
			if len(rest) < 1 {
				return 0, ErrShort
			}
			n := int(rest[0])
			if lo, hi, even := barcodeLength(m); n < lo || n > hi || even && n%2 != 0 {
				// The printer cancels the command: the n bytes are normal data.
				what := ""
				if even {
					what = ", an even number"
				}
				c.Err = fmt.Errorf("GS k: %s: %d bytes of data (%d–%d%s): command cancelled, the data prints as text: %w",
					barcodeName(int(m)), n, lo, hi, what, ErrArgument)
				return 1, nil
			}
			if len(rest) < 1+n {
				return 0, ErrShort
			}
			c.Data = rest[1 : 1+n]
			return 1 + n, nil
		}
		return 0, fmt.Errorf("barcode system %d: %w", m, ErrArgument)
	}}

	dleTable[escpos.EOT] = spec{op: OpRealtimeStatus, name: "DLE EOT", args: 1, more: func(c *Command, rest []byte) (int, error) {
		if n := c.Args[0]; n == 7 || n == 8 {
			if len(rest) < 1 {
				return 0, ErrShort
			}
			c.Args = c.Args[:2] // DLE EOT 7|8 a
			return 1, nil
		}
		return 0, nil
	}}
	dleTable[escpos.ENQ] = spec{op: OpRealtimeRequest, name: "DLE ENQ", args: 1}
	dleTable[escpos.DC4] = spec{name: "DLE DC4", sub: &dleDC4Table}
	for fn, n := range map[byte]int{1: 2, 2: 2, 3: 5, 7: 1, 8: 7} {
		dleDC4Table[fn] = spec{op: OpRealtimeCommand, name: "DLE DC4 " + string('0'+fn), args: n}
	}

	for _, e := range []struct {
		b    byte
		op   Op
		name string
		args int
	}{
		{'p', OpNVImage, "FS p", 2}, {'&', OpKanjiOn, "FS &", 0}, {'.', OpKanjiOff, "FS .", 0},
		{'!', OpKanjiMode, "FS !", 1}, {'-', OpKanjiMode, "FS -", 1}, {'C', OpKanjiMode, "FS C", 1},
		{'W', OpKanjiMode, "FS W", 1}, {'S', OpKanjiMode, "FS S", 2},
	} {
		simple(&fsTable, e.b, e.op, e.name, e.args)
	}
	fsTable['q'] = spec{op: OpNVImageDefine, name: "FS q", args: 1, more: func(c *Command, rest []byte) (int, error) {
		off := 0
		for i := 0; i < int(c.Args[0]); i++ {
			if len(rest) < off+4 {
				return 0, ErrShort
			}
			x := int(rest[off]) | int(rest[off+1])<<8
			y := int(rest[off+2]) | int(rest[off+3])<<8
			off += 4 + x*y*8
		}
		return fixedData(c, rest, off)
	}}
	fsTable['('] = spec{name: "FS (", sub: &fsParenTable}
	for b := 'A'; b <= 'Z'; b++ {
		fsParenTable[b] = spec{op: OpFSFunction, name: "FS ( " + string(b), args: 2, more: pLpH}
	}
}
