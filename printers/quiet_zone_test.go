package printers_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/receipt"
)

// Issue 23 item 1: codes sent back to back (two QR codes, a barcode without
// text above a QR code) each keep their quiet zone, so every one of them
// scans off the paper (zbarimg) on ESC/POS and Star printers alike.
func TestCodesBackToBackScan(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "documents", "whole-receipt.json"))
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	doc["receipt"] = []any{}
	doc["footer"] = []any{
		map[string]any{"type": "qr", "value": map[string]any{"data": "FIRST-QR-1", "size": 6, "ecc": "M"}},
		map[string]any{"type": "qr", "value": map[string]any{"data": "SECOND-QR-2", "size": 6, "ecc": "M"}},
		map[string]any{"type": "barcode", "value": map[string]any{"symbology": "code128", "data": "BAR-12345", "hri": "none"}},
		map[string]any{"type": "qr", "value": map[string]any{"data": "THIRD-QR-3", "size": 4, "ecc": "M"}},
	}
	data, err = json.Marshal(doc)
	require.NoError(t, err)
	tx, err := receipt.ParseTransaction(data)
	require.NoError(t, err)
	for _, id := range []string{"TM-T88V", "TSP650II", "TSP100III", "mC-Print3"} {
		t.Run(id, func(t *testing.T) {
			p, err := printers.Lookup(id)
			require.NoError(t, err)
			r, err := receipt.NewRenderer(receipt.Options{Profile: p, EndCut: escpos.CutPartial})
			require.NoError(t, err)
			job, _, err := r.RenderTransaction(nil, tx) // in the printer's language
			require.NoError(t, err)
			tk := previewTicket(t, p, job)
			assert.ElementsMatch(t, []string{"QR-Code:FIRST-QR-1", "QR-Code:SECOND-QR-2", "CODE-128:BAR-12345", "QR-Code:THIRD-QR-3"}, zbarScan(t, tk))
		})
	}
}

// Issue 23 item 1, 1D codes: barcodes without text back to back, and next
// to QR codes on either side, each keep 10 modules of quiet zone above and
// below (and across the paper), so zbarimg reads every one of them.
func TestBarcodesBackToBackScan(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "documents", "whole-receipt.json"))
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	bar := func(sym, data string) map[string]any {
		return map[string]any{"type": "barcode", "value": map[string]any{"symbology": sym, "data": data, "hri": "none"}}
	}
	doc["receipt"] = []any{}
	doc["footer"] = []any{
		bar("ean13", "400638133393"),
		bar("code128", "FIRST-128"),
		bar("code39", "ABC-39"),
		map[string]any{"type": "qr", "value": map[string]any{"data": "MIDDLE-QR", "size": 4, "ecc": "M"}},
		bar("code128", "AFTER-QR"),
		bar("itf", "12345678"),
		bar("ean8", "1234567"),
	}
	data, err = json.Marshal(doc)
	require.NoError(t, err)
	tx, err := receipt.ParseTransaction(data)
	require.NoError(t, err)
	for _, id := range []string{"TM-T88V", "TSP650II", "TSP100III", "mC-Print3"} {
		t.Run(id, func(t *testing.T) {
			p, err := printers.Lookup(id)
			require.NoError(t, err)
			r, err := receipt.NewRenderer(receipt.Options{Profile: p, EndCut: escpos.CutPartial})
			require.NoError(t, err)
			job, rep, err := r.RenderTransaction(nil, tx)
			require.NoError(t, err)
			for _, w := range rep.Warnings {
				assert.NotEqual(t, receipt.WarnQuietZone, w.Kind, "%s", w)
			}
			tk := previewTicket(t, p, job)
			assert.ElementsMatch(t, []string{"EAN-13:4006381333931", "CODE-128:FIRST-128", "CODE-39:ABC-39", "QR-Code:MIDDLE-QR",
				"CODE-128:AFTER-QR", "I2/5:12345678", "EAN-8:12345670"}, zbarScan(t, tk))
		})
	}
}
