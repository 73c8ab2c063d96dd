package receipt_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/receipt"
)

func pngOf(tb testing.TB, w, h int) string {
	tb.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0 // transparent
	}
	img.Set(0, 0, color.Black)
	var buf bytes.Buffer
	require.NoError(tb, png.Encode(&buf, img))
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func withFooter(blocks string) []byte {
	return []byte(`{"id":"STX_1","receipt":[{"type":"space"}],"footer":[` + blocks + `]}`)
}

func TestParseBlocks(t *testing.T) {
	tx, err := receipt.ParseTransaction(withFooter(`
		{"type":"qr","value":{"data":"STX_1","size":8,"ecc":"H","align":"left"}},
		{"type":"barcode","value":{"symbology":"ean13","data":"400638133393","hri":"below"}},
		{"type":"image","value":{"png":"` + pngOf(t, 1, 1) + `","dither":"threshold"}},
		{"type":"rule","value":{"char":"="}},
		{"type":"feed","value":{"lines":3}},
		{"type":"cut","value":{"mode":"full"}},
		{"type":"drawer","value":{"pin":5}},
		{"type":"basket"},
		{"type":"textline","value":{"text":"Danke","decoration":["important"]}}`))
	require.NoError(t, err)
	f := tx.Footer
	require.Len(t, f, 9)
	assert.Equal(t, receipt.BlockQR, f[0].Type)
	assert.Equal(t, escpos.QR{Data: "STX_1", Module: 8, Level: escpos.QRLevelH}, f[0].QR)
	assert.Equal(t, escpos.JustifyLeft, f[0].Align)
	assert.Equal(t, escpos.EAN13, f[1].Barcode.Symbology)
	assert.Equal(t, escpos.HRIBelow, f[1].Barcode.HRI)
	assert.Equal(t, escpos.JustifyCenter, f[1].Align, "codes are centred by default")
	require.NotNil(t, f[2].Image)
	assert.Equal(t, escpos.DitherThreshold, f[2].Image.Dither)
	assert.Equal(t, image.Rect(0, 0, 1, 1), f[2].Image.Img.Bounds())
	assert.Equal(t, byte('='), f[3].Rule)
	assert.Equal(t, 3, f[4].Lines)
	assert.Equal(t, escpos.CutFull, f[5].Cut)
	assert.Equal(t, escpos.DrawerPin5, f[6].Pin)
	assert.Equal(t, receipt.BlockBasket, f[7].Type)
	assert.Equal(t, receipt.BlockTextLine, f[8].Type)
	assert.Equal(t, receipt.Line{Type: receipt.TextLine, Text: "Danke", Decoration: receipt.Important}, f[8].Line)
}

