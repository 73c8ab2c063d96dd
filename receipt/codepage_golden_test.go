package receipt_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/receipt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// codePageConfigs are printers whose tables differ in how they hold German
// text: the TM-T88V has PC437, PC850, PC858 and WPC1252 (and ISO-8859-7 in
// the lowest slot holding €); the ZJ-5870 has WPC1252 but no PC858; the
// TM-U220 has PC437 only, so €, „ “ – … must fall back, reported.
var codePageConfigs = []struct {
	name      string
	model     string
	fallbacks int // characters no table of the printer holds
}{
	{name: "TM-T88V", model: "TM-T88V"},
	{name: "ZJ-5870", model: "ZJ-5870"},
	{name: "TM-U220-cp437-only", model: "TM-U220", fallbacks: 10},
	{name: "default", model: "default"},
}

// TestCodePageGolden pins the code-page choice (ESC t and the bytes ≥ 0x80)
// for a receipt of umlauts, €, „“ and dashes, with bytes, disassembly and
// preview under testdata/golden/codepages. A missing golden fails; -update
// rewrites them.
func TestCodePageGolden(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "receipts", "umlauts.json"))
	require.NoError(t, err)
	tx, err := receipt.ParseTransaction(data)
	require.NoError(t, err)
	for _, c := range codePageConfigs {
		t.Run(c.name, func(t *testing.T) {
			p, err := printers.Lookup(c.model)
			require.NoError(t, err)
			r, err := receipt.NewRenderer(receipt.Options{Profile: p, EndCut: escpos.CutPartial})
			require.NoError(t, err)
			out, rep, err := r.Render(nil, tx.Receipt)
			require.NoError(t, err)
			fallbacks := 0
			for _, w := range rep.Warnings {
				require.Equal(t, receipt.WarnFallback, w.Kind, "%v", w)
				fallbacks++
			}
			assert.Equal(t, c.fallbacks, fallbacks, "%v", rep.Warnings)
			text, _ := r.Text(nil, tx.Receipt)
			base := filepath.Join("..", "testdata", "golden", "codepages", c.name)
			checkGolden(t, base+".bin", out)
			checkGolden(t, base+".txt", decode.AppendDisassembly(nil, decode.Decode(out, p)))
			checkGolden(t, base+".preview.txt", text)
		})
	}
}
