package decode

import (
	"errors"
	"fmt"
	"strconv"
)

// Barcode systems of GS k: function A (m 0–6, NUL-terminated data) and
// function B (m 65–79, data length first).
const (
	BarUPCA    = 65
	BarUPCE    = 66
	BarEAN13   = 67
	BarEAN8    = 68
	BarCode39  = 69
	BarITF     = 70
	BarCodabar = 71
	BarCode93  = 72
	BarCode128 = 73
)

// BarcodeSystem maps GS k m to its function-B number (0–6 become 65–71),
// so callers switch on one set of values.
func BarcodeSystem(m byte) int {
	if m <= 6 {
		return int(m) + 65
	}
	return int(m)
}

// ErrBarcodeData marks barcode data its symbology cannot hold: the printer
// prints no bars and only feeds the paper.
var ErrBarcodeData = errors.New("data the symbology cannot hold")

// CheckBarcode reports data that barcode system m cannot hold: characters
// outside its set or a length it has no symbol for. The printer prints
// nothing for such a command.
func CheckBarcode(m byte, data []byte) error {
	sys := BarcodeSystem(m)
	digits := func(lens ...int) error {
		for i, x := range data {
			if x < '0' || x > '9' {
				return fmt.Errorf("%s: byte 0x%02X at %d is not a digit: %w", barcodeName(sys), x, i, ErrBarcodeData)
			}
		}
		for _, n := range lens {
			if len(data) == n {
				return nil
			}
		}
		if len(lens) == 0 {
			return nil
		}
		return fmt.Errorf("%s: %d digits, want %v: %w", barcodeName(sys), len(data), lens, ErrBarcodeData)
	}
	set := func(ok func(byte) bool) error {
		if len(data) == 0 {
			return fmt.Errorf("%s: no data: %w", barcodeName(sys), ErrBarcodeData)
		}
		for i, x := range data {
			if !ok(x) {
				return fmt.Errorf("%s: byte 0x%02X at %d is not in its character set: %w", barcodeName(sys), x, i, ErrBarcodeData)
			}
		}
		return nil
	}
	switch sys {
	case BarUPCA:
		return digits(11, 12)
	case BarUPCE:
		return digits(6, 7, 8, 11, 12)
	case BarEAN13:
		return digits(12, 13)
	case BarEAN8:
		return digits(7, 8)
	case BarCode39:
		return set(isCode39)
	case BarITF:
		if err := digits(); err != nil {
			return err
		}
		if m == 5 && len(data) > 2 && len(data)%2 != 0 {
			return nil // function A: the printer ignores the last digit
		}
		if len(data) < 2 || len(data)%2 != 0 {
			return fmt.Errorf("ITF: %d digits, want an even number: %w", len(data), ErrBarcodeData)
		}
	case BarCodabar:
		return set(isCodabar)
	case BarCode93:
		return set(func(x byte) bool { return x < 0x80 })
	case BarCode128:
		_, err := ParseCode128(data)
		return err
	}
	return nil
}

func isCode39(x byte) bool {
	return x >= '0' && x <= '9' || x >= 'A' && x <= 'Z' || x == ' ' || x == '$' || x == '%' ||
		x == '*' || x == '+' || x == '-' || x == '.' || x == '/'
}

// barcodeLength is the data length function B (m 65–79) takes.
func barcodeLength(m byte) (lo, hi int, even bool) {
	switch int(m) {
	case BarUPCA, BarUPCE:
		return 6, 12, false // UPC-E also takes 6–8 digits on current models
	case BarEAN13:
		return 12, 13, false
	case BarEAN8:
		return 7, 8, false
	case BarITF:
		return 2, 254, true
	case BarCodabar, BarCode128:
		return 2, 255, false
	}
	return 1, 255, false
}

// barcodeCharA reports whether function A system m (0–6) takes byte x.
func barcodeCharA(m, x byte) bool {
	switch m {
	case 0, 1, 2, 3, 5:
		return x >= '0' && x <= '9'
	case 4:
		return isCode39(x)
	}
	return isCodabar(x)
}

func isCodabar(x byte) bool {
	return x >= '0' && x <= '9' || x >= 'A' && x <= 'D' || x >= 'a' && x <= 'd' ||
		x == '$' || x == '+' || x == '-' || x == '.' || x == '/' || x == ':'
}

// functionA frames GS k m d… NUL as an Epson printer reads it: the data
// ends at NUL. A byte the symbology cannot hold ends the command before it
// (the printer only feeds the paper, and that byte and what follows are
// normal data); UPC/EAN end after their longest length (12, 12, 13, 8
// digits) and CODE39 at a stop "*", a NUL right after being taken along.
func functionA(c *Command, rest []byte) (int, error) {
	m := c.Args[0]
	maxLen := [...]int{12, 12, 13, 8, 255, 255, 255}[m]
	end := func(n int) (int, error) { // data ends after rest[:n]
		c.Data = rest[:n]
		switch {
		case n < len(rest) && rest[n] == 0:
			return n + 1, nil
		case n == len(rest):
			return 0, ErrShort // a NUL may follow
		}
		return n, nil
	}
	for i, x := range rest {
		switch {
		case x == 0:
			c.Data = rest[:i]
			return i + 1, nil
		case !barcodeCharA(m, x):
			c.Data = rest[:i]
			c.Err = fmt.Errorf("GS k: %s: byte 0x%02X at %d is not in its character set; the printer only feeds paper, and what follows is normal data: %w: %w",
				barcodeName(int(m)), x, i, ErrBarcodeData, ErrArgument)
			return i, nil
		case m == 4 && x == '*' && i > 0:
			return end(i + 1)
		case i+1 == maxLen:
			return end(i + 1)
		}
	}
	return 0, ErrShort
}

