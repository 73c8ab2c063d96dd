package paper_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/paper"
	"github.com/secuprint/receipt/printers"
)

// zbar reads the codes in a PNG with zbarimg, a decoder this project did
// not write: what the paper shows must scan as the data sent.
func zbar(t *testing.T, png []byte) []string {
	t.Helper()
	bin, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg not installed (Debian zbar-tools; make test-deps)")
	}
	path := filepath.Join(t.TempDir(), "ticket.png")
	require.NoError(t, os.WriteFile(path, png, 0o644))
	out, err := exec.Command(bin, "--raw", "-q", path).Output()
	if err != nil && len(out) == 0 {
		return nil // zbarimg exits 4 when it finds nothing
	}
	return strings.Split(strings.TrimRight(string(out), "\n"), "\n")
}

// framed puts a code between feeds, centred, as a receipt would.
func framed(code []byte) []byte {
	return cat([]byte{0x1B, '@', 0x1B, 'a', 1, 0x1B, 'J', 60}, code, []byte{0x1B, 'J', 60, 'x', '\n'})
}

func TestQRCodesScan(t *testing.T) {
	data := "https://secuconnect.example/tx/STX_2ZJ7PRCAC2Y8Q4ZWZ6K2G8AKZTQX9U?a=1&b=%C3%A4"
	for _, module := range []uint8{3, 6, 8} {
		for _, level := range []escpos.QRLevel{escpos.QRLevelL, escpos.QRLevelM, escpos.QRLevelQ, escpos.QRLevelH} {
			t.Run(strconv.Itoa(int(module))+level.String(), func(t *testing.T) {
				code, err := escpos.AppendQR(nil, escpos.QR{Data: data, Module: module, Level: level})
				require.NoError(t, err)
				p, err := printers.Lookup("TM-T88V")
				require.NoError(t, err)
				res := paper.Print(framed(code), p)
				require.Empty(t, res.Problems)
				tk := res.Tickets[0]
				var img *paper.Line
				for i := range tk.Printed {
					if tk.Printed[i].Image != nil {
						img = &tk.Printed[i]
					}
				}
				require.NotNil(t, img)
				side := img.Image.Bounds().Dx()
				assert.Zero(t, side%int(module), "whole modules")
				assert.Equal(t, side, img.Image.Bounds().Dy())
				n := side / int(module)
				assert.Zero(t, (n-17)%4, "a QR symbol is 17+4v modules, no quiet zone (%d)", n)
				var png bytes.Buffer
				require.NoError(t, tk.PNG(&png))
				assert.Equal(t, []string{data}, zbar(t, png.Bytes()))
			})
		}
	}
}

func TestQRLevelAndSizeChangeTheSymbol(t *testing.T) {
	sizes := map[string]int{}
	for _, tt := range []struct {
		name  string
		q     escpos.QR
		width int
	}{
		{"L3", escpos.QR{Data: "0123456789ABCDEF0123456789", Level: escpos.QRLevelL, Module: 3}, 0},
		{"H3", escpos.QR{Data: "0123456789ABCDEF0123456789", Level: escpos.QRLevelH, Module: 3}, 0},
		{"H6", escpos.QR{Data: "0123456789ABCDEF0123456789", Level: escpos.QRLevelH, Module: 6}, 0},
	} {
		code, err := escpos.AppendQR(nil, tt.q)
		require.NoError(t, err)
		res := paper.Print(code, nil)
		require.Empty(t, res.Problems)
		sizes[tt.name] = res.Tickets[0].Printed[0].Image.Bounds().Dx()
	}
	assert.Less(t, sizes["L3"], sizes["H3"], "level H needs a larger version")
	assert.Equal(t, 2*sizes["H3"], sizes["H6"], "module 6 doubles it")
}

