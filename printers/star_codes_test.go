package printers_test

import (
	"bytes"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/paper"
	"github.com/secuprint/receipt/escpos/star"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/receipt"
)

// zbarScan reads the codes on a ticket's PNG with zbarimg, a decoder this
// project did not write.
func zbarScan(t *testing.T, tk *paper.Ticket) []string {
	t.Helper()
	bin, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg not installed (Debian zbar-tools; make test-deps)")
	}
	var png bytes.Buffer
	require.NoError(t, tk.PNG(&png))
	path := filepath.Join(t.TempDir(), "ticket.png")
	require.NoError(t, os.WriteFile(path, png.Bytes(), 0o644))
	out, _ := exec.Command(bin, "-q", path).Output() // exit 4: nothing found
	if len(out) == 0 {
		return nil
	}
	return strings.Split(strings.TrimRight(string(out), "\n"), "\n")
}

// inkWidth is the span of black dots of the ticket's last picture (bars
// drawn as a raster are padded to whole bytes).
func inkWidth(tk *paper.Ticket) int {
	var img *image.Gray
	for _, l := range tk.Printed {
		if l.Image != nil {
			img = l.Image
		}
	}
	if img == nil {
		return 0
	}
	lo, hi := -1, -1
	b := img.Bounds()
	for x := b.Min.X; x < b.Max.X; x++ {
		for y := b.Min.Y; y < b.Max.Y; y++ {
			if img.GrayAt(x, y).Y < 128 {
				if lo < 0 {
					lo = x
				}
				hi = x
				break
			}
		}
	}
	if lo < 0 {
		return 0
	}
	return hi - lo + 1
}

// starTicket prints a Star stream on the paper of model id.
func starTicket(t *testing.T, id string, stream []byte) *paper.Ticket {
	t.Helper()
	p, err := printers.Lookup(id)
	require.NoError(t, err)
	return previewTicket(t, p, stream)
}

// previewTicket is the first ticket of stream, in p's language, drawn by
// the one preview path (receipt.Preview).
func previewTicket(t *testing.T, p *escpos.Profile, stream []byte) *paper.Ticket {
	t.Helper()
	res := receipt.Preview(stream, p, paper.Options{})
	require.NotEmpty(t, res.Tickets)
	return res.Tickets[0]
}

// Issue 23 items 2 and 8: a CODE128 with "%" and "{" sent by the Star
// encoder scans, off the virtual printer's paper, as the data.
func TestStarCode128PercentScans(t *testing.T) {
	for _, id := range []string{"mC-Print3", "TSP650II"} {
		for _, data := range []string{"50%OFF{x}", "100%", "A{B}%0"} {
			t.Run(id+"/"+data, func(t *testing.T) {
				b := []byte{0x1B, '@', 0x1B, 'a', 3}
				b, err := star.AppendBarcode(b, escpos.Barcode{Symbology: escpos.Code128, Data: data, Module: 2, Height: 80})
				require.NoError(t, err)
				b = append(b, 0x1B, 'a', 3, 'x', '\n')
				assert.Equal(t, []string{"CODE-128:" + data}, zbarScan(t, starTicket(t, id, b)))
			})
		}
	}
}

// Issue 23 item 9: ESC b's modes 1–9 for CODE39 and ITF (narrow:wide as
// Star's table has them) print with those dots and scan; they used to
// become 5–6-dot bars, too wide to print.
func TestStarBarcodeModesScan(t *testing.T) {
	for _, tc := range []struct {
		n1         byte
		data, want string
	}{
		{'4', "AB12", "CODE-39:AB12"},
		{'5', "12345678", "I2/5:12345678"},
	} {
		for mode := byte('1'); mode <= '9'; mode++ {
			t.Run(string(tc.n1)+string(mode), func(t *testing.T) {
				narrow, wide, ok := star.BarcodeMode(tc.n1, mode)
				require.True(t, ok)
				b := []byte{0x1B, '@', 0x1B, 0x1D, 'a', 1, 0x0A, 0x1B, 'b', tc.n1, '2', mode, 80}
				b = append(append(b, tc.data...), 0x1E, 0x0A, 'x', 0x0A)
				tk := starTicket(t, "TSP650II", b)
				w := inkWidth(tk)
				// CODE39: 6 characters of 6 narrow + 3 wide and 5 gaps;
				// ITF: start 4 narrow, 4 digit pairs of 6 narrow + 4 wide,
				// stop wide + 2 narrow.
				want := 6*(6*narrow+3*wide) + 5*narrow
				if tc.n1 == '5' {
					want = 4*narrow + 4*(6*narrow+4*wide) + wide + 2*narrow
				}
				assert.Equal(t, want, w, "narrow %d wide %d", narrow, wide)
				assert.Equal(t, []string{tc.want}, zbarScan(t, tk))
			})
		}
	}
}

