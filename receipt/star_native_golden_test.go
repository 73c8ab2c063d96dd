package receipt_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/star"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/receipt"
)

// starNative are a StarPRNT and a Star Line Mode model: the same receipts,
// laid out by the same rules, in Star's own commands.
var starNative = []string{"mC-Print3", "TSP650II"}

func TestGoldenStarNative(t *testing.T) {
	for _, model := range starNative {
		p, err := printers.Lookup(model)
		require.NoError(t, err)
		require.Contains(t, []escpos.Language{escpos.LanguageStarPRNT, escpos.LanguageStarLine}, p.Language)
		for _, doc := range documented {
			t.Run(model+"/"+doc, func(t *testing.T) {
				tx := loadTransaction(t, doc)
				r := rendererFor(t, goldenConfig{model: model})
				out, rep, err := r.Render(nil, tx.Receipt)
				require.NoError(t, err)
				require.Empty(t, rep.Warnings)
				text, _ := r.Text(nil, tx.Receipt)
				base := filepath.Join("..", "testdata", "golden", doc, model)
				checkGolden(t, base+".bin", out)
				checkGolden(t, base+".txt", starDisassembly(t, out, p))
				checkGolden(t, base+".preview.txt", text)
			})
		}
		t.Run(model+"/whole", func(t *testing.T) {
			tx := loadTransaction(t, "pay-missing-sum")
			r := wholeRenderer(t, model, receipt.LogoRaster)
			out, rep, err := r.RenderTransaction(nil, tx)
			require.NoError(t, err)
			assert.Empty(t, rep.Warnings)
			text, _, err := r.TextTransaction(nil, tx)
			require.NoError(t, err)
			base := filepath.Join("..", "testdata", "golden", "whole", "pay-missing-sum-"+model)
			checkGolden(t, base+".bin", out)
			checkGolden(t, base+".txt", starDisassembly(t, out, p))
			checkGolden(t, base+".preview.txt", text)
		})
	}
}

// starDisassembly decodes a Star stream, insisting every command is sound.
func starDisassembly(t *testing.T, out []byte, p *escpos.Profile) []byte {
	t.Helper()
	cmds := star.Decode(out, p)
	for _, c := range cmds {
		require.NoError(t, c.Err, "%s", c.Name)
	}
	return star.AppendDisassembly(nil, cmds)
}

// The layout is the language's business only in bytes: the text preview of
// a StarPRNT and an ESC/POS printer with the same columns is the same.
func TestStarSameLayout(t *testing.T) {
	tx := loadTransaction(t, "pay-missing-sum")
	a := wholeRenderer(t, "mC-Print3", receipt.LogoRaster)
	b := wholeRenderer(t, "TM-T20II", receipt.LogoRaster) // 48 columns too
	ta, _, err := a.TextTransaction(nil, tx)
	require.NoError(t, err)
	tb, _, err := b.TextTransaction(nil, tx)
	require.NoError(t, err)
	assert.Equal(t, string(tb), string(ta))
}

func BenchmarkRenderLanguages(b *testing.B) {
	tx := loadTransaction(b, "pay-missing-sum")
	for _, model := range []string{"TM-T88V", "TSP600", "mC-Print3", "TSP650II"} {
		b.Run(model, func(b *testing.B) {
			r := wholeRenderer(b, model, receipt.LogoRaster)
			dst := make([]byte, 0, 32<<10)
			b.ReportAllocs()
			for b.Loop() {
				out, _, err := r.RenderTransaction(dst[:0], tx)
				if err != nil {
					b.Fatal(err)
				}
				dst = out
			}
			b.ReportMetric(float64(len(dst)), "bytes/receipt")
		})
	}
}