// TestBlockErrors: every bad block is refused naming its section, index and
// field, so the service answers 422 and queues nothing.
func TestBlockErrors(t *testing.T) {
	tall := pngOf(t, 1, 20000)
	tests := []struct {
		name   string
		blocks string
		index  int
		field  string
		is     error
	}{
		{"unknown block type", `{"type":"space"},{"type":"hologram"}`, 1, "type", receipt.ErrUnknownBlock},
		{"negative feed", `{"type":"feed","value":{"lines":-1}}`, 0, "value.lines", receipt.ErrBadValue},
		{"feed without lines", `{"type":"feed"}`, 0, "value.lines", receipt.ErrMissingField},
		{"image not a PNG", `{"type":"image","value":{"png":"` + base64.StdEncoding.EncodeToString([]byte("GIF89a....")) + `"}}`, 0, "value.png", receipt.ErrBadImage},
		{"image not base64", `{"type":"image","value":{"png":"***"}}`, 0, "value.png", receipt.ErrBadImage},
		{"image 20000 px tall", `{"type":"image","value":{"png":"` + tall + `"}}`, 0, "value.png", receipt.ErrBadImage},
		{"image file from a request", `{"type":"image","value":{"file":"/etc/passwd"}}`, 0, "value.file", receipt.ErrBadValue},
		{"QR over capacity", `{"type":"qr","value":{"data":"` + strings.Repeat("x", 3000) + `","ecc":"H"}}`, 0, "value.data", receipt.ErrBadValue},
		{"QR module too big", `{"type":"qr","value":{"data":"x","size":17}}`, 0, "value.size", receipt.ErrBadValue},
		{"QR unknown level", `{"type":"qr","value":{"data":"x","ecc":"Z"}}`, 0, "value.ecc", receipt.ErrBadValue},
		{"QR misspelt member", `{"type":"qr","value":{"data":"x","szie":4}}`, 0, "value", receipt.ErrBadValue},
		{"EAN-13 letters", `{"type":"barcode","value":{"symbology":"ean13","data":"40063813339A"}}`, 0, "value.data", receipt.ErrBadValue},
		{"EAN-13 wrong check digit", `{"type":"barcode","value":{"symbology":"ean13","data":"4006381333932"}}`, 0, "value.data", receipt.ErrBadValue},
		{"CODE128 control byte", `{"type":"barcode","value":{"symbology":"code128","data":"A\u001bB"}}`, 0, "value.data", receipt.ErrBadValue},
		{"unknown symbology", `{"type":"barcode","value":{"symbology":"aztec","data":"1"}}`, 0, "value.symbology", receipt.ErrBadValue},
		{"barcode module width", `{"type":"barcode","value":{"symbology":"code39","data":"A","width":7}}`, 0, "value.width", receipt.ErrBadValue},
		{"drawer pin 3", `{"type":"drawer","value":{"pin":3}}`, 0, "value.pin", receipt.ErrBadValue},
		{"cut off", `{"type":"cut","value":{"mode":"off"}}`, 0, "value.mode", receipt.ErrBadValue},
		{"rule of two characters", `{"type":"rule","value":{"char":"=="}}`, 0, "value.char", receipt.ErrBadValue},
		{"textline as strict as a receipt line", `{"type":"textline","value":{"text":1}}`, 0, "value.text", receipt.ErrFieldType},
		{"textline unknown member", `{"type":"textline","value":{"text":"a","colour":"red"}}`, 0, "value.colour", receipt.ErrUnknownField},
		{"block not an object", `"space"`, 0, "", receipt.ErrFieldType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := receipt.ParseTransaction(withFooter(tt.blocks))
			var be *receipt.BlockError
			require.True(t, errors.As(err, &be), "want a BlockError, got %v", err)
			assert.Equal(t, "footer", be.Section)
			assert.Equal(t, tt.index, be.Index)
			assert.Equal(t, tt.field, be.Field)
			assert.ErrorIs(t, err, tt.is)
		})
	}
}

// TestReceiptStaysStrict: the secuconnect lines take only their four types
// even when the header may carry more.
func TestReceiptStaysStrict(t *testing.T) {
	_, err := receipt.ParseTransaction([]byte(`{"receipt":[{"type":"qr","value":{"data":"x"}}]}`))
	var le *receipt.LineError
	require.True(t, errors.As(err, &le))
	assert.ErrorIs(t, err, receipt.ErrUnknownType)
}

func TestDecodePNGLimits(t *testing.T) {
	// A header announcing 5000×5000 pixels is refused before any pixel is
	// decoded: a request cannot buy 100 MB of memory with a small file.
	img := image.NewGray(image.Rect(0, 0, 4097, 1))
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	_, err := receipt.DecodePNG(buf.Bytes())
	assert.ErrorIs(t, err, receipt.ErrBadImage)
	_, err = receipt.DecodePNG(make([]byte, receipt.MaxImageBytes+1))
	assert.ErrorIs(t, err, receipt.ErrBadImage)
}

// TestDocumentedBlocksParse: every block array and template shown in
// docs/receipts.md is what the parser takes.
func TestDocumentedBlocksParse(t *testing.T) {
	doc, err := os.ReadFile("../docs/receipts.md")
	require.NoError(t, err)
	n := 0
	for _, part := range strings.Split(string(doc), "```json\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		switch {
		case strings.HasPrefix(block, "["):
			_, err := receipt.ParseTransaction(withFooter(strings.TrimSpace(block)[1 : len(strings.TrimSpace(block))-1]))
			assert.NoError(t, err, "%s", block)
			n++
		case strings.Contains(block, `"locale"`):
			_, err := receipt.ParseTemplate([]byte(block), func(string) ([]byte, error) {
				return os.ReadFile("../testdata/templates/logo.png")
			})
			assert.NoError(t, err, "%s", block)
			n++
		}
	}
	assert.GreaterOrEqual(t, n, 2, "the docs' examples were found")
}
