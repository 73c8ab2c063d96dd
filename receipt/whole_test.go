package receipt_test

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/escpos/paper"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/receipt"
)

// wholeModels are the 80 mm and 58 mm printers the whole receipts are kept for.
var wholeModels = []string{"TM-T88V", "ZJ-5870"}

func bakeryTemplate(tb testing.TB) *receipt.Template {
	tb.Helper()
	tpl, err := receipt.LoadTemplate(filepath.Join("..", "testdata", "templates", "bakery.json"))
	require.NoError(tb, err)
	return tpl
}

func wholeRenderer(tb testing.TB, model string, logos receipt.LogoMode) *receipt.Renderer {
	tb.Helper()
	p, err := printers.Lookup(model)
	require.NoError(tb, err)
	r, err := receipt.NewRenderer(receipt.Options{Profile: p, EndCut: escpos.CutPartial, Template: bakeryTemplate(tb), Logos: logos})
	require.NoError(tb, err)
	return r
}

// TestGoldenWhole keeps each documented transaction as a whole receipt (the
// bakery template: logo, merchant, date, basket with VAT, the secuconnect
// lines, a QR code of the transaction id, the drawer) on an 80 mm and a
// 58 mm printer: bytes, disassembly, text preview and the virtual printer's
// PNG.
func TestGoldenWhole(t *testing.T) {
	for _, doc := range documented {
		tx := loadTransaction(t, doc)
		for _, model := range wholeModels {
			t.Run(doc+"/"+model, func(t *testing.T) {
				r := wholeRenderer(t, model, receipt.LogoRaster)
				out, rep, err := r.RenderTransaction(nil, tx)
				require.NoError(t, err)
				p, err := printers.Lookup(model)
				require.NoError(t, err)
				for _, w := range rep.Warnings {
					// A printer without native QR prints its picture: said, not hidden.
					assert.Equal(t, receipt.WarnCodeAsImage, w.Kind, "%v", w)
					assert.False(t, p.Features.QRCode)
				}
				text, _, err := r.TextTransaction(nil, tx)
				require.NoError(t, err)
				base := filepath.Join("..", "testdata", "golden", "whole", doc+"-"+model)
				checkGolden(t, base+".bin", out)
				checkGolden(t, base+".txt", decode.AppendDisassembly(nil, decode.Decode(out, p)))
				checkGolden(t, base+".preview.txt", text)
				res := paper.Print(out, p)
				require.Len(t, res.Tickets, 1)
				var png bytes.Buffer
				require.NoError(t, res.Tickets[0].PNG(&png))
				checkGolden(t, base+".png", png.Bytes())
			})
		}
	}
}

// TestStoredLogo: with the logo in the printer's NV memory a receipt prints
// it by key, and the define that stores it is what Report.Logos asks for.
func TestStoredLogo(t *testing.T) {
	tx := loadTransaction(t, "pay-missing-sum")
	raster, _, err := wholeRenderer(t, "TM-T88V", receipt.LogoRaster).RenderTransaction(nil, tx)
	require.NoError(t, err)
	r := wholeRenderer(t, "TM-T88V", receipt.LogoStored)
	stored, rep, err := r.RenderTransaction(nil, tx)
	require.NoError(t, err)
	require.Len(t, rep.Logos, 1)
	assert.Equal(t, escpos.LogoKey{'L', 'G'}, rep.Logos[0].Key)
	byKey, err := escpos.AppendPrintLogo(nil, rep.Logos[0].Key)
	require.NoError(t, err)
	assert.True(t, bytes.Contains(stored, byKey))
	perReceipt := len(stored) - (len(raster) - rasterBytes(t, raster))
	assert.LessOrEqual(t, perReceipt, 16, "a stored logo costs at most 16 bytes a receipt")

	define, err := receipt.AppendDefineLogos(nil, rep.Logos)
	require.NoError(t, err)
	p, _ := printers.Lookup("TM-T88V")
	res := paper.Print(append(define, stored...), p)
	require.Len(t, res.Tickets, 1)
	assert.Empty(t, res.Problems)

	// A printer without NV graphics gets the raster, whatever the mode.
	r58 := wholeRenderer(t, "ZJ-5870", receipt.LogoStored)
	_, rep58, err := r58.RenderTransaction(nil, tx)
	require.NoError(t, err)
	assert.Empty(t, rep58.Logos)
}

// rasterBytes counts the bytes of GS v 0 commands in a stream.
func rasterBytes(t *testing.T, b []byte) int {
	n := 0
	for _, c := range decode.Decode(b, nil) {
		if c.Name == "GS v 0" {
			n += len(c.Raw)
		}
	}
	require.NotZero(t, n)
	return n
}

