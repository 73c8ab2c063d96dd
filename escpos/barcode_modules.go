package escpos

import "fmt"

// code128Widths are the CODE128 symbols as bar, space, bar, space, bar,
// space widths in modules (11 modules each); the stop symbol includes its
// final 2-module termination bar (13 modules).
var code128Widths = [107]string{
	"212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
	"221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
	"221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
	"212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
	"231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
	"231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
	"314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
	"112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
	"111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
	"214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
	"114131", "311141", "411131", "211412", "211214", "211232", "2331112",
}

// code39Chars and code39Wide: each character is 9 elements (bar first,
// alternating), three of them wide; bit 8 is the first element.
const code39Chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%*"

var code39Wide = [44]uint16{
	0b000110100, 0b100100001, 0b001100001, 0b101100000, 0b000110001,
	0b100110000, 0b001110000, 0b000100101, 0b100100100, 0b001100100,
	0b100001001, 0b001001001, 0b101001000, 0b000011001, 0b100011000,
	0b001011000, 0b000001101, 0b100001100, 0b001001100, 0b000011100,
	0b100000011, 0b001000011, 0b101000010, 0b000010011, 0b100010010,
	0b001010010, 0b000000111, 0b100000110, 0b001000110, 0b000010110,
	0b110000001, 0b011000001, 0b111000000, 0b010010001, 0b110010000,
	0b011010000, 0b010000101, 0b110000100, 0b011000100, 0b010101000,
	0b010100010, 0b010001010, 0b000101010, 0b010010100,
}

// code39Index is c's place in code39Chars, or -1; '*' (start/stop) is not
// data.
func code39Index(c byte) int {
	for i := 0; i < len(code39Chars)-1; i++ {
		if code39Chars[i] == c {
			return i
		}
	}
	return -1
}

// itfWide: bit 4 is the first of the five elements of a digit, 1 = wide.
var itfWide = [10]uint8{
	0b00110, 0b10001, 0b01001, 0b11000, 0b00101,
	0b10100, 0b01100, 0b00011, 0b10010, 0b01010,
}

// Wide elements of Code39 and ITF are this many modules (narrow = 1) in
// BarcodeModules; printers draw them as their own table says (WideDots).
const wideModules = 3

// epsonWide is the wide element of CODE39 and ITF in dots for GS w n, from
// the table of Epson's ESC/POS reference for GS w (TM-T88V, 180 dpi): narrow
// 2, 3, 4, 5, 6 dots give wide 5, 8, 10, 13, 16, about 2.5 times. GS w 1,
// which the table does not list, is taken as 1:3.
var epsonWide = [...]int{1: 3, 2: 5, 3: 8, 4: 10, 5: 13, 6: 16}

// WideDots is the wide element of CODE39 and ITF an ESC/POS printer draws
// for a narrow element of n dots (GS w n), by Epson's table.
func WideDots(n int) int {
	if n >= 1 && n < len(epsonWide) {
		return epsonWide[n]
	}
	return (5*n + 1) / 2
}

// eanL are the left-hand odd-parity (set A) digit patterns, 7 modules, MSB
// first. Set C (right hand) is their complement; set B (even parity) is set
// C reversed.
var eanL = [10]uint8{0x0D, 0x19, 0x13, 0x3D, 0x23, 0x31, 0x2F, 0x3B, 0x37, 0x0B}

// eanParity: for each leading digit of an EAN-13, which of the six left
// digits use set B (bit 5 = first).
var eanParity = [10]uint8{0b000000, 0b001011, 0b001101, 0b001110, 0b010011, 0b011001, 0b011100, 0b010101, 0b010110, 0b011010}

// modules collects bars (true) and spaces: each module narrow entries, a
// wide element of CODE39 and ITF wide entries.
type modules struct {
	b            []bool
	narrow, wide int
}

func (m *modules) bits(v uint32, n int) {
	for i := n - 1; i >= 0; i-- {
		m.run(v>>i&1 == 1, 1)
	}
}

// run appends n modules.
func (m *modules) run(bar bool, n int) {
	for n *= m.narrow; n > 0; n-- {
		m.b = append(m.b, bar)
	}
}

// element appends one CODE39 or ITF element, wide or narrow.
func (m *modules) element(bar, wide bool) {
	if !wide {
		m.run(bar, 1)
		return
	}
	for n := m.wide; n > 0; n-- {
		m.b = append(m.b, bar)
	}
}

func reverse7(v uint8) uint8 {
	var r uint8
	for i := 0; i < 7; i++ {
		r = r<<1 | v>>i&1
	}
	return r
}

// BarcodeModules returns bc as it prints, one bool per module (true = bar),
// without quiet zones: the same data, check digits and code sets
// AppendBarcode sends. Wide elements of Code39 and ITF are three modules.
func BarcodeModules(bc Barcode) ([]bool, error) {
	return barcodeRuns(bc, 1, wideModules)
}

