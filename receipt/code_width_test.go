package receipt_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/receipt"
)

// Issue 23 item 4: a code too wide for the head, found only while
// encoding, is a rejected document (ErrDocument) naming its block, for
// ESC/POS and Star alike, so the CLI (exit 3) and the service (422) map it
// like any other document fault.
func TestCodeTooWideIsDocumentError(t *testing.T) {
	tx, err := receipt.ParseTransaction([]byte(`{"receipt":[],"footer":[{"type":"space"},
		{"type":"barcode","value":{"symbology":"code128","data":"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"}}]}`))
	require.NoError(t, err)
	for _, id := range []string{"TM-T88V", "ZJ-5870", "mC-Print3", "TSP650II"} {
		p, err := printers.Lookup(id)
		require.NoError(t, err)
		r, err := receipt.NewRenderer(receipt.Options{Profile: p, EndCut: escpos.CutPartial})
		require.NoError(t, err)
		_, _, err = r.RenderTransaction(nil, tx)
		require.Error(t, err, id)
		assert.True(t, errors.Is(err, receipt.ErrDocument), "%s: %v", id, err)
		var be *receipt.BlockError
		require.True(t, errors.As(err, &be), id)
		assert.Equal(t, "footer", be.Section, id)
		assert.Equal(t, 1, be.Index, id)
	}
}
