package receipt_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/receipt"
)

// TestTemplateCannotRunLong: issue 22's endless range and 20 MB
// expansions are refused when the template is loaded, naming the block
// and field; nothing a template may do loops or recurses.
func TestTemplateCannotRunLong(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"endless range", `{{range 1000000000000}}{{end}}`, "range is not allowed"},
		{"range over a string", `{{range $i, $c := .Merchant}}x{{end}}`, "range is not allowed"},
		{"recursion", `{{define "a"}}{{template "a" .}}{{template "a" .}}{{end}}{{template "a" .}}`, "not allowed"},
		{"block", `{{block "b" .}}x{{end}}`, "not allowed"},
		{"huge width", `{{printf "%999999d" 1}}`, "too large"},
		{"width from an argument", `{{printf "%*d" 100000 1}}`, "too large"},
		{"huge precision", `{{printf "%.5000s" .Merchant}}`, "too large"},
		{"format from the request", `{{printf .Merchant}}`, "quoted string"},
		{"call", `{{call .ID}}`, `"call" is not allowed`},
		{"over a field's limit", strings.Repeat(`{{printf "%90d" 1}}`, 50), "placeholder output too long"},
		{"misspelt field", `{{.Nope}}`, "can't evaluate field Nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := `{"footer":[{"type":"space"},{"type":"textline","value":{"text":` + quote(tt.text) + `}}]}`
			start := time.Now()
			_, err := receipt.ParseTemplate([]byte(doc), nil)
			var be *receipt.BlockError
			require.ErrorAs(t, err, &be, "%v", err)
			assert.Equal(t, "template.footer", be.Section)
			assert.Equal(t, 1, be.Index)
			assert.Equal(t, "value.text", be.Field)
			assert.Contains(t, err.Error(), tt.want)
			assert.Less(t, time.Since(start), 5*time.Second)
		})
	}
	// What templates are for still loads.
	_, err := receipt.ParseTemplate([]byte(`{"header":[{"type":"textline","value":{"text":`+
		quote(`{{if eq .PaymentMethod "cash"}}Bar{{else}}{{.PaymentMethod | printf "%-10q"}}{{end}} {{len .ID}} {{slice .ID 0 3}}`)+`}}]}`), nil)
	require.NoError(t, err)
}

// TestTemplateOutputIsBounded: many placeholders that each stay within a
// field together stop at MaxTemplateOutput for the receipt, naming the
// block where the budget ran out.
func TestTemplateOutputIsBounded(t *testing.T) {
	field := quote(strings.Repeat(`{{.Merchant}}`, 200)) // 200 × the merchant
	var blocks []string
	for range 600 {
		blocks = append(blocks, `{"type":"textline","value":{"text":`+field+`}}`)
	}
	tpl, err := receipt.ParseTemplate([]byte(`{"header":[`+strings.Join(blocks, ",")+`]}`), nil)
	require.NoError(t, err, "each field is small for the sample")
	p, _ := printers.Lookup("TM-T88V")
	r, err := receipt.NewRenderer(receipt.Options{Profile: p, Template: tpl})
	require.NoError(t, err)
	tx, err := receipt.ParseTransaction([]byte(`{"merchant":{"companyname":"` + strings.Repeat("M", 20) + `"},"receipt":[]}`))
	require.NoError(t, err)
	_, _, err = r.RenderTransaction(nil, tx)
	var be *receipt.BlockError
	require.ErrorAs(t, err, &be)
	assert.ErrorIs(t, err, receipt.ErrTemplateOutput)
	assert.Equal(t, receipt.MaxTemplateOutput/(200*20), be.Index)
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	b.WriteByte('"')
	return b.String()
}

// TestTemplateCodeWithoutDataIsSkipped: the bare {"receipt": […]} form has
// no transaction id; the template's QR of {{.ID}} (and a barcode of
// {{.TransID}}) is left out, not a 422 "qr: no data" (issue 22 item 10).
func TestTemplateCodeWithoutDataIsSkipped(t *testing.T) {
	tpl, err := receipt.ParseTemplate([]byte(`{"footer":[
		{"type":"textline","value":{"text":"Danke"}},
		{"type":"qr","value":{"data":"{{.ID}}"}},
		{"type":"barcode","value":{"symbology":"code128","data":"{{.TransID}}"}}]}`), nil)
	require.NoError(t, err)
	p, _ := printers.Lookup("TM-T88V")
	r, err := receipt.NewRenderer(receipt.Options{Profile: p, Template: tpl})
	require.NoError(t, err)
	tx, err := receipt.ParseTransaction([]byte(`{"receipt":[{"type":"textline","value":{"text":"Brot"}}]}`))
	require.NoError(t, err)
	text, _, err := r.TextTransaction(nil, tx)
	require.NoError(t, err)
	assert.Equal(t, "Brot\nDanke\n", string(text))
	_, _, err = r.RenderTransaction(nil, tx)
	require.NoError(t, err)

	// With an id, the code prints.
	tx, err = receipt.ParseTransaction([]byte(`{"id":"STX_1","trans_id":"42","receipt":[]}`))
	require.NoError(t, err)
	text, _, err = r.TextTransaction(nil, tx)
	require.NoError(t, err)
	assert.Contains(t, string(text), `[qr "STX_1"]`)
	assert.Contains(t, string(text), `[barcode CODE128 "42"]`)
}