func TestTemplatePlaceholders(t *testing.T) {
	tpl, err := receipt.ParseTemplate([]byte(`{"locale":"en","header":[
		{"type":"textline","value":{"text":"{{.Merchant}} – {{date .Created \"2006-01-02\"}}"}},
		{"type":"barcode","value":{"symbology":"code128","data":"{{.TransID}}"}}],
		"footer":[{"type":"qr","value":{"data":"https://example.org/r/{{.ID}}"}}]}`), nil)
	require.NoError(t, err)
	p, _ := printers.Lookup("TM-T88V")
	r, err := receipt.NewRenderer(receipt.Options{Profile: p, Template: tpl})
	require.NoError(t, err)
	text, _, err := r.TextTransaction(nil, loadTransaction(t, "pay-missing-sum"))
	require.NoError(t, err)
	assert.Contains(t, string(text), "John's Bakery – 2020-09-17")
	assert.Contains(t, string(text), "[barcode CODE128 \"29187332\"]")
	assert.Contains(t, string(text), "https://example.org/r/STX_KJXJDUN542NR3WMRHRVU5WWM6ZQEA2")

	// A placeholder naming nothing is an error of that block when the
	// template is loaded (tried on a sample transaction), not an empty
	// line, nor a failure of every receipt later.
	_, err = receipt.ParseTemplate([]byte(`{"header":[{"type":"textline","value":{"text":"{{.Nope}}"}}]}`), nil)
	var be *receipt.BlockError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "template.header", be.Section)
	assert.Equal(t, "value.text", be.Field)
	assert.Contains(t, err.Error(), "Nope")

	// Filled-in data a symbology cannot hold names the block too.
	tpl, err = receipt.ParseTemplate([]byte(`{"footer":[{"type":"barcode","value":{"symbology":"ean13","data":"{{.ID}}"}}]}`), nil)
	require.NoError(t, err)
	r, err = receipt.NewRenderer(receipt.Options{Profile: p, Template: tpl})
	require.NoError(t, err)
	_, _, err = r.RenderTransaction(nil, loadTransaction(t, "pay-missing-sum"))
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "template.footer", be.Section)
	assert.Equal(t, 0, be.Index)

	_, err = receipt.ParseTemplate([]byte(`{"header":[{"type":"textline","value":{"text":"{{.ID"}}]}`), nil)
	assert.ErrorIs(t, err, receipt.ErrBadValue)
	_, err = receipt.ParseTemplate([]byte(`{"headr":[]}`), nil)
	assert.ErrorIs(t, err, receipt.ErrSyntax)
}

// TestBasketSumMismatch: a basket whose products do not add up to
// basket_info.sum prints the products' total and says so.
func TestBasketSumMismatch(t *testing.T) {
	tx, err := receipt.ParseTransaction([]byte(`{"receipt":[],"header":[{"type":"basket"}],
		"basket":{"products":[{"desc":"Brot","quantity":1,"priceOne":250,"tax":7}]},
		"basket_info":{"sum":300,"currency":"EUR"}}`))
	require.NoError(t, err)
	p, _ := printers.Lookup("TM-T88V")
	r, err := receipt.NewRenderer(receipt.Options{Profile: p})
	require.NoError(t, err)
	text, rep, err := r.TextTransaction(nil, tx)
	require.NoError(t, err)
	assert.Contains(t, string(text), "2,50 EUR")
	assert.NotContains(t, string(text), "3,00")
	require.Len(t, rep.Warnings, 1)
	assert.Equal(t, receipt.WarnBasketSum, rep.Warnings[0].Kind)
	assert.Equal(t, "header[0]: basket sum mismatch: the products add up to 2,50 EUR but basket_info.sum is 3,00 EUR; the receipt shows 2,50 EUR", rep.Warnings[0].String())

	// No basket at all: the block prints nothing and says why.
	tx, err = receipt.ParseTransaction([]byte(`{"receipt":[],"footer":[{"type":"basket"}]}`))
	require.NoError(t, err)
	_, rep, err = r.TextTransaction(nil, tx)
	require.NoError(t, err)
	require.Len(t, rep.Warnings, 1)
	assert.Equal(t, receipt.WarnNoBasket, rep.Warnings[0].Kind)

	// A malformed basket is refused when a block prints it, naming the member.
	tx, err = receipt.ParseTransaction([]byte(`{"receipt":[],"footer":[{"type":"basket"}],"basket":{"products":[{"desc":"x","quantity":1,"priceOne":"3","tax":7}]}}`))
	require.NoError(t, err, "a transaction whose receipt does not print its basket is not refused for it")
	_, _, err = r.RenderTransaction(nil, tx)
	var be *receipt.BlockError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "footer", be.Section)
	assert.Contains(t, err.Error(), "basket.products[0].priceOne")
}

