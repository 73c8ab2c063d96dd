package receipt_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/receipt"
)

// bombPNG is a few kilobytes of PNG announcing a w×h 16-bit RGBA picture
// (8 bytes a pixel once decoded): the picture bomb's brick.
func bombPNG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	require.NoError(tb, png.Encode(&buf, image.NewNRGBA64(image.Rect(0, 0, w, h))))
	return buf.Bytes()
}

// bombDocument is a transaction whose footer holds n such pictures of
// 1024×512 (4 MiB decoded each).
func bombDocument(tb testing.TB, n int) []byte {
	b64 := base64.StdEncoding.EncodeToString(bombPNG(tb, 1024, 512))
	blocks := make([]string, n)
	for i := range blocks {
		blocks[i] = `{"type":"image","value":{"png":"` + b64 + `"}}`
	}
	return withFooter(strings.Join(blocks, ","))
}

// TestPictureBombRefused: 19 small PNGs that announce 4 MiB pictures each
// (issue 22: 1.1 GB of RSS for one 964 KB request) are refused at the
// third, the first over the document's budget, naming that block; a
// header's pictures count against the same budget as the footer's.
func TestPictureBombRefused(t *testing.T) {
	doc := bombDocument(t, 19)
	assert.Less(t, len(doc), 200<<10, "the bomb is small")
	_, err := receipt.ParseTransaction(doc)
	var be *receipt.BlockError
	require.True(t, errors.As(err, &be), "want a BlockError, got %v", err)
	assert.Equal(t, "footer", be.Section)
	assert.Equal(t, 2, be.Index)
	assert.Equal(t, "value.png", be.Field)
	assert.ErrorIs(t, err, receipt.ErrImageBudget)
	assert.ErrorIs(t, err, receipt.ErrBadImage)
	assert.Contains(t, err.Error(), "1024x512 picture decodes to 4096 KiB, 0 KiB of the 8192 KiB left")

	// Two fit exactly.
	_, err = receipt.ParseTransaction(bombDocument(t, 2))
	require.NoError(t, err)

	// Header and footer share the budget.
	b64 := base64.StdEncoding.EncodeToString(bombPNG(t, 1024, 512))
	img := `{"type":"image","value":{"png":"` + b64 + `"}}`
	doc = []byte(`{"receipt":[],"header":[` + img + `,` + img + `],"footer":[` + img + `]}`)
	_, err = receipt.ParseTransaction(doc)
	require.True(t, errors.As(err, &be), "want a BlockError, got %v", err)
	assert.Equal(t, "footer", be.Section)
	assert.Equal(t, 0, be.Index)

	// A template's pictures have a budget of their own, as big.
	tpl := []byte(`{"header":[` + img + `,` + img + `,` + img + `]}`)
	_, err = receipt.ParseTemplate(tpl, nil)
	require.True(t, errors.As(err, &be), "want a BlockError, got %v", err)
	assert.Equal(t, "template.header", be.Section)
	assert.Equal(t, 2, be.Index)
}

// TestPictureCostMatchesDecoder: the budget charges at least what
// image/png allocates for each colour type, depth and interlacing, and
// the refused picture's pixels are never decoded.
func TestPictureCostMatchesDecoder(t *testing.T) {
	files, _ := filepath.Glob("../testdata/*/*.png")
	files = append(files, "../testdata/templates/logo.png")
	seen := 0
	for _, name := range files {
		data, err := os.ReadFile(name)
		require.NoError(t, err)
		img, err := receipt.DecodePNG(data)
		if err != nil {
			continue
		}
		seen++
		assert.LessOrEqual(t, pixBytes(img), receipt.PictureCost(t, data), name)
	}
	assert.Positive(t, seen)
	for _, img := range []image.Image{
		image.NewGray(image.Rect(0, 0, 300, 200)), image.NewGray16(image.Rect(0, 0, 300, 200)),
		image.NewNRGBA(image.Rect(0, 0, 300, 200)), image.NewRGBA64(image.Rect(0, 0, 300, 200)),
		image.NewNRGBA64(image.Rect(0, 0, 300, 200)), image.NewPaletted(image.Rect(0, 0, 300, 200), []color.Color{color.White, color.Black}),
	} {
		var buf bytes.Buffer
		require.NoError(t, png.Encode(&buf, img))
		got, err := receipt.DecodePNG(buf.Bytes())
		require.NoError(t, err)
		assert.LessOrEqual(t, pixBytes(got), receipt.PictureCost(t, buf.Bytes()), "%T", img)
	}

	// 1024×1024 of 16-bit RGBA is the whole budget; one pixel row more
	// is refused without a decode.
	bomb := bombPNG(t, 1024, 1025)
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	_, err := receipt.DecodePNG(bomb)
	runtime.ReadMemStats(&m1)
	assert.ErrorIs(t, err, receipt.ErrImageBudget)
	assert.Less(t, m1.TotalAlloc-m0.TotalAlloc, uint64(1<<20), "bytes allocated refusing the bomb")
}

// pixBytes is the size of a decoded picture's pixel buffer.
func pixBytes(img image.Image) int64 {
	switch m := img.(type) {
	case *image.Gray:
		return int64(len(m.Pix))
	case *image.Gray16:
		return int64(len(m.Pix))
	case *image.RGBA:
		return int64(len(m.Pix))
	case *image.NRGBA:
		return int64(len(m.Pix))
	case *image.RGBA64:
		return int64(len(m.Pix))
	case *image.NRGBA64:
		return int64(len(m.Pix))
	case *image.Paletted:
		return int64(len(m.Pix))
	}
	return 1 << 40
}

// TestRequestPicturesAreNotKept: a renderer kept for the next receipt
// (the service pools them) holds no reference to the last request's
// pictures, only to its template's.
func TestRequestPicturesAreNotKept(t *testing.T) {
	r, err := receipt.NewRenderer(receipt.Options{Profile: receipt.EpsonProfile(t), EndCut: escpos.CutPartial})
	require.NoError(t, err)
	tx, err := receipt.ParseTransaction(bombDocument(t, 2))
	require.NoError(t, err)
	_, _, err = r.RenderTransaction(nil, tx)
	require.NoError(t, err)
	assert.Zero(t, receipt.CachedRasters(r))
	assert.True(t, receipt.RowsReleased(r))
}
