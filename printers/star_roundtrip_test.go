package printers_test

import (
	"os"
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

// A receipt rendered in StarPRNT or Star Line Mode, read back and drawn by
// the paper engine, prints the same text lines as the same receipt on an
// ESC/POS printer of the same width.
func TestStarRoundTripSameLines(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "secuconnect", "pay-missing-sum.json"))
	require.NoError(t, err)
	tx, err := receipt.ParseTransaction(data)
	require.NoError(t, err)
	tpl, err := receipt.LoadTemplate(filepath.Join("..", "testdata", "templates", "bakery.json"))
	require.NoError(t, err)
	render := func(p *escpos.Profile) []byte {
		r, err := receipt.NewRenderer(receipt.Options{Profile: p, EndCut: escpos.CutPartial, Template: tpl})
		require.NoError(t, err)
		out, _, err := r.RenderTransaction(nil, tx)
		require.NoError(t, err)
		return out
	}
	for _, id := range []string{"mC-Print3", "TSP650II", "TSP100III"} {
		t.Run(id, func(t *testing.T) {
			p, err := printers.Lookup(id)
			require.NoError(t, err)
			twin := star.ESCPOSTwin(p)
			want := paper.Print(render(twin), twin)
			require.Len(t, want.Tickets, 1)

			job := render(p) // in the printer's language
			cmds := star.Decode(job, p)
			for _, c := range cmds {
				require.NoError(t, c.Err, "%s", c.Name)
			}
			got := paper.Print(star.ToESCPOS(cmds), twin)
			assert.Empty(t, got.Problems)
			require.Len(t, got.Tickets, 1)
			assert.Equal(t, escpos.CutPartial, got.Tickets[0].Cut)
			if p.Language == escpos.LanguageStarGraphic {
				return // raster only: no text lines to compare
			}
			// Star images carry their alignment as white columns, so only
			// the kind of line is compared for them.
			// The QR code's quiet zone is fed in dots on ESC/POS (ESC J)
			// and in lines on Star (ESC a): blank lines next to it differ.
			assert.Equal(t, dropQuietLines(textLines(want.Tickets[0].Lines())), dropQuietLines(textLines(got.Tickets[0].Lines())))
		})
	}
}

// dropQuietLines drops the blank lines right above and below a QR code.
func dropQuietLines(lines []string) []string {
	var out []string
	for i, l := range lines {
		qr := func(j int) bool { return j >= 0 && j < len(lines) && strings.HasPrefix(lines[j], "[qr ") }
		if l == "" && (qr(i-1) || qr(i+1)) {
			continue
		}
		out = append(out, l)
	}
	return out
}

func textLines(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		if strings.HasPrefix(l, "[raster ") || strings.HasPrefix(l, "[bit image ") {
			l = "[image]"
		}
		out[i] = l
	}
	return out
}

// The Star streams of receipt-printer-encoder and receiptline print as those
// libraries meant them: their text lines, QR codes and bar codes.
func TestThirdPartyStarPrints(t *testing.T) {
	p, err := printers.Lookup("mC-Print3")
	require.NoError(t, err)
	twin := star.ESCPOSTwin(p)
	dir := filepath.Join("..", "testdata", "thirdparty", "star")
	for _, tc := range []struct {
		file  string
		lines []string
	}{
		// RPE writes German in Star's Standard table (slot 0), and "?" for
		// "€", which that table lacks. Lines shows double width spaced out.
		{"rpe-star-prnt.bin", []string{"B ä c k e r e i", "Hauptstraße 1", "Brötchen x4", "Kaffee                   3,10", "Vielen Dank!", "[qr \"https://example.com/r/1234\"]", "[barcode EAN13 \"4006381333931\"]"}},
		{"rpe-star-line.bin", []string{"B ä c k e r e i", "Hauptstraße 1", "Brötchen x4", "Vielen Dank!", "[qr \"https://example.com/r/1234\"]"}},
		{"receiptline-starsbcs.bin", []string{"Brötchen x4                               2,40 €", "Kaffee                                    3,10 €", "                  Marktplatz 3"}},
		{"receiptline-starlinesbcs.bin", []string{"Brötchen x4                               2,40 €", "                  Marktplatz 3"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, tc.file))
			require.NoError(t, err)
			res := paper.Print(star.ToESCPOS(star.Decode(data, p)), twin)
			require.NotEmpty(t, res.Tickets)
			var lines []string
			for _, tk := range res.Tickets {
				lines = append(lines, tk.Lines()...)
			}
			all := strings.Join(lines, "\n")
			for _, l := range tc.lines {
				assert.Contains(t, all, l)
			}
		})
	}
}
