package receipt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/png"

	"github.com/secuprint/receipt/escpos"
)

// ErrImageBudget: the pictures of one document would take more than
// MaxDocumentImageBytes once decoded. A few small PNGs that announce large
// pictures (a "picture bomb") are refused before any of them is decoded
// past the budget.
var ErrImageBudget = fmt.Errorf("%w: the document's pictures exceed their memory budget", ErrBadImage)

// imageBudget is what the pictures of one document may still take, in
// bytes of decoded pixels.
type imageBudget struct{ left int64 }

func newImageBudget() *imageBudget { return &imageBudget{left: MaxDocumentImageBytes} }

// DecodePNG decodes a PNG within the image limits: its header is read
// first, so an oversized picture is refused before any pixel memory is
// taken. One picture may take the whole MaxDocumentImageBytes.
func DecodePNG(data []byte) (image.Image, error) {
	return decodePNG(data, newImageBudget())
}

// decodePNG decodes data if what it decodes to fits in budget, and takes
// that from the budget.
func decodePNG(data []byte, budget *imageBudget) (image.Image, error) {
	if budget == nil {
		budget = newImageBudget()
	}
	if len(data) > MaxImageBytes {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrBadImage, len(data), MaxImageBytes)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: not a PNG: %v", ErrBadImage, err)
	}
	switch {
	case cfg.Width < 1 || cfg.Height < 1:
		return nil, fmt.Errorf("%w: %dx%d pixels", ErrBadImage, cfg.Width, cfg.Height)
	case cfg.Width > MaxImageWidth, cfg.Height > escpos.MaxImageHeight, cfg.Width*cfg.Height > MaxImagePixels:
		return nil, fmt.Errorf("%w: %dx%d pixels exceeds %dx%d (%d pixels)", ErrBadImage, cfg.Width, cfg.Height, MaxImageWidth, escpos.MaxImageHeight, MaxImagePixels)
	}
	cost, err := pngCost(data, cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: not a PNG: %v", ErrBadImage, err)
	}
	if cost > budget.left {
		return nil, fmt.Errorf("%w: this %dx%d picture decodes to %d KiB, %d KiB of the %d KiB left",
			ErrImageBudget, cfg.Width, cfg.Height, cost>>10, max(budget.left, 0)>>10, MaxDocumentImageBytes>>10)
	}
	budget.left -= cost
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadImage, err)
	}
	return img, nil
}

// pngCost is the memory, in bytes, image/png takes to decode data (whose
// header cfg is): the picture in the pixel type the decoder picks for the
// colour type, bit depth and transparency chunk, and for an interlaced PNG
// its largest pass as well, which the decoder holds next to the picture.
func pngCost(data []byte, cfg image.Config) (int64, error) {
	h, err := scanPNG(data)
	if err != nil {
		return 0, err
	}
	var bpp int64
	switch h.colorType {
	case 0: // grey: Gray, Gray16, or with tRNS NRGBA, NRGBA64
		bpp = 1
		if h.depth == 16 {
			bpp = 2
		}
		if h.trns {
			bpp *= 4
		}
	case 3: // palette
		bpp = 1
	case 2, 4, 6: // RGB(A), grey with alpha: (N)RGBA, (N)RGBA64
		bpp = 4
		if h.depth == 16 {
			bpp = 8
		}
	default:
		return 0, fmt.Errorf("colour type %d", h.colorType)
	}
	pixels := int64(cfg.Width) * int64(cfg.Height)
	cost := pixels * bpp
	if h.interlaced { // the last Adam7 pass is half the picture
		cost += (pixels/2 + int64(cfg.Width)) * bpp
	}
	return cost, nil
}

// pngHeader is what decides a PNG's decoded size beyond its dimensions.
type pngHeader struct {
	colorType, depth byte
	interlaced, trns bool
}

var errPNGChunks = errors.New("malformed chunks")

// scanPNG reads the IHDR chunk and looks for a tRNS chunk before the first
// IDAT; it reads chunk headers only, never pixel data.
func scanPNG(data []byte) (pngHeader, error) {
	var h pngHeader
	const sig = "\x89PNG\r\n\x1a\n"
	if len(data) < len(sig) || string(data[:len(sig)]) != sig {
		return h, errPNGChunks
	}
	seenIHDR := false
	for rest := data[len(sig):]; ; {
		if len(rest) < 8 {
			return h, errPNGChunks
		}
		n := int64(binary.BigEndian.Uint32(rest))
		typ := string(rest[4:8])
		if n > int64(len(rest))-12 {
			return h, errPNGChunks
		}
		body := rest[8 : 8+n]
		switch typ {
		case "IHDR":
			if seenIHDR || n != 13 {
				return h, errPNGChunks
			}
			seenIHDR = true
			h.depth, h.colorType, h.interlaced = body[8], body[9], body[12] == 1
		case "tRNS":
			h.trns = true
		case "IDAT":
			if !seenIHDR {
				return h, errPNGChunks
			}
			return h, nil
		}
		rest = rest[12+n:]
	}
}
