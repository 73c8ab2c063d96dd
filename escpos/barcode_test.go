package escpos

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// setup is GS h 80, GS w 2, GS H 0, GS f 0: what a Barcode with only
// Symbology and Data set sends before GS k.
var setup = []byte{GS, 'h', 80, GS, 'w', 2, GS, 'H', 0, GS, 'f', 0}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func TestAppendBarcodeBytes(t *testing.T) {
	tests := []struct {
		name string
		bc   Barcode
		want []byte
	}{
		{"EAN-13: check digit computed from 12 digits", Barcode{Symbology: EAN13, Data: "400638133393"},
			cat(setup, []byte{GS, 'k', 67, 13}, []byte("4006381333931"))},
		{"EAN-13: 13 digits with a right check digit", Barcode{Symbology: EAN13, Data: "4006381333931"},
			cat(setup, []byte{GS, 'k', 67, 13}, []byte("4006381333931"))},
		{"EAN-8", Barcode{Symbology: EAN8, Data: "9638507"},
			cat(setup, []byte{GS, 'k', 68, 8}, []byte("96385074"))},
		{"UPC-A", Barcode{Symbology: UPCA, Data: "03600029145"},
			cat(setup, []byte{GS, 'k', 65, 12}, []byte("036000291452"))},
		{"Code39 as given, the printer adds the * start/stop", Barcode{Symbology: Code39, Data: "AB-12"},
			cat(setup, []byte{GS, 'k', 69, 5}, []byte("AB-12"))},
		{"ITF", Barcode{Symbology: ITF, Data: "1234"},
			cat(setup, []byte{GS, 'k', 70, 4}, []byte("1234"))},
		{"CODE128 digits in code set C", Barcode{Symbology: Code128, Data: "12345678"},
			cat(setup, []byte{GS, 'k', 73, 6, '{', 'C', 12, 34, 56, 78})},
		{"CODE128 text in code set B", Barcode{Symbology: Code128, Data: "No.1"},
			cat(setup, []byte{GS, 'k', 73, 6, '{', 'B', 'N', 'o', '.', '1'})},
		{"all settings", Barcode{Symbology: EAN8, Data: "96385074", Height: 162, Module: 3, HRI: HRIBelow, HRIFont: FontB},
			cat([]byte{GS, 'h', 162, GS, 'w', 3, GS, 'H', 2, GS, 'f', 1, GS, 'k', 68, 8}, []byte("96385074"))},
		{"HRI both, font A", Barcode{Symbology: ITF, Data: "00", Module: 6, HRI: HRIBoth},
			cat([]byte{GS, 'h', 80, GS, 'w', 6, GS, 'H', 3, GS, 'f', 0, GS, 'k', 70, 2}, []byte("00"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AppendBarcode([]byte{0xAA}, tt.bc)
			require.NoError(t, err)
			assert.Equal(t, cat([]byte{0xAA}, tt.want), got)
		})
	}
}

func TestAppendBarcodeErrors(t *testing.T) {
	tests := []struct {
		bc   Barcode
		want string
	}{
		{Barcode{Data: "123"}, "escpos: barcode: Symbology(0) out of range"},
		{Barcode{Symbology: 7, Data: "123"}, "escpos: barcode: Symbology(7) out of range"},
		{Barcode{Symbology: EAN13, Data: "12345"}, `escpos: ean13: 12 or 13 digits, got "12345"`},
		{Barcode{Symbology: EAN13, Data: "40063813339A"}, `escpos: ean13: 12 or 13 digits, got "40063813339A"`},
		{Barcode{Symbology: EAN13, Data: "4006381333932"}, "escpos: ean13: check digit of 400638133393 is 1, got 2"},
		{Barcode{Symbology: EAN13, Data: "4999012345678"}, "escpos: ean13: check digit of 499901234567 is 3, got 8"},
		{Barcode{Symbology: EAN8, Data: "96385075"}, "escpos: ean8: check digit of 9638507 is 4, got 5"},
		{Barcode{Symbology: EAN8, Data: ""}, `escpos: ean8: 7 or 8 digits, got ""`},
		{Barcode{Symbology: UPCA, Data: "0360002914"}, `escpos: upca: 11 or 12 digits, got "0360002914"`},
		{Barcode{Symbology: UPCA, Data: "036000291453"}, "escpos: upca: check digit of 03600029145 is 2, got 3"},
		{Barcode{Symbology: Code39, Data: "abc"}, `escpos: code39: 'a' at 0 is not one of 0-9 A-Z space - . $ / + %`},
		{Barcode{Symbology: Code39, Data: "A*B"}, `escpos: code39: '*' at 1 is not one of 0-9 A-Z space - . $ / + %`},
		{Barcode{Symbology: Code39, Data: ""}, "escpos: code39: 1 to 255 characters, got 0"},
		{Barcode{Symbology: Code39, Data: strings.Repeat("A", 256)}, "escpos: code39: 1 to 255 characters, got 256"},
		{Barcode{Symbology: ITF, Data: "123"}, "escpos: itf: an even number of digits (2 to 254), got 3"},
		{Barcode{Symbology: ITF, Data: ""}, "escpos: itf: an even number of digits (2 to 254), got 0"},
		{Barcode{Symbology: ITF, Data: "12a4"}, `escpos: itf: digits only, got "12a4"`},
		{Barcode{Symbology: ITF, Data: strings.Repeat("1", 256)}, "escpos: itf: an even number of digits (2 to 254), got 256"},
		{Barcode{Symbology: Code128, Data: ""}, "escpos: code128: no data"},
		{Barcode{Symbology: Code128, Data: "tab\there"}, "escpos: code128: byte 0x09 at 3 is not printable ASCII"},
		{Barcode{Symbology: Code128, Data: "Grüße"}, "escpos: code128: byte 0xc3 at 2 is not printable ASCII"},
		{Barcode{Symbology: Code128, Data: "\x7f"}, "escpos: code128: byte 0x7f at 0 is not printable ASCII"},
		{Barcode{Symbology: Code128, Data: strings.Repeat("ab", 127)}, `escpos: code128: "` + strings.Repeat("ab", 127) + `" needs 256 bytes, GS k takes at most 255`},
		{Barcode{Symbology: EAN8, Data: "9638507", Module: 1}, "escpos: ean8: module width 1 out of range 2..6"},
		{Barcode{Symbology: EAN8, Data: "9638507", Module: 7}, "escpos: ean8: module width 7 out of range 2..6"},
		{Barcode{Symbology: EAN8, Data: "9638507", HRI: 4}, "escpos: ean8: HRI(4) out of range"},
		{Barcode{Symbology: EAN8, Data: "9638507", HRIFont: 3}, "escpos: ean8: HRI Font(3) out of range"},
	}
	for _, tt := range tests {
		got, err := AppendBarcode([]byte{1}, tt.bc)
		assert.EqualError(t, err, tt.want)
		assert.Equal(t, []byte{1}, got, "nothing appended on error")
		_, err = BarcodeModules(tt.bc)
		assert.EqualError(t, err, tt.want)
		_, err = NewBarcodeRaster(tt.bc)
		assert.EqualError(t, err, tt.want)
	}
}

func TestBarcodeLimitsAccepted(t *testing.T) {
	for _, bc := range []Barcode{
		{Symbology: Code39, Data: strings.Repeat("A", 255)},
		{Symbology: ITF, Data: strings.Repeat("1", 254)},
		{Symbology: Code128, Data: strings.Repeat("9", 506)},       // {C + 253 pairs
		{Symbology: Code128, Data: strings.Repeat("x", 253)},       // {B + 253
		{Symbology: Code128, Data: strings.Repeat("{", 126) + "x"}, // {B + 126 × "{{" + x
	} {
		b, err := AppendBarcode(nil, bc)
		require.NoError(t, err, "%v %d", bc.Symbology, len(bc.Data))
		want := 255
		if bc.Symbology == ITF {
			want = 254 // an even count
		}
		assert.Equal(t, want, int(b[len(setup)+3]), "%v", bc.Symbology)
	}
}

func TestEANCheckDigit(t *testing.T) {
	tests := []struct {
		digits string
		want   byte
	}{
		{"400638133393", '1'}, // EAN-13 4006381333931
		{"499901234567", '3'}, // so 4999012345678 is not a valid EAN-13
		{"590123412345", '7'},
		{"978020137962", '4'}, // ISBN 978-0-201-37962-4
		{"9638507", '4'},      // EAN-8 96385074
		{"03600029145", '2'},  // UPC-A 036000291452
		{"000000000000", '0'},
		{"1", '7'},
		{"0001234567890", '5'}, // ITF-14 00012345678905
	}
	for _, tt := range tests {
		got, err := EANCheckDigit(tt.digits)
		require.NoError(t, err)
		assert.Equal(t, string(tt.want), string(got), tt.digits)
	}
	for _, bad := range []string{"", "12a", " 1", "١٢"} {
		_, err := EANCheckDigit(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestCode128CodeSets(t *testing.T) {
	b := func(s string) []byte { return append([]byte("{B"), s...) }
	c := func(pairs ...byte) []byte { return append([]byte("{C"), pairs...) }
	tests := []struct {
		data string
		want []byte
	}{
		{"12345678", c(12, 34, 56, 78)},
		{"12", c(12)},       // 2 symbols instead of 3
		{"1234", c(12, 34)}, // four leading digits: start C
		{"1", b("1")},
		{"123", b("123")},       // C 12 + switch + 3 is no narrower; B is fewer bytes
		{"A12", b("A12")},       // same width either way
		{"A1234B", b("A1234B")}, // C in the middle saves nothing at four digits
		{"A123456B", cat(b("A"), c(12, 34, 56), b("B"))},
		{"AB1234", cat(b("AB"), c(12, 34))}, // four trailing digits save one
		{"1234AB", cat(c(12, 34), b("AB"))}, // four leading digits save one
		{"12345", cat(c(12, 34), b("5"))},   // odd run: C first, the last digit in B
		{"12AB", b("12AB")},                 // two leading digits before text: a tie, B is fewer bytes
		{"x00000000y", cat(b("x"), c(0, 0, 0, 0), b("y"))},
		{"INV-2026-000123456", cat(b("INV-2026-0"), c(0, 12, 34, 56))}, // odd run at the end: its first digit in B
		{"{x}", b("{{x}")},                                             // { is escaped
		{"~ ", b("~ ")},
	}
	for _, tt := range tests {
		got, err := AppendBarcode(nil, Barcode{Symbology: Code128, Data: tt.data})
		require.NoError(t, err, tt.data)
		assert.Equal(t, tt.want, got[len(setup)+4:], "%q", tt.data)
		assert.Equal(t, len(tt.want), int(got[len(setup)+3]), "%q: n", tt.data)
	}
}

// code128Width is the symbol width in modules of the cheapest plan, found
// by brute force over every assignment of code sets: the test's own notion
// of "shortest", independent of the planner's search.
func code128Width(data string) int {
	best := 1 << 30
	var try func(i int, set code128Set, syms int)
	try = func(i int, set code128Set, syms int) {
		if i == len(data) {
			best = min(best, syms)
			return
		}
		for _, next := range []code128Set{setB, setC} {
			s := syms
			if next != set {
				s++
			}
			if next == setC {
				if i+1 < len(data) && isDigit(data[i]) && isDigit(data[i+1]) {
					try(i+2, next, s+1)
				}
			} else {
				try(i+1, next, s+1)
			}
		}
	}
	try(0, setB, 1) // start B
	if len(data) >= 2 && isDigit(data[0]) && isDigit(data[1]) {
		try(2, setC, 2) // start C + first pair
	}
	return (best+2)*11 + 2 // + check + stop (13 modules with the bar)
}

func TestCode128IsShortest(t *testing.T) {
	for _, data := range []string{"1", "12", "123", "1234", "12345", "123456", "a1", "a12", "a123", "a1234", "a12345",
		"a123456b", "12a34b5678", "1a2b3c", "99x9999x99999x", "0000000000000000a", "a0000000000000000",
		"12345678901234567890", "x1y22z333w4444v55555u666666"} {
		m, err := BarcodeModules(Barcode{Symbology: Code128, Data: data})
		require.NoError(t, err)
		assert.Equal(t, code128Width(data), len(m), "%q", data)
	}
}

func TestCode128Tables(t *testing.T) {
	for v, w := range code128Widths {
		sum := 0
		for _, c := range w {
			sum += int(c - '0')
		}
		want := 11
		if v == c128Stop {
			want = 13
		}
		assert.Equal(t, want, sum, "symbol %d", v)
	}
	for i, w := range code39Wide {
		n := 0
		for ; w != 0; w &= w - 1 {
			n++
		}
		assert.Equal(t, 3, n, "code39 %q: three wide elements", code39Chars[i])
	}
	for d, w := range itfWide {
		assert.Equal(t, 2, int(w&1+w>>1&1+w>>2&1+w>>3&1+w>>4&1), "itf %d: two wide elements", d)
	}
}

func TestBarcodeModuleCounts(t *testing.T) {
	tests := []struct {
		bc   Barcode
		want int
	}{
		{Barcode{Symbology: EAN13, Data: "400638133393"}, 95},
		{Barcode{Symbology: UPCA, Data: "03600029145"}, 95},
		{Barcode{Symbology: EAN8, Data: "9638507"}, 67},
		{Barcode{Symbology: Code39, Data: "A"}, 3*16 - 1},        // *A* with two gaps
		{Barcode{Symbology: ITF, Data: "12"}, 4 + 2*(3*2+3) + 5}, // start, one pair, stop
		{Barcode{Symbology: Code128, Data: "12"}, 3*11 + 13},     // start C, 12, check, stop
	}
	for _, tt := range tests {
		m, err := BarcodeModules(tt.bc)
		require.NoError(t, err)
		assert.Len(t, m, tt.want, "%v", tt.bc.Symbology)
		assert.True(t, m[0] && m[len(m)-1], "%v: starts and ends with a bar", tt.bc.Symbology)
	}
}

func TestEAN13Modules(t *testing.T) {
	// 4006381333931 from the standard's tables: the leading 4 selects
	// parity LGLLGG for the left half (G = set B, the mirrored R pattern).
	want := "101" +
		"0001101" + "0100111" + "0101111" + "0111101" + "0001001" + "0110011" + // 0L 0G 6L 3L 8G 1G
		"01010" +
		"1000010" + "1000010" + "1000010" + "1110100" + "1000010" + "1100110" + // 3 3 3 9 3 1 (R)
		"101"
	m, err := BarcodeModules(Barcode{Symbology: EAN13, Data: "4006381333931"})
	require.NoError(t, err)
	var got strings.Builder
	for _, bar := range m {
		if bar {
			got.WriteByte('1')
		} else {
			got.WriteByte('0')
		}
	}
	assert.Equal(t, want, got.String())
}

func TestNewBarcodeRaster(t *testing.T) {
	r, err := NewBarcodeRaster(Barcode{Symbology: Code128, Data: "12", Module: 3, Height: 10})
	require.NoError(t, err)
	assert.Equal(t, 46*3, r.Width)
	assert.Equal(t, 10, r.Height)
	m, _ := BarcodeModules(Barcode{Symbology: Code128, Data: "12"})
	for y := 0; y < r.Height; y++ {
		for x := 0; x < r.Width; x++ {
			require.Equal(t, m[x/3], r.Black(x, y), "(%d,%d)", x, y)
		}
	}
	r, err = NewBarcodeRaster(Barcode{Symbology: EAN8, Data: "9638507"})
	require.NoError(t, err)
	assert.Equal(t, [2]int{67 * 2, BarcodeDefaultHeight}, [2]int{r.Width, r.Height})
}

func TestParseSymbologyAndHRI(t *testing.T) {
	for s := UPCA; s <= Code128; s++ {
		got, err := ParseSymbology(s.String())
		require.NoError(t, err)
		assert.Equal(t, s, got)
	}
	for in, want := range map[string]Symbology{"EAN-13": EAN13, "UPC-A": UPCA, "Code-128": Code128, "CODE39": Code39} {
		got, err := ParseSymbology(in)
		require.NoError(t, err)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "qr", "ean", "code93"} {
		_, err := ParseSymbology(bad)
		assert.Error(t, err, bad)
	}
	assert.Equal(t, "Symbology(0)", Symbology(0).String())
	for h := HRINone; h <= HRIBoth; h++ {
		got, err := ParseHRI(h.String())
		require.NoError(t, err)
		assert.Equal(t, h, got)
	}
	_, err := ParseHRI("left")
	assert.EqualError(t, err, `escpos: unknown HRI position "left" (want none, above, below or both)`)
	assert.Equal(t, "HRI(9)", HRI(9).String())
}
