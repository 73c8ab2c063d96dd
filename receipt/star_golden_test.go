package receipt_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/escpos/paper"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/receipt"
)

// starEmulation is a Star profile of escpos-printer-db "with ESC/POS
// emulation enabled": it prints through the ESC/POS encoder, with Star's
// ESC GS t n and slot numbers for code pages.
const starEmulation = "TSP600"

// TestGoldenStarEmulation keeps every documented receipt, and the whole
// bakery receipt, for a Star printer in ESC/POS emulation.
func TestGoldenStarEmulation(t *testing.T) {
	p, err := printers.Lookup(starEmulation)
	require.NoError(t, err)
	for _, doc := range documented {
		tx := loadTransaction(t, doc)
		t.Run(doc, func(t *testing.T) {
			r := rendererFor(t, goldenConfig{model: starEmulation})
			out, rep, err := r.Render(nil, tx.Receipt)
			require.NoError(t, err)
			require.Empty(t, rep.Warnings)
			cmds := decode.Decode(out, p)
			for _, c := range cmds {
				require.NoError(t, c.Err, "%s", c.Name)
				assert.NotEqual(t, "ESC t", c.Name, "Star selects code pages with ESC GS t")
			}
			text, _ := r.Text(nil, tx.Receipt)
			base := filepath.Join("..", "testdata", "golden", doc, starEmulation)
			checkGolden(t, base+".bin", out)
			checkGolden(t, base+".txt", decode.AppendDisassembly(nil, cmds))
			checkGolden(t, base+".preview.txt", text)
		})
	}
	t.Run("whole", func(t *testing.T) {
		tx := loadTransaction(t, "pay-missing-sum")
		r := wholeRenderer(t, starEmulation, receipt.LogoRaster)
		out, rep, err := r.RenderTransaction(nil, tx)
		require.NoError(t, err)
		require.Empty(t, rep.Warnings)
		text, _, err := r.TextTransaction(nil, tx)
		require.NoError(t, err)
		base := filepath.Join("..", "testdata", "golden", "whole", "pay-missing-sum-"+starEmulation)
		checkGolden(t, base+".bin", out)
		checkGolden(t, base+".txt", decode.AppendDisassembly(nil, decode.Decode(out, p)))
		checkGolden(t, base+".preview.txt", text)
		res := paper.Print(out, p)
		require.Len(t, res.Tickets, 1)
		assert.Empty(t, res.Problems)
		var png bytes.Buffer
		require.NoError(t, res.Tickets[0].PNG(&png))
		checkGolden(t, base+".png", png.Bytes())
	})
}

// TestStarEmulationEuro: "€" goes through Star's slot 4 (CP858) with
// ESC GS t, where an Epson would get ESC t 19.
func TestStarEmulationEuro(t *testing.T) {
	p, err := printers.Lookup(starEmulation)
	require.NoError(t, err)
	r, err := receipt.NewRenderer(receipt.Options{Profile: p})
	require.NoError(t, err)
	out, _, err := r.Render(nil, receipt.Receipt{{Type: receipt.TextLine, Text: "Summe 3,00 €"}})
	require.NoError(t, err)
	assert.True(t, bytes.Contains(out, []byte{0x1B, 0x1D, 't', 4, 0xD5}), "% X", out)
}