func TestBarcodesScan(t *testing.T) {
	tests := []struct {
		name  string
		bc    escpos.Barcode
		raw   []byte // a hand-written GS k instead of bc
		want  string // what zbarimg reads
		hri   string
		width int // dots, when checked
	}{
		{name: "EAN-13 check digit computed", bc: escpos.Barcode{Symbology: escpos.EAN13, Data: "400638133393", Module: 2, HRI: escpos.HRIBelow},
			want: "4006381333931", hri: "4006381333931", width: 190},
		{name: "EAN-13 module 3", bc: escpos.Barcode{Symbology: escpos.EAN13, Data: "4006381333931", Module: 3, HRI: escpos.HRIBoth},
			want: "4006381333931", hri: "4006381333931", width: 285},
		{name: "EAN-8", bc: escpos.Barcode{Symbology: escpos.EAN8, Data: "9638507", Module: 3, HRI: escpos.HRIBelow},
			want: "96385074", hri: "96385074", width: 67 * 3},
		{name: "UPC-A", bc: escpos.Barcode{Symbology: escpos.UPCA, Data: "03600029145", Module: 2, HRI: escpos.HRIBelow},
			want: "0036000291452", hri: "036000291452", width: 190}, // zbar reports UPC-A as EAN-13
		{name: "CODE39", bc: escpos.Barcode{Symbology: escpos.Code39, Data: "SECU-42 $", Module: 2, HRI: escpos.HRIBelow},
			want: "SECU-42 $", hri: "*SECU-42 $*"},
		{name: "ITF", bc: escpos.Barcode{Symbology: escpos.ITF, Data: "12345678", Module: 2, HRI: escpos.HRIBelow},
			want: "12345678", hri: "12345678"},
		{name: "CODE128 planned", bc: escpos.Barcode{Symbology: escpos.Code128, Data: "TX-2026-000123456", Module: 2, HRI: escpos.HRIBelow},
			want: "TX-2026-000123456", hri: "TX-2026-000123456"},
		{name: "CODE128 {B then {C", raw: cat([]byte{0x1D, 'H', 2, 0x1D, 'w', 2, 0x1D, 'k', 73, 10}, []byte("{BNo.{C"), []byte{12, 34, 56}),
			want: "No.123456", hri: "No.123456"},
		{name: "CODE128 {A with {{", raw: cat([]byte{0x1D, 'H', 0, 0x1D, 'w', 3, 0x1D, 'k', 73, 9}, []byte("{BA{{B{AC")),
			want: "A{BC"},
		{name: "CODE39 function A", raw: cat([]byte{0x1D, 'H', 2, 0x1D, 'k', 4}, []byte("*AB12*"), []byte{0}),
			want: "AB12", hri: "*AB12*"},
		{name: "EAN-13 function A", raw: cat([]byte{0x1D, 'H', 2, 0x1D, 'w', 2, 0x1D, 'k', 2}, []byte("400638133393"), []byte{0}),
			want: "4006381333931", hri: "4006381333931", width: 190},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := tt.raw
			if code == nil {
				var err error
				code, err = escpos.AppendBarcode(nil, tt.bc)
				require.NoError(t, err)
			}
			p, err := printers.Lookup("TM-T88V")
			require.NoError(t, err)
			res := paper.Print(framed(code), p)
			require.Empty(t, res.Problems)
			tk := res.Tickets[0]
			if tt.hri != "" {
				assert.Contains(t, tk.Lines(), strings.Repeat(" ", (42-len(tt.hri))/2)+tt.hri, "HRI centred under the bars")
			}
			for _, l := range tk.Printed {
				if l.Image != nil && tt.width > 0 {
					assert.Equal(t, tt.width, l.Image.Bounds().Dx(), "modules × GS w, nothing else")
				}
			}
			var png bytes.Buffer
			require.NoError(t, tk.PNG(&png))
			assert.Equal(t, []string{tt.want}, zbar(t, png.Bytes()))
		})
	}
}

