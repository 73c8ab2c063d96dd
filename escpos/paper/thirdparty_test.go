package paper_test

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/escpos/paper"
)

// Streams in testdata/thirdparty were written by other libraries (gen.js
// there says how); the virtual printer must print them as a printer does.

func thirdParty(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "thirdparty", name))
	require.NoError(t, err)
	return b
}

func TestThirdPartyStreamsDecodeClean(t *testing.T) {
	p := tmT88V(t)
	for _, name := range []string{"receipt-printer-encoder.bin", "receipt-printer-encoder-raster.bin", "node-thermal-printer.bin", "receiptline.bin"} {
		t.Run(name, func(t *testing.T) {
			for _, c := range decode.Decode(thirdParty(t, name), p) {
				assert.NoError(t, c.Err, "%s at %d", c.Name, c.Offset)
			}
		})
	}
	// node-thermal-printer's openCashDrawer() sends ESC p 0 ESC p 1
	// without timings: a printer takes ESC p 0 27 112 and a stray 0x01.
	cmds := decode.Decode(thirdParty(t, "node-thermal-printer-drawer.bin"), p)
	var bad []string
	for _, c := range cmds {
		if c.Op == decode.OpPulse {
			assert.Equal(t, []byte{0, 0x1B, 'p'}, c.Args)
		}
		if c.Err != nil {
			bad = append(bad, c.Err.Error())
		}
	}
	assert.Equal(t, []string{"offset 8: control byte 0x01: unknown command"}, bad)
}

// asciiBoxes maps box drawing to receiptline's text rendering (+ - |).
var asciiBoxes = strings.NewReplacer("─", "-", "│", "|", "┌", "+", "┐", "+", "└", "+", "┘", "+", "├", "+", "┤", "+",
	"┬", "+", "┴", "+", "┼", "+", "╭", "+", "╮", "+", "╰", "+", "╯", "+")

// textLines drops what receiptline's text rendering leaves out (images,
// codes and their HRI, blank lines) and trailing spaces.
func textLines(lines []string, skip ...string) []string {
	var out []string
	for _, l := range lines {
		l = strings.TrimRight(l, " ")
		keep := l != "" && !strings.HasPrefix(l, "[")
		for _, s := range skip {
			keep = keep && strings.TrimSpace(l) != s
		}
		if keep {
			out = append(out, l)
		}
	}
	return out
}

// TestReceiptlineLayout: columns where receiptline puts them (its own text
// rendering is the reference), € and box drawing as themselves.
func TestReceiptlineLayout(t *testing.T) {
	res := paper.Print(thirdParty(t, "receiptline.bin"), tmT88V(t))
	require.Len(t, res.Tickets, 1, "the trailing cut makes no second ticket")
	lines := res.Tickets[0].Lines()
	ref := strings.Split(string(thirdParty(t, "receiptline.txt")), "\n")
	got := textLines(lines, "4006381333931", "No.123456")
	for i := range got {
		got[i] = asciiBoxes.Replace(got[i])
	}
	assert.Equal(t, textLines(ref), got)
	assert.Contains(t, lines, "Brötchen x4                         2,40 €")
	assert.Contains(t, lines, "╭────────────────────┬───────────────────╮")
	assert.Contains(t, lines, "              4006381333931", "HRI digits with the check digit")
	assert.Contains(t, lines, "                No.123456", "CODE128 HRI without its code-set prefixes")
}

func TestReceiptPrinterEncoderLayout(t *testing.T) {
	res := paper.Print(thirdParty(t, "receipt-printer-encoder.bin"), tmT88V(t))
	require.Len(t, res.Tickets, 1, "LF CR after the cut makes no second ticket")
	tk := res.Tickets[0]
	lines := tk.Lines()
	assert.Equal(t, "B ä c k e r e i", lines[0], "ESC @ dropped the padding sent before it, as a printer does")
	assert.Contains(t, lines, "              Hauptstraße 1")
	assert.Contains(t, lines, "Brötchen x4                        2,40 ?", "the encoder sent ? for € on CP437")
	assert.Contains(t, tk.Text(), "[i]Vielen Dank![/i]")
	assert.Contains(t, lines, "[bit image 64x48]", "ESC * stripes as one continuous image")
	assert.Empty(t, res.Problems)

	raster := paper.Print(thirdParty(t, "receipt-printer-encoder-raster.bin"), tmT88V(t))
	require.Len(t, raster.Tickets, 1)
	var img *image.Gray
	for _, l := range raster.Tickets[0].Printed {
		if l.Image != nil && img == nil {
			img = l.Image
		}
	}
	require.NotNil(t, img)
	assert.Equal(t, 64, img.Bounds().Dx())
	var col *paper.Line
	for i := range tk.Printed {
		if tk.Printed[i].Image != nil && strings.HasPrefix(tk.Printed[i].Label, "bit image") {
			col = &tk.Printed[i]
		}
	}
	require.NotNil(t, col)
	// The same picture in column and raster mode prints the same dots.
	for y := 0; y < 32; y++ {
		for x := 0; x < 64; x++ {
			require.Equal(t, img.GrayAt(x, y), col.Image.GrayAt(x, y), "dot %d,%d", x, y)
		}
	}
}

func TestNodeThermalPrinterLayout(t *testing.T) {
	res := paper.Print(thirdParty(t, "node-thermal-printer.bin"), tmT88V(t))
	require.NotEmpty(t, res.Tickets)
	lines := res.Tickets[0].Lines()
	assert.Contains(t, lines, "Zeitung                           2,50 EUR")
	assert.Contains(t, lines, "                No.123456")
	assert.Contains(t, res.Tickets[0].Text(), "[rev] Danke [/rev]")
	assert.Empty(t, res.Problems)
}

// TestThirdPartyCodesScan reads the codes on the paper with zbarimg.
func TestThirdPartyCodesScan(t *testing.T) {
	for name, want := range map[string][]string{
		"receipt-printer-encoder.bin": {"4006381333931", "https://example.com/r/1234"},
		"node-thermal-printer.bin":    {"No.123456", "TX-2026-000123"},
		"receiptline.bin":             {"4006381333931", "No.123456", "https://example.com/r/42"},
	} {
		t.Run(name, func(t *testing.T) {
			res := paper.Print(thirdParty(t, name), tmT88V(t))
			var png bytes.Buffer
			require.NoError(t, res.Tickets[0].PNG(&png))
			got := zbar(t, png.Bytes())
			sort.Strings(got)
			assert.Equal(t, want, got)
		})
	}
}
