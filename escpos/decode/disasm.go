package decode

import (
	"encoding/json"
	"strconv"
)

// AppendDisassembly appends one line per command:
//
//	OFFSET  MNEMONIC ARGS [N bytes]  ; meaning
//
// The offset is hexadecimal, arguments are decimal bytes, text runs are
// quoted, and errors follow "; error:". The format is stable: golden files
// are diffed in it.
func AppendDisassembly(dst []byte, cmds []Command) []byte {
	width := 4
	if len(cmds) > 0 {
		for last := cmds[len(cmds)-1].Offset; last >= 1<<(4*width); width++ {
		}
	}
	for i := range cmds {
		c := &cmds[i]
		dst = appendHex(dst, c.Offset, width)
		dst = append(dst, "  "...)
		dst = appendCommandLine(dst, c)
		dst = append(dst, '\n')
	}
	return dst
}

// appendCommandLine appends a disassembly line without its offset.
func appendCommandLine(dst []byte, c *Command) []byte {
	start := len(dst)
	dst = appendMnemonic(dst, c)
	note := describe(c)
	if note != "" || c.Err != nil {
		for len(dst)-start < 24 {
			dst = append(dst, ' ')
		}
		dst = append(dst, "  ;"...)
		if note != "" {
			dst = append(dst, ' ')
			dst = append(dst, note...)
		}
		if c.Err != nil {
			dst = append(dst, " error: "...)
			dst = append(dst, c.Err.Error()...)
		}
	}
	return dst
}

func appendHex(dst []byte, v, width int) []byte {
	var buf [16]byte
	s := strconv.AppendInt(buf[:0], int64(v), 16)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

func appendMnemonic(dst []byte, c *Command) []byte {
	switch c.Op {
	case OpText:
		return strconv.AppendQuote(dst, c.Text)
	case OpUnknown, OpTruncated:
		dst = append(dst, c.Name...)
		dst = append(dst, " ["...)
		for i, x := range c.Raw {
			if i == 8 {
				dst = append(dst, " …"...)
				break
			}
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = appendHex(dst, int(x), 2)
		}
		return append(dst, ']')
	}
	dst = append(dst, c.Name...)
	for _, a := range c.Args {
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, int64(a), 10)
	}
	if c.Data != nil {
		dst = append(dst, " ["...)
		dst = strconv.AppendInt(dst, int64(len(c.Data)), 10)
		dst = append(dst, " bytes]"...)
	}
	return dst
}

var onOff = [2]string{"off", "on"}

// describe says what a command does, in a few words; "" when the mnemonic
// says it all.
func describe(c *Command) string {
	n := c.Arg(0)
	switch c.Op {
	case OpText:
		if c.CodePage != "" && c.Err == nil {
			return ""
		}
	case OpNUL:
		return "ignored"
	case OpHT:
		return "next tab stop"
	case OpCR:
		return "carriage return"
	case OpInit:
		return "initialise printer"
	case OpPrintMode:
		s := "font A"
		if n&1 != 0 {
			s = "font B"
		}
		for _, f := range []struct {
			bit  int
			name string
		}{{8, "bold"}, {16, "double height"}, {32, "double width"}, {128, "underline"}} {
			if n&f.bit != 0 {
				s += ", " + f.name
			}
		}
		return s
	case OpEmphasis:
		return "bold " + onOff[n&1]
	case OpDoubleStrike:
		return "double strike " + onOff[n&1]
	case OpUnderline:
		switch n {
		case 0, '0':
			return "underline off"
		case 2, '2':
			return "underline 2 dots"
		}
		return "underline 1 dot"
	case OpFont:
		switch n {
		case 0, '0':
			return "font A"
		case 1, '1':
			return "font B"
		case 2, '2':
			return "font C"
		}
	case OpJustify:
		switch n {
		case 0, '0':
			return "align left"
		case 1, '1':
			return "align centre"
		case 2, '2':
			return "align right"
		}
	case OpFeedLines:
		return "print and feed " + strconv.Itoa(n) + " lines"
	case OpFeedDots:
		return "print and feed " + strconv.Itoa(n) + " dots"
	case OpCodePage:
		if c.CodePage != "" {
			return "code page " + c.CodePage
		}
	case OpLineSpacingDefault:
		return "default line spacing"
	case OpLineSpacing:
		return "line spacing " + strconv.Itoa(n) + " dots"
	case OpPulse:
		return "drawer pulse pin " + strconv.Itoa(DrawerPin(n)) +
			", " + strconv.Itoa(c.Arg(1)*2) + " ms on, " + strconv.Itoa(c.Arg(2)*2) + " ms off"
	case OpBuzzer:
		return "buzzer " + strconv.Itoa(n) + " times, " + strconv.Itoa(c.Arg(1)*50) + " ms"
	case OpItalic:
		return "italic " + onOff[n&1]
	case OpBell:
		return "drawer pulse (Star BEL)"
	case OpCharSpacing:
		return "character spacing " + strconv.Itoa(n) + " dots"
	case OpAbsolutePosition:
		return "print position " + strconv.Itoa(c.Arg16(0)) + " from the margin"
	case OpRelativePosition:
		return "move print position by " + strconv.Itoa(int(int16(c.Arg16(0))))

	case OpUpsideDown:
		return "upside down " + onOff[n&1]
	case OpSize:
		return "character size " + strconv.Itoa(n>>4+1) + "x wide, " + strconv.Itoa(n&0x0F+1) + "x high"
	case OpReverse:
		return "reverse " + onOff[n&1]
	case OpCut:
		s := "full cut"
		if n == 1 || n == 49 || n == 66 || n == 98 || n == 104 {
			s = "partial cut"
		}
		if len(c.Args) == 2 {
			s = "feed " + strconv.Itoa(c.Arg(1)) + " dots, " + s
		}
		return s
	case OpLegacyCut:
		return "cut"
	case OpRasterImage:
		return "raster image " + strconv.Itoa(c.Arg16(1)*8) + "x" + strconv.Itoa(c.Arg16(3)) + " dots"
	case OpBitImage:
		return "bit image, " + strconv.Itoa(c.Arg16(1)) + " columns"
	case OpSymbol:
		return describeSymbol(c)
	case OpGraphics:
		switch c.Arg(1) {
		case 2, 50:
			return "print stored graphics"
		case 112:
			return "store raster graphics"
		case 64:
			return "send NV graphics key list"
		}
	case OpBarcode:
		return "barcode " + barcodeName(n) + " " + strconv.Quote(string(c.Data))
	case OpHRIPosition:
		return "barcode text position " + strconv.Itoa(n)
	case OpBarcodeHeight:
		return "barcode height " + strconv.Itoa(n) + " dots"
	case OpBarcodeWidth:
		return "barcode module width " + strconv.Itoa(n)
	case OpASB:
		if n == 0 {
			return "automatic status back off"
		}
		return "automatic status back on"
	case OpTransmitStatus:
		switch n {
		case 1, 49:
			return "send paper sensor status"
		case 2, 50:
			return "send drawer status"
		}
	case OpPrinterID:
		return "send printer ID " + strconv.Itoa(n)
	case OpRealtimeStatus:
		switch n {
		case 1:
			return "real-time status: printer"
		case 2:
			return "real-time status: offline cause"
		case 3:
			return "real-time status: error cause"
		case 4:
			return "real-time status: paper sensor"
		}
	case OpRealtimeRequest:
		return "real-time request " + strconv.Itoa(n)
	case OpNVImage:
		return "print NV image " + strconv.Itoa(n)
	}
	return ""
}

