package escpostest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/escpostest"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/receipt"
)

// TestGoldenEuroWithDefaultOptions: a correct € receipt (the renderer
// picks CP858 with ESC t 19, as an Epson printer has it) passes Golden
// with default options, and its disassembly and paper show the € — not an
// unknown code page and � (issue 22 item 21).
func TestGoldenEuroWithDefaultOptions(t *testing.T) {
	for _, model := range []string{"TM-T88V", "TM-T20II", "default"} {
		t.Run(model, func(t *testing.T) {
			p, err := printers.Lookup(model)
			require.NoError(t, err)
			r, err := receipt.NewRenderer(receipt.Options{Profile: p, EndCut: escpos.CutPartial})
			require.NoError(t, err)
			got, rep, err := r.Render(nil, receipt.Receipt{{Type: receipt.NameValue, Name: "Summe", Value: "7,96 €"}})
			require.NoError(t, err)
			require.Empty(t, rep.Warnings)
			dir := t.TempDir()
			path := filepath.Join(dir, "euro.bin")
			on, off := true, false
			rec := &recorder{TB: t}
			escpostest.Options{Update: &on}.Golden(rec, got, path)
			require.Empty(t, rec.errs)
			rec = &recorder{TB: t}
			escpostest.Options{Update: &off}.Golden(rec, got, path)
			assert.Empty(t, rec.errs, "the same bytes pass")
			disasm, err := os.ReadFile(filepath.Join(dir, "euro.txt"))
			require.NoError(t, err)
			assert.Contains(t, string(disasm), `"€"`)
			assert.NotContains(t, string(disasm), "ERROR")
			assert.NotContains(t, string(disasm), "\uFFFD")

			// A changed receipt's diff shows the € too, and its paper.
			changed := []byte(strings.Replace(string(got), "7,96", "8,96", 1))
			rec = &recorder{TB: t}
			escpostest.Options{Update: &off}.Golden(rec, changed, path)
			require.Len(t, rec.errs, 1)
			assert.Contains(t, rec.errs[0], `"€"`)
			assert.NotContains(t, rec.errs[0], "ERROR")
			assert.NotContains(t, rec.errs[0], "\uFFFD")
		})
	}
}
