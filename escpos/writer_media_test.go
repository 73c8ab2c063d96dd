package escpos

import (
	"bytes"
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriterMedia(t *testing.T) {
	var out bytes.Buffer
	w, err := NewWriter(&out, fullProfile)
	require.NoError(t, err)
	img := uniform(16, 2, color.Black)
	q := QR{Data: "hi", Level: QRLevelQ}
	bc := Barcode{Symbology: Code128, Data: "12345678"}
	key := LogoKey{'L', 'G'}

	w.Init()
	w.Logo(key, JustifyCenter)
	w.Image(img, ImageOptions{Justify: JustifyCenter})
	assert.Equal(t, CodeFallback{}, w.QR(q, JustifyCenter))
	assert.Equal(t, CodeFallback{}, w.Barcode(bc, JustifyCenter))
	w.Raster(newRaster(8, 1), JustifyLeft)
	w.Drawer(DrawerPin2)
	require.NoError(t, w.Flush())

	e := newEnc(t, fullProfile)
	want := e.AppendInit(nil)
	want, _ = e.AppendLogo(want, key, JustifyCenter)
	want, _ = e.AppendImage(want, img, ImageOptions{Justify: JustifyCenter})
	want, _, _ = e.AppendQR(want, q, JustifyCenter)
	want, _, _ = e.AppendBarcode(want, bc, JustifyCenter)
	want, _ = e.AppendRaster(want, newRaster(8, 1), JustifyLeft)
	want, _ = e.AppendDrawer(want, DrawerPin2)
	assert.Equal(t, want, out.Bytes())
	assert.Equal(t, 1, bytes.Count(out.Bytes(), []byte{ESC, 'a', 1}), "centred once")
}

func TestWriterMediaFallbackAndFirstError(t *testing.T) {
	var out bytes.Buffer
	w, err := NewWriter(&out, rasterOnly)
	require.NoError(t, err)
	fb := w.QR(QR{Data: "hi"}, JustifyCenter)
	assert.True(t, fb.Raster)
	n := len(w.buf)
	w.Logo(LogoKey{'L', 'G'}, JustifyCenter) // no NV graphics on this profile
	assert.EqualError(t, w.Err(), "escpos: profile raster has no NV graphics (GS ( L)")
	assert.Equal(t, CodeFallback{}, w.QR(QR{Data: "hi"}, JustifyCenter), "after an error: nothing, no fallback")
	assert.Equal(t, CodeFallback{}, w.Barcode(Barcode{Symbology: Code128, Data: "x"}, JustifyCenter))
	w.Image(uniform(8, 1, color.Black), ImageOptions{})
	w.Raster(newRaster(8, 1), JustifyLeft)
	w.Drawer(DrawerPin2)
	assert.Len(t, w.buf, n, "nothing buffered after the error")
	assert.Error(t, w.Flush())
	assert.Zero(t, out.Len())
}