// TestReceiptOnlyUnchanged: a transaction without header, footer or
// template renders byte for byte as Render always did.
func TestReceiptOnlyUnchanged(t *testing.T) {
	for _, doc := range documented {
		tx := loadTransaction(t, doc)
		for _, c := range goldenConfigs {
			r := rendererFor(t, c)
			a, _, err := r.Render(nil, tx.Receipt)
			require.NoError(t, err)
			b, _, err := r.RenderTransaction(nil, tx)
			require.NoError(t, err)
			assert.Equal(t, a, b, "%s %s", doc, c.name)
		}
	}
}

// BenchmarkRenderWhole: the whole "pay the missing sum" receipt with logo and
// QR, on an 80 mm Epson, as raster logo and as stored logo.
func BenchmarkRenderWhole(b *testing.B) {
	tx := loadTransaction(b, "pay-missing-sum")
	for _, m := range []struct {
		name string
		mode receipt.LogoMode
	}{{"raster-logo", receipt.LogoRaster}, {"stored-logo", receipt.LogoStored}} {
		b.Run(m.name, func(b *testing.B) {
			r := wholeRenderer(b, "TM-T88V", m.mode)
			dst := make([]byte, 0, 16<<10)
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

// TestDrawerPolicy: the printer's drawer policy adds one kick, for cash
// payments or always, and never a second one where the document has its own.
func TestDrawerPolicy(t *testing.T) {
	p, _ := printers.Lookup("TM-T88V")
	kick, err := escpos.AppendPulse(nil, escpos.DrawerPin5, 25, 250)
	require.NoError(t, err)
	cash := loadTransaction(t, "pay-missing-sum") // payment_method "cash"
	card, err := receipt.ParseTransaction([]byte(`{"payment_method":"card","receipt":[{"type":"space"}]}`))
	require.NoError(t, err)
	own, err := receipt.ParseTransaction([]byte(`{"payment_method":"cash","receipt":[],"footer":[{"type":"drawer","value":{"pin":5}}]}`))
	require.NoError(t, err)
	for _, tt := range []struct {
		policy receipt.DrawerPolicy
		tx     *receipt.Transaction
		kicks  int
	}{
		{receipt.DrawerNever, cash, 0},
		{receipt.DrawerCash, cash, 1},
		{receipt.DrawerCash, card, 0},
		{receipt.DrawerAlways, card, 1},
		{receipt.DrawerAlways, own, 1},
	} {
		r, err := receipt.NewRenderer(receipt.Options{Profile: p, Drawer: tt.policy, DrawerPin: escpos.DrawerPin5})
		require.NoError(t, err)
		out, _, err := r.RenderTransaction(nil, tt.tx)
		require.NoError(t, err)
		assert.Equal(t, tt.kicks, bytes.Count(out, kick), "%v %s", tt.policy, tt.tx.PaymentMethod)
	}
	_, err = receipt.ParseDrawerPolicy("sometimes")
	assert.Error(t, err)
}

// TestWholeReceiptCodesReadBack: the QR code at the foot of every whole
// receipt golden, as the virtual printer draws it, reads back with zbar
// (software we did not write) as the transaction's id, and the document's
// CODE128 as its TA code.
func TestWholeReceiptCodesReadBack(t *testing.T) {
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("zbarimg missing: make test-deps installs zbar-tools")
		}
		t.Skip("zbarimg not installed (apt-get install zbar-tools)")
	}
	read := func(t *testing.T, path, symbology string) string {
		t.Helper()
		out, err := exec.Command(zbar, "--raw", "-q", "-Sdisable", "-S"+symbology+".enable", path).Output()
		require.NoError(t, err, "zbarimg found no %s in %s", symbology, path)
		return strings.TrimSpace(string(out))
	}
	for _, doc := range documented {
		tx := loadTransaction(t, doc)
		for _, model := range wholeModels {
			path := filepath.Join("..", "testdata", "golden", "whole", doc+"-"+model+".png")
			assert.Equal(t, tx.ID, read(t, path, "qrcode"), path)
		}
	}
	data, err := os.ReadFile(filepath.Join("..", "testdata", "documents", "whole-receipt.json"))
	require.NoError(t, err)
	tx, err := receipt.ParseTransaction(data)
	require.NoError(t, err)
	for _, model := range wholeModels {
		p, _ := printers.Lookup(model)
		r, err := receipt.NewRenderer(receipt.Options{Profile: p, EndCut: escpos.CutPartial})
		require.NoError(t, err)
		out, _, err := r.RenderTransaction(nil, tx)
		require.NoError(t, err)
		res := paper.Print(out, p)
		require.Len(t, res.Tickets, 1)
		path := filepath.Join(t.TempDir(), model+".png")
		f, err := os.Create(path)
		require.NoError(t, err)
		require.NoError(t, res.Tickets[0].PNG(f))
		require.NoError(t, f.Close())
		assert.Equal(t, "29187332", read(t, path, "code128"), model)
		assert.Equal(t, tx.ID, read(t, path, "qrcode"), model)
	}
}

func TestRendererCopyMarkMatchesESCPOS(t *testing.T) {
	p, err := printers.Lookup("TM-T88V")
	require.NoError(t, err)
	r, err := receipt.NewRenderer(receipt.Options{Profile: p})
	require.NoError(t, err)
	got, err := r.AppendCopyMark(nil)
	require.NoError(t, err)
	want, err := receipt.AppendCopyMark(nil)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

// TestDocumentPictureIsNeverStored: a transaction's own picture marked
// "store" prints as a raster with a warning, on a printer that stores the
// template's logo; only the template's logo is in Report.Logos (issue 22
// item 7: 51 POSTs made 76 NV writes).
func TestDocumentPictureIsNeverStored(t *testing.T) {
	logo, err := os.ReadFile("../testdata/templates/logo.png")
	require.NoError(t, err)
	doc := `{"id":"STX_1","receipt":[],"header":[{"type":"image","value":{"png":"` +
		base64.StdEncoding.EncodeToString(logo) + `","store":true,"key":"XY"}}]}`
	tx, err := receipt.ParseTransaction([]byte(doc))
	require.NoError(t, err)
	r := wholeRenderer(t, "TM-T88V", receipt.LogoStored)
	out, rep, err := r.RenderTransaction(nil, tx)
	require.NoError(t, err)
	require.Len(t, rep.Logos, 1, "the template's logo only")
	assert.Equal(t, escpos.LogoKey{'L', 'G'}, rep.Logos[0].Key)
	byKey, err := escpos.AppendPrintLogo(nil, escpos.LogoKey{'X', 'Y'})
	require.NoError(t, err)
	assert.False(t, bytes.Contains(out, byKey), "the document's picture is not printed by key")
	var warned []string
	for _, w := range rep.Warnings {
		if w.Kind == receipt.WarnNotStored {
			warned = append(warned, w.String())
		}
	}
	assert.Equal(t, []string{"header[0].value.store: printed as a raster, not stored: only the printer's template may store a logo in the printer"}, warned)
	define, err := receipt.AppendDefineLogos(nil, rep.Logos)
	require.NoError(t, err)
	p, _ := printers.Lookup("TM-T88V")
	res := paper.Print(append(define, out...), p)
	assert.Empty(t, res.Problems)
	assert.Greater(t, rasterBytes(t, out), 1000, "the document's picture went as a raster")
}

// TestTemplateAndDocumentHeaders: a document with its own header and
// footer printed with a template that has them too prints both and says
// so (issue 22 item 18: the README's example printed the merchant, the
// basket and the QR code twice); either alone says nothing.
func TestTemplateAndDocumentHeaders(t *testing.T) {
	doc, err := os.ReadFile("../testdata/documents/whole-receipt.json")
	require.NoError(t, err)
	tx, err := receipt.ParseTransaction(doc)
	require.NoError(t, err)
	twice := func(rep receipt.Report) []string {
		var s []string
		for _, w := range rep.Warnings {
			if w.Kind == receipt.WarnTwoHeaders {
				s = append(s, w.String())
			}
		}
		return s
	}
	_, rep, err := wholeRenderer(t, "TM-T88V", receipt.LogoRaster).RenderTransaction(nil, tx)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"header[0]: template and document both bring one: the printer's template has a header too, and both print: leave one out if the receipt shows things twice",
		"footer[0]: template and document both bring one: the printer's template has a footer too, and both print: leave one out if the receipt shows things twice",
	}, twice(rep))

	p, _ := printers.Lookup("TM-T88V")
	r, err := receipt.NewRenderer(receipt.Options{Profile: p})
	require.NoError(t, err)
	text, rep, err := r.TextTransaction(nil, tx)
	require.NoError(t, err)
	assert.Empty(t, twice(rep), "the document alone")
	assert.Equal(t, 1, strings.Count(string(text), "[qr "), "one QR code:\n%s", text)

	plain := loadTransaction(t, "pay-missing-sum")
	_, rep, err = wholeRenderer(t, "TM-T88V", receipt.LogoRaster).RenderTransaction(nil, plain)
	require.NoError(t, err)
	assert.Empty(t, twice(rep), "the template alone")
}