// An ESC/POS CODE39 on the virtual printer has Epson's wide elements
// (GS w 2: 5 dots): 491 dots for 15 characters, and it scans.
func TestEpsonCode39OnPaper(t *testing.T) {
	p, err := printers.Lookup("TM-T88V")
	require.NoError(t, err)
	b := []byte{0x1B, '@', 0x1B, 'a', 1, 0x1D, 'w', 2, 0x1D, 'h', 80, 0x0A}
	b, err = escpos.AppendBarcode(b, escpos.Barcode{Symbology: escpos.Code39, Data: "ABCDEFGHIJ12345", Module: 2, Height: 80})
	require.NoError(t, err)
	b = append(b, 0x0A, 'x', 0x0A)
	res := paper.Print(b, p)
	require.Empty(t, res.Problems)
	tk := res.Tickets[0]
	assert.Equal(t, 491, inkWidth(tk))
	assert.Equal(t, []string{"CODE-39:ABCDEFGHIJ12345"}, zbarScan(t, tk))
}

// The Star encoder picks the ESC b mode nearest Epson's ratio; its width
// check counts the dots the printer draws (the virtual printer, by Star's
// table), and the code scans.
func TestStarEncoderCode39ITFWidth(t *testing.T) {
	for _, bc := range []escpos.Barcode{
		{Symbology: escpos.Code39, Data: "AB-12"}, {Symbology: escpos.ITF, Data: "12345678"},
	} {
		for m := uint8(2); m <= 4; m++ {
			bc.Module, bc.Height = m, 80
			b, err := star.AppendBarcode([]byte{0x1B, '@'}, bc)
			require.NoError(t, err)
			dots, err := star.BarcodeDots(bc)
			require.NoError(t, err)
			tk := starTicket(t, "mC-Print3", append(b, 'x', 0x0A))
			assert.Equal(t, len(dots), inkWidth(tk), "%v module %d", bc.Symbology, m)
			want := map[escpos.Symbology]string{escpos.Code39: "CODE-39:", escpos.ITF: "I2/5:"}[bc.Symbology] + bc.Data
			assert.Equal(t, []string{want}, zbarScan(t, tk), "%v module %d", bc.Symbology, m)
		}
	}
}

// node-thermal-printer's Star stream (testdata/thirdparty/gen.js) prints as
// its producer meant: German text in CP858 readable, its CODE128 (written
// with Star's %0) scanning, and VT (from cut()) known. Its QR code cannot
// print: the library leaves out ESC GS y D, so a printer reads the data as
// text, and so does the virtual printer.
func TestNodeThermalPrinterStar(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "thirdparty", "star", "node-thermal-printer-star.bin"))
	require.NoError(t, err)
	p, err := printers.Lookup("TSP650II")
	require.NoError(t, err)
	for _, c := range star.Decode(data, p) {
		if c.Err != nil {
			assert.Contains(t, []string{"0x0E"}, c.Name, "only the QR data's stray SO is unknown: %v", c.Err)
		}
	}
	tk := starTicket(t, "TSP650II", data)
	all := strings.Join(tk.Lines(), "\n")
	for _, s := range []string{"Bäckerei am Markt", "Brötchen x4 2,40 €", "Grüße aus der Hauptstraße", "TX-2026-000124"} {
		assert.Contains(t, all, s)
	}
	assert.Equal(t, []string{"CODE-128:50%OFF{x}"}, zbarScan(t, tk))
}
