package escpos

import (
	"fmt"
	"strings"
)

// Symbology is a one-dimensional barcode type GS k can print. The zero
// value is no symbology, so a Barcode left unset is an error, not a UPC-A.
type Symbology uint8

const (
	UPCA Symbology = iota + 1
	EAN13
	EAN8
	Code39
	ITF
	Code128
)

var symbologyNames = [...]string{UPCA: "upca", EAN13: "ean13", EAN8: "ean8", Code39: "code39", ITF: "itf", Code128: "code128"}

func (s Symbology) Valid() bool { return s >= UPCA && s <= Code128 }

func (s Symbology) String() string {
	if s.Valid() {
		return symbologyNames[s]
	}
	return fmt.Sprintf("Symbology(%d)", uint8(s))
}

// ParseSymbology reads "upca", "ean13", "ean8", "code39", "itf" or "code128"
// (any case; "upc-a", "ean-13", "ean-8", "code-39", "code-128" too).
func ParseSymbology(s string) (Symbology, error) {
	k := strings.ReplaceAll(strings.ToLower(s), "-", "")
	for i, n := range symbologyNames {
		if n != "" && n == k {
			return Symbology(i), nil
		}
	}
	return 0, fmt.Errorf("escpos: unknown symbology %q (want upca, ean13, ean8, code39, itf or code128)", s)
}

// HRI is where the human-readable digits of a barcode go (GS H n).
type HRI uint8

const (
	HRINone HRI = iota
	HRIAbove
	HRIBelow
	HRIBoth
)

var hriNames = [...]string{"none", "above", "below", "both"}

func (h HRI) Valid() bool { return h <= HRIBoth }

func (h HRI) String() string {
	if h.Valid() {
		return hriNames[h]
	}
	return fmt.Sprintf("HRI(%d)", uint8(h))
}

// ParseHRI reads "none", "above", "below" or "both".
func ParseHRI(s string) (HRI, error) {
	for i, n := range hriNames {
		if n == s {
			return HRI(i), nil
		}
	}
	return 0, fmt.Errorf("escpos: unknown HRI position %q (want none, above, below or both)", s)
}

// Barcode is a one-dimensional barcode.
type Barcode struct {
	Symbology Symbology
	// Data is the text to encode. EAN-13, EAN-8 and UPC-A take their digits
	// with or without the check digit (12/7/11 digits: computed; 13/8/12:
	// verified). CODE128 takes printable ASCII and chooses code sets itself.
	Data    string
	Height  uint8 // dots; 0 means BarcodeDefaultHeight
	Module  uint8 // narrow bar width in dots, 2–6 (GS w); 0 means 2
	HRI     HRI
	HRIFont Font
}

// BarcodeDefaultHeight is the height of a Barcode with Height 0.
const BarcodeDefaultHeight = 80

func (bc Barcode) height() int {
	if bc.Height == 0 {
		return BarcodeDefaultHeight
	}
	return int(bc.Height)
}

func (bc Barcode) module() (int, error) {
	switch {
	case bc.Module == 0:
		return 2, nil
	case bc.Module < 2 || bc.Module > 6:
		return 0, fmt.Errorf("escpos: %v: module width %d out of range 2..6", bc.Symbology, bc.Module)
	}
	return int(bc.Module), nil
}

// barcodeMaxData is what GS k's one length byte can count.
const barcodeMaxData = 255