// BarcodeDots returns bc as an ESC/POS printer draws it at GS w
// bc.Module, one bool per dot: each module bc.Module dots, a wide element
// of CODE39 and ITF WideDots(bc.Module), no quiet zone.
func BarcodeDots(bc Barcode) ([]bool, error) {
	mw, err := bc.module()
	if err != nil {
		return nil, err
	}
	return barcodeRuns(bc, mw, WideDots(mw))
}

// BarcodeDotsWide is BarcodeDots with a narrow element of narrow dots and a
// wide one of wide dots, for printers with their own table (Star's ESC b
// modes).
func BarcodeDotsWide(bc Barcode, narrow, wide int) ([]bool, error) {
	if narrow < 1 || wide < narrow || wide > 8*narrow {
		return nil, fmt.Errorf("escpos: %v: narrow %d, wide %d dots out of range", bc.Symbology, narrow, wide)
	}
	return barcodeRuns(bc, narrow, wide)
}

func barcodeRuns(bc Barcode, narrow, wide int) ([]bool, error) {
	p, err := bc.payload()
	if err != nil {
		return nil, err
	}
	m := modules{narrow: narrow, wide: wide}
	switch bc.Symbology {
	case UPCA:
		m.ean13(append([]byte{'0'}, p...))
	case EAN13:
		m.ean13(p)
	case EAN8:
		m.bits(0b101, 3)
		for i, c := range p {
			if i == 4 {
				m.bits(0b01010, 5)
			}
			v := eanL[c-'0']
			if i >= 4 {
				v = ^v & 0x7F
			}
			m.bits(uint32(v), 7)
		}
		m.bits(0b101, 3)
	case Code39:
		m.code39('*')
		for _, c := range p {
			m.run(false, 1) // inter-character gap
			m.code39(c)
		}
		m.run(false, 1)
		m.code39('*')
	case ITF:
		m.bits(0b1010, 4)
		for i := 0; i < len(p); i += 2 {
			bars, spaces := itfWide[p[i]-'0'], itfWide[p[i+1]-'0']
			for e := 4; e >= 0; e-- {
				m.element(true, bars>>e&1 == 1)
				m.element(false, spaces>>e&1 == 1)
			}
		}
		m.element(true, true)
		m.bits(0b01, 2)
	case Code128:
		segs, err := code128Plan(bc.Data)
		if err != nil {
			return nil, err
		}
		for _, v := range code128Values(segs) {
			for k, w := range code128Widths[v] {
				m.run(k%2 == 0, int(w-'0'))
			}
		}
	}
	return m.b, nil
}

func (m *modules) ean13(p []byte) {
	m.bits(0b101, 3)
	par := eanParity[p[0]-'0']
	for i, c := range p[1:] {
		if i == 6 {
			m.bits(0b01010, 5)
		}
		v := eanL[c-'0']
		switch {
		case i >= 6:
			v = ^v & 0x7F
		case par>>(5-i)&1 == 1:
			v = reverse7(^v & 0x7F)
		}
		m.bits(uint32(v), 7)
	}
	m.bits(0b101, 3)
}

func (m *modules) code39(c byte) {
	i := code39Index(c)
	if c == '*' {
		i = len(code39Chars) - 1
	}
	w := code39Wide[i]
	for e := 8; e >= 0; e-- {
		m.element(e%2 == 0, w>>e&1 == 1)
	}
}

// NewBarcodeRaster draws bc as a raster as BarcodeDots has it, bc.Height
// dots tall (0 = BarcodeDefaultHeight), no quiet zone and no human-readable
// text. It is the fallback for printers without GS k.
func NewBarcodeRaster(bc Barcode) (*Raster, error) {
	dots, err := BarcodeDots(bc)
	if err != nil {
		return nil, err
	}
	w, h := len(dots), bc.height()
	if w > maxRasterWidth {
		return nil, fmt.Errorf("escpos: %v: %d dots wide exceeds the limit of %d", bc.Symbology, w, maxRasterWidth)
	}
	r := newRaster(w, h)
	for x := 0; x < w; x++ {
		if dots[x] {
			r.set(x, 0)
		}
	}
	for y := 1; y < h; y++ {
		copy(r.Bits[y*r.Stride:(y+1)*r.Stride], r.Bits[:r.Stride])
	}
	return r, nil
}

// Code128ValueModules is the bars of a run of CODE128 symbol values (0–106:
// start code, data, check value and stop, as a captured stream gives them
// with its own code sets), true for a bar. BarcodeModules plans the values
// from text; this draws values someone else chose.
func Code128ValueModules(values []int) ([]bool, error) {
	mods := make([]bool, 0, len(values)*11+2)
	for i, v := range values {
		if v < 0 || v >= len(code128Widths) {
			return nil, fmt.Errorf("escpos: code128: value %d at %d out of range 0..%d", v, i, len(code128Widths)-1)
		}
		for k, w := range code128Widths[v] {
			for range int(w - '0') {
				mods = append(mods, k%2 == 0)
			}
		}
	}
	return mods, nil
}
