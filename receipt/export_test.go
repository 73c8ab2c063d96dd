package receipt

import (
	"bytes"
	"image/png"
	"testing"

	"github.com/secuprint/receipt/escpos"
)

// PictureCost is what the picture budget charges for a PNG.
func PictureCost(tb testing.TB, data []byte) int64 {
	tb.Helper()
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		tb.Fatal(err)
	}
	c, err := pngCost(data, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// CachedRasters is how many rasters r keeps.
func CachedRasters(r *Renderer) int { return len(r.rasters) }

// RowsReleased reports whether r holds no reference to a laid-out block.
func RowsReleased(r *Renderer) bool {
	for _, rw := range r.rows[:cap(r.rows)] {
		if rw.blk != nil || rw.raster != nil {
			return false
		}
	}
	return true
}

func EpsonProfile(testing.TB) *escpos.Profile { return epson }