func describeSymbol(c *Command) string {
	kind := "2D symbol"
	switch c.Arg(0) {
	case 48:
		kind = "PDF417"
	case 49:
		kind = "QR Code"
	}
	switch c.Arg(1) {
	case 65:
		return kind + " model"
	case 67:
		return kind + " module size"
	case 69:
		return kind + " error correction"
	case 80:
		if len(c.Data) > 0 {
			return kind + " store " + strconv.Quote(string(c.Data[1:]))
		}
	case 81:
		return kind + " print"
	}
	return kind
}

var barcodeNames = map[int]string{
	0: "UPC-A", 1: "UPC-E", 2: "EAN13", 3: "EAN8", 4: "CODE39", 5: "ITF", 6: "CODABAR",
	65: "UPC-A", 66: "UPC-E", 67: "EAN13", 68: "EAN8", 69: "CODE39", 70: "ITF", 71: "CODABAR",
	72: "CODE93", 73: "CODE128", 74: "GS1-128", 75: "GS1 DataBar Omni", 76: "GS1 DataBar Truncated",
	77: "GS1 DataBar Limited", 78: "GS1 DataBar Expanded", 79: "Code128 auto",
}

// DrawerPin is the drawer kick-out connector pin ESC p and DLE DC4 1 pulse
// for their m argument: m 0 or 48 is pin 2, m 1 or 49 is pin 5.
func DrawerPin(m int) int {
	if m&1 == 0 {
		return 2
	}
	return 5
}

// BarcodeName is the name of GS k system m ("EAN13", "CODE128", …).
func BarcodeName(m int) string { return barcodeName(m) }

func barcodeName(m int) string {
	if s, ok := barcodeNames[m]; ok {
		return s
	}
	return strconv.Itoa(m)
}

// jsonCommand is the -format json shape of a command.
type jsonCommand struct {
	Offset   int    `json:"offset"`
	Name     string `json:"name"`
	Args     []int  `json:"args,omitempty"`
	DataLen  int    `json:"data_len,omitempty"`
	Text     string `json:"text,omitempty"`
	CodePage string `json:"code_page,omitempty"`
	Note     string `json:"note,omitempty"`
	Error    string `json:"error,omitempty"`
}

// MarshalJSON writes the command with its arguments as numbers.
func (c Command) MarshalJSON() ([]byte, error) {
	j := jsonCommand{Offset: c.Offset, Name: c.Name, DataLen: len(c.Data), Text: c.Text, CodePage: c.CodePage, Note: describe(&c)}
	for _, a := range c.Args {
		j.Args = append(j.Args, int(a))
	}
	if c.Err != nil {
		j.Error = c.Err.Error()
	}
	return json.Marshal(j)
}