func TestBarcodeDataItCannotHoldPrintsNothing(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"control bytes in CODE39", cat([]byte{0x1D, 'k', 4}, []byte("AB\r\n\x1dH"), []byte{0}), "not in its character set"},
		{"letters in EAN-13", cat([]byte{0x1D, 'k', 67, 12}, []byte("40063813339X")), "not a digit"},
		{"wrong EAN-13 check digit", cat([]byte{0x1D, 'k', 67, 13}, []byte("4006381333932")), "check digit"},
		{"odd ITF", cat([]byte{0x1D, 'k', 70, 3}, []byte("123")), "even"}, // cancelled: "123" prints as text
		{"CODE128 without code set", cat([]byte{0x1D, 'k', 73, 3}, []byte("abc")), "{A, {B or {C"},
		{"CODE128 set C value 100", cat([]byte{0x1D, 'k', 73, 3}, []byte("{C"), []byte{100}), "0–99"},
		{"too wide", cat([]byte{0x1D, 'w', 6, 0x1D, 'k', 73, 32}, []byte("{B"), []byte(strings.Repeat("W", 30))), "exceeds the print area"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := paper.Print(tt.in, nil)
			require.NotEmpty(t, res.Problems)
			assert.Contains(t, res.Problems[0].Message, tt.want)
			for _, tk := range res.Tickets {
				for _, l := range tk.Printed {
					assert.Nil(t, l.Image, "no bars")
				}
			}
		})
	}
}

// TestBarcodeFramingAsEpson: function A data ends where the printer ends
// it, and what follows is normal data.
func TestBarcodeFramingAsEpson(t *testing.T) {
	tests := []struct {
		name  string
		in    []byte
		lines []string
		feed  int // dots fed for a barcode that could not print
	}{
		{"CR ends UPC-A data", cat([]byte{0x1D, 'H', 2, 0x1D, 'k', 0}, []byte("0360\r\n\x1dH\x00tail"), []byte{0}, []byte("\n")),
			[]string{"", "tail"}, 162 + 24},
		{"13 digits end EAN-13", cat([]byte{0x1D, 'k', 2}, []byte("4006381333931"), []byte("x\n")), []string{"[barcode EAN13 \"4006381333931\"]", "x"}, 0},
		{"stop * ends CODE39", cat([]byte{0x1D, 'k', 4}, []byte("*AB*CD"), []byte{0}), []string{"[barcode CODE39 \"*AB*\"]", "CD"}, 0},
		{"odd ITF drops its last digit", cat([]byte{0x1D, 'k', 5}, []byte("12345"), []byte{0}), []string{"[barcode ITF \"1234\"]"}, 0},
		{"function B length out of range prints the data", cat([]byte{0x1D, 'k', 67, 3}, []byte("123\n")), []string{"123"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := paper.Print(tt.in, nil)
			var lines []string
			fed := 0
			for _, tk := range res.Tickets {
				lines = append(lines, tk.Lines()...)
				for _, l := range tk.Printed {
					if l.Image == nil && l.Cells == nil {
						fed += l.Height
					}
				}
			}
			assert.Equal(t, tt.lines, lines)
			if tt.feed > 0 {
				assert.Equal(t, tt.feed, fed, "the barcode's height and HRI fed")
			}
		})
	}
}

func TestBarcodeSettings(t *testing.T) {
	ean := cat([]byte{0x1D, 'k', 67, 12}, []byte("400638133393"))
	tests := []struct {
		name   string
		setup  []byte
		width  int
		height int
	}{
		{"defaults: module 3, 162 dots", nil, 285, 162},
		{"GS w 2, GS h 50", []byte{0x1D, 'w', 2, 0x1D, 'h', 50}, 190, 50},
		{"GS w 0 ignored", []byte{0x1D, 'w', 2, 0x1D, 'w', 0}, 190, 162},
		{"GS w 7 ignored", []byte{0x1D, 'w', 7}, 285, 162},
		{"ESC @ restores defaults", []byte{0x1D, 'w', 2, 0x1D, 'h', 50, 0x1B, '@'}, 285, 162},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := paper.Print(cat(tt.setup, ean), nil)
			require.Len(t, res.Tickets, 1)
			img := res.Tickets[0].Printed[0].Image
			require.NotNil(t, img)
			assert.Equal(t, tt.width, img.Bounds().Dx())
			assert.Equal(t, tt.height, img.Bounds().Dy())
		})
	}
}