// Code 128 symbol values beyond the data characters.
const (
	C128FNC3   = 96
	C128FNC2   = 97
	C128Shift  = 98
	C128CodeC  = 99
	C128CodeB  = 100 // FNC4 in code set B
	C128CodeA  = 101 // FNC4 in code set A
	C128FNC1   = 102
	C128StartA = 103
	C128StartB = 104
	C128StartC = 105
	C128Stop   = 106
)

// Code128 is GS k 73 data resolved into symbol values, the way an Epson
// printer reads it: the data opens with a code set ({A, {B or {C); in sets
// A and B each byte is a character, in set C each byte is a value 0–99 (two
// digits); "{" introduces {A {B {C (switch), {S (shift), {1–{4 (FNC1–4)
// and {{ (a literal "{").
type Code128 struct {
	// Values are the symbol characters from the start code on, without
	// check character and stop: what the bars encode.
	Values []int
	// HRI is the human-readable text a printer prints under the bars: the
	// data characters, two digits per set-C value, no function codes.
	HRI string
}

// Checksum is the modulo-103 check character of the values.
func (c Code128) Checksum() int {
	if len(c.Values) == 0 {
		return 0
	}
	sum := c.Values[0]
	for i, v := range c.Values[1:] {
		sum += (i + 1) * v
	}
	return sum % 103
}

// ParseCode128 resolves GS k 73 data into symbol values and HRI text.
func ParseCode128(data []byte) (Code128, error) {
	var c Code128
	bad := func(i int, why string) (Code128, error) {
		return Code128{}, fmt.Errorf("CODE128: %s at byte %d: %w", why, i, ErrBarcodeData)
	}
	if len(data) < 2 || data[0] != '{' || data[1] < 'A' || data[1] > 'C' {
		return bad(0, "data must open with {A, {B or {C")
	}
	set := data[1]
	c.Values = append(make([]int, 0, len(data)+2), C128StartA+int(set-'A'))
	hri := make([]byte, 0, len(data))
	shift := false
	for i := 2; i < len(data); i++ {
		x := data[i]
		if x == '{' {
			if i+1 >= len(data) {
				return bad(i, "data ends after {")
			}
			i++
			switch y := data[i]; y {
			case 'A', 'B', 'C':
				if y == set {
					return bad(i, "switch to the code set in force")
				}
				switch y {
				case 'A':
					c.Values = append(c.Values, C128CodeA)
				case 'B':
					c.Values = append(c.Values, C128CodeB)
				default:
					c.Values = append(c.Values, C128CodeC)
				}
				set = y
			case 'S':
				if set == 'C' || shift {
					return bad(i, "{S in code set C or after a shift")
				}
				c.Values = append(c.Values, C128Shift)
				shift = true
				continue
			case '1':
				c.Values = append(c.Values, C128FNC1)
			case '2', '3':
				if set == 'C' {
					return bad(i, "FNC2/FNC3 in code set C")
				}
				c.Values = append(c.Values, map[byte]int{'2': C128FNC2, '3': C128FNC3}[y])
			case '4':
				switch set {
				case 'A':
					c.Values = append(c.Values, C128CodeA)
				case 'B':
					c.Values = append(c.Values, C128CodeB)
				default:
					return bad(i, "FNC4 in code set C")
				}
			case '{':
				if set == 'C' {
					return bad(i, "{{ in code set C")
				}
				v, ok := code128Char(set, shift, '{')
				if !ok {
					return bad(i, "{ not in code set A")
				}
				c.Values = append(c.Values, v)
				hri = append(hri, '{')
			default:
				return bad(i, "unknown {"+string(rune(y))+" sequence")
			}
			shift = false
			continue
		}
		if set == 'C' {
			if x > 99 {
				return bad(i, "value "+strconv.Itoa(int(x))+" in code set C (0–99)")
			}
			c.Values = append(c.Values, int(x))
			hri = append(hri, '0'+x/10, '0'+x%10)
			continue
		}
		v, ok := code128Char(set, shift, x)
		if !ok {
			return bad(i, fmt.Sprintf("byte 0x%02X not in code set %c", x, set))
		}
		c.Values = append(c.Values, v)
		if x >= 0x20 && x < 0x7F {
			hri = append(hri, x)
		} else {
			hri = append(hri, ' ')
		}
		shift = false
	}
	if len(c.Values) == 1 {
		return bad(len(data), "no data after the code set")
	}
	c.HRI = string(hri)
	return c, nil
}

// code128Char is the value of byte x in code set A or B (the other one
// when shifted).
func code128Char(set byte, shift bool, x byte) (int, bool) {
	if shift {
		set = 'A' + 'B' - set
	}
	if set == 'A' {
		switch {
		case x < 0x20:
			return int(x) + 64, true
		case x < 0x60:
			return int(x) - 32, true
		}
		return 0, false
	}
	if x >= 0x20 && x < 0x80 {
		return int(x) - 32, true
	}
	return 0, false
}