// payload validates bc and returns the data as it is sent: EAN/UPC with
// their check digit, CODE128 with code-set selections, the others as given.
func (bc Barcode) payload() ([]byte, error) {
	if !bc.Symbology.Valid() {
		return nil, fmt.Errorf("escpos: barcode: %v out of range", bc.Symbology)
	}
	if _, err := bc.module(); err != nil {
		return nil, err
	}
	if !bc.HRI.Valid() {
		return nil, fmt.Errorf("escpos: %v: %v out of range", bc.Symbology, bc.HRI)
	}
	if !bc.HRIFont.Valid() {
		return nil, fmt.Errorf("escpos: %v: HRI %v out of range", bc.Symbology, bc.HRIFont)
	}
	d := bc.Data
	switch bc.Symbology {
	case UPCA:
		return eanPayload(bc.Symbology, d, 11)
	case EAN13:
		return eanPayload(bc.Symbology, d, 12)
	case EAN8:
		return eanPayload(bc.Symbology, d, 7)
	case Code39:
		if d == "" || len(d) > barcodeMaxData {
			return nil, fmt.Errorf("escpos: code39: 1 to %d characters, got %d", barcodeMaxData, len(d))
		}
		for i := 0; i < len(d); i++ {
			if code39Index(d[i]) < 0 {
				return nil, fmt.Errorf("escpos: code39: %q at %d is not one of 0-9 A-Z space - . $ / + %%", d[i], i)
			}
		}
		return []byte(d), nil
	case ITF:
		if !allDigits(d) {
			return nil, fmt.Errorf("escpos: itf: digits only, got %q", d)
		}
		if d == "" || len(d)%2 != 0 || len(d) > barcodeMaxData-1 {
			return nil, fmt.Errorf("escpos: itf: an even number of digits (2 to %d), got %d", barcodeMaxData-1, len(d))
		}
		return []byte(d), nil
	}
	segs, err := code128Plan(d)
	if err != nil {
		return nil, err
	}
	p := code128Wire(segs)
	if len(p) > barcodeMaxData {
		return nil, fmt.Errorf("escpos: code128: %q needs %d bytes, GS k takes at most %d", d, len(p), barcodeMaxData)
	}
	return p, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// eanPayload returns n digits plus the check digit, computing it from n
// digits or verifying the last of n+1.
func eanPayload(s Symbology, d string, n int) ([]byte, error) {
	if !allDigits(d) || (len(d) != n && len(d) != n+1) {
		return nil, fmt.Errorf("escpos: %v: %d or %d digits, got %q", s, n, n+1, d)
	}
	c, err := EANCheckDigit(d[:n])
	if err != nil {
		return nil, err
	}
	if len(d) == n+1 && d[n] != c {
		return nil, fmt.Errorf("escpos: %v: check digit of %s is %c, got %c", s, d[:n], c, d[n])
	}
	return append([]byte(d[:n]), c), nil
}

// EANCheckDigit returns the check digit (as an ASCII digit) of the EAN-13,
// EAN-8, UPC-A or ITF-14 digits given without it: weights 3 and 1
// alternating from the rightmost digit, mod 10.
func EANCheckDigit(digits string) (byte, error) {
	if digits == "" || !allDigits(digits) {
		return 0, fmt.Errorf("escpos: check digit: digits only, got %q", digits)
	}
	sum := 0
	for i := 0; i < len(digits); i++ {
		v := int(digits[len(digits)-1-i] - '0')
		if i%2 == 0 {
			v *= 3
		}
		sum += v
	}
	return byte('0' + (10-sum%10)%10), nil
}

// gsKFunctionB is m of GS k m n d1…dn (function B) for each symbology.
var gsKFunctionB = [...]byte{UPCA: 65, EAN13: 67, EAN8: 68, Code39: 69, ITF: 70, Code128: 73}

// gsKFunctionA is m of GS k m d1…dk NUL (function A); CODE128 has none.
var gsKFunctionA = [...]byte{UPCA: 0, EAN13: 2, EAN8: 3, Code39: 4, ITF: 5, Code128: 0xFF}

// appendBarcodeSetup appends GS h (height), GS w (module), GS H (HRI
// position) and GS f (HRI font).
func appendBarcodeSetup(b []byte, bc Barcode) []byte {
	m, _ := bc.module() // validated by payload
	return append(b, GS, 'h', byte(bc.height()), GS, 'w', byte(m),
		GS, 'H', byte(bc.HRI), GS, 'f', byte(bc.HRIFont))
}

// AppendBarcode appends GS h, GS w, GS H, GS f and GS k (function B)
// printing bc.
func AppendBarcode(b []byte, bc Barcode) ([]byte, error) {
	p, err := bc.payload()
	if err != nil {
		return b, err
	}
	b = appendBarcodeSetup(b, bc)
	b = append(b, GS, 'k', gsKFunctionB[bc.Symbology], byte(len(p)))
	return append(b, p...), nil
}

// appendBarcodeFunctionA is AppendBarcode with GS k function A (data ended
// by NUL), for old printers without function B. CODE128 needs function B.
func appendBarcodeFunctionA(b []byte, bc Barcode) ([]byte, error) {
	if bc.Symbology == Code128 {
		return b, fmt.Errorf("escpos: code128 needs GS k function B")
	}
	p, err := bc.payload()
	if err != nil {
		return b, err
	}
	b = appendBarcodeSetup(b, bc)
	b = append(b, GS, 'k', gsKFunctionA[bc.Symbology])
	b = append(b, p...)
	return append(b, NUL), nil
}
