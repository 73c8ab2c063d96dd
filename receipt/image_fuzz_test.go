package receipt

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodePNG: the chunk scan never panics, and whatever image/png
// decodes takes no more memory than the budget charged for it.
func FuzzDecodePNG(f *testing.F) {
	files, _ := filepath.Glob("../testdata/*/*.png")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewNRGBA64(image.Rect(0, 0, 64, 32))); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		budget := newImageBudget()
		img, err := decodePNG(data, budget)
		if err != nil {
			return
		}
		charged := MaxDocumentImageBytes - budget.left
		var pix int
		switch m := img.(type) {
		case *image.Gray:
			pix = len(m.Pix)
		case *image.Gray16:
			pix = len(m.Pix)
		case *image.RGBA:
			pix = len(m.Pix)
		case *image.NRGBA:
			pix = len(m.Pix)
		case *image.RGBA64:
			pix = len(m.Pix)
		case *image.NRGBA64:
			pix = len(m.Pix)
		case *image.Paletted:
			pix = len(m.Pix)
		default:
			t.Fatalf("decoded a %T", img)
		}
		if int64(pix) > charged {
			t.Fatalf("decoded %d bytes of pixels, charged %d", pix, charged)
		}
	})
}
