package receipt_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/receipt"
)

// Issue 23 item 5: stored logos on a printer that keeps none this renderer
// can store follow one rule on every model: the logo prints as its picture
// and the report says so (no error, no stored logo asked for).
func TestStoredLogoOneRule(t *testing.T) {
	tpl, err := receipt.LoadTemplate(filepath.Join("..", "testdata", "templates", "bakery.json"))
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join("..", "testdata", "secuconnect", "pay-missing-sum.json"))
	require.NoError(t, err)
	tx, err := receipt.ParseTransaction(data)
	require.NoError(t, err)
	for _, tc := range []struct {
		id     string
		stores bool
	}{{"TM-T88V", true}, {"TSP100III", false}, {"ZJ-5870", false}, {"mC-Print3", false}, {"TSP650II", false}} {
		p, err := printers.Lookup(tc.id)
		require.NoError(t, err)
		r, err := receipt.NewRenderer(receipt.Options{Profile: p, EndCut: escpos.CutPartial,
			Template: tpl, Logos: receipt.LogoStored})
		require.NoError(t, err)
		_, rep, err := r.RenderTransaction(nil, tx)
		require.NoError(t, err, tc.id)
		warned := false
		for _, w := range rep.Warnings {
			if w.Kind == receipt.WarnCodeAsImage && w.Section == "template.header" {
				warned = true
				assert.Contains(t, w.Detail, "keeps no stored logos", tc.id)
			}
		}
		assert.Equal(t, !tc.stores, warned, tc.id)
		assert.Equal(t, tc.stores, len(rep.Logos) > 0, tc.id)
	}
}
