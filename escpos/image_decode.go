package escpos

import (
	"bytes"
	"fmt"
	"image"
	_ "image/gif"  // GIF logos
	_ "image/jpeg" // photos
	_ "image/png"  // PNG logos
)

// MaxDecodePixels bounds the images DecodeImage accepts (a 4096×4096
// picture): decoding allocates 4 bytes a pixel before any scaling, so a
// small file declaring a huge image must be refused from its header.
const MaxDecodePixels = 1 << 24

// DecodeImage decodes a PNG, GIF or JPEG file for NewRaster, refusing an
// image larger than MaxDecodePixels from its header alone, before any
// pixel memory is allocated.
func DecodeImage(data []byte) (image.Image, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("escpos: image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("escpos: image: empty %s (%dx%d)", format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxDecodePixels {
		return nil, fmt.Errorf("escpos: image: %s of %dx%d exceeds %d pixels", format, cfg.Width, cfg.Height, MaxDecodePixels)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("escpos: image: %w", err)
	}
	return img, nil
}
