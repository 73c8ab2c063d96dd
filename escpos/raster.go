package escpos

import (
	"fmt"
	"image"
)

// Raster is a 1-bit image as the printer takes it: Height rows of Stride
// bytes, most significant bit leftmost, 1 = black dot. Width is the image
// width in dots; each row is padded with white to whole bytes, so Stride is
// (Width+7)/8 and len(Bits) is Stride*Height.
type Raster struct {
	Width, Height int
	Stride        int
	Bits          []byte
}

// MaxImageHeight bounds the height of an image in dots (about 1 m of paper
// at 203 dpi): anything taller is surely a mistake that would waste a roll,
// so NewRaster refuses it rather than printing it.
const MaxImageHeight = 8192

// maxRasterWidth is the widest raster a command can carry: GS ( L and GS v 0
// give the width in two bytes (dots, respectively bytes per row).
const maxRasterWidth = 65535

// RasterBandRows is the most rows one GS v 0 or GS ( L command carries. A
// tall image goes as several bands, so no single command overruns a
// printer's receive buffer (cheap clones have 4 KiB and drop the rest); at
// 576 dots a band is 9 KiB, and the printer feeds seamlessly between bands.
const RasterBandRows = 128

// Dither selects how grey becomes black and white dots.
type Dither uint8

const (
	// DitherFloydSteinberg diffuses each dot's error to its neighbours:
	// photos and gradients keep their tones. The zero value.
	DitherFloydSteinberg Dither = iota
	// DitherThreshold prints a dot where the grey is darker than the
	// threshold: crisp for logos and line art.
	DitherThreshold
)

func (d Dither) Valid() bool { return d <= DitherThreshold }

func (d Dither) String() string {
	switch d {
	case DitherFloydSteinberg:
		return "floyd-steinberg"
	case DitherThreshold:
		return "threshold"
	}
	return fmt.Sprintf("Dither(%d)", uint8(d))
}

// ParseDither reads "floyd-steinberg" (or "fs", "") or "threshold".
func ParseDither(s string) (Dither, error) {
	switch s {
	case "floyd-steinberg", "fs", "":
		return DitherFloydSteinberg, nil
	case "threshold":
		return DitherThreshold, nil
	}
	return 0, fmt.Errorf("escpos: unknown dither %q (want floyd-steinberg or threshold)", s)
}

// RasterOptions control NewRaster.
type RasterOptions struct {
	MaxWidth  int // dots; a wider image is scaled down to it. 0 = no limit
	Dither    Dither
	Threshold uint8 // DitherThreshold: grey level (0–255) below which a dot is black; 0 means 128
}

// NewRaster converts img to a printable raster: transparent parts become
// white (composited over paper), colours become grey by luminance (BT.601),
// an image wider than MaxWidth is scaled down by area averaging (never up),
// keeping its aspect ratio, and grey becomes dots by opt.Dither. The result
// depends only on the pixels and options: integer arithmetic throughout, so
// the bytes are the same on every machine.
func NewRaster(img image.Image, opt RasterOptions) (*Raster, error) {
	if img == nil {
		return nil, fmt.Errorf("escpos: image: nil")
	}
	if !opt.Dither.Valid() {
		return nil, fmt.Errorf("escpos: image: %v out of range", opt.Dither)
	}
	if opt.MaxWidth < 0 {
		return nil, fmt.Errorf("escpos: image: max width %d is negative", opt.MaxWidth)
	}
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	if sw <= 0 || sh <= 0 {
		return nil, fmt.Errorf("escpos: image: empty (%dx%d)", sw, sh)
	}
	tw, th := sw, sh
	if opt.MaxWidth > 0 && sw > opt.MaxWidth {
		tw = opt.MaxWidth
		th = int((int64(sh)*int64(tw) + int64(sw)/2) / int64(sw))
		th = max(th, 1)
	}
	if th > MaxImageHeight {
		return nil, fmt.Errorf("escpos: image: %d dots tall (at %d wide) exceeds the limit of %d", th, tw, MaxImageHeight)
	}
	if tw > maxRasterWidth {
		return nil, fmt.Errorf("escpos: image: %d dots wide exceeds the limit of %d", tw, maxRasterWidth)
	}
	gray := scaleGray(img, tw, th)
	r := newRaster(tw, th)
	thr := int32(opt.Threshold)
	if thr == 0 {
		thr = 128
	}
	switch opt.Dither {
	case DitherThreshold:
		threshold(r, gray, thr*257)
	default:
		floydSteinberg(r, gray)
	}
	return r, nil
}

func newRaster(w, h int) *Raster {
	stride := (w + 7) / 8
	return &Raster{Width: w, Height: h, Stride: stride, Bits: make([]byte, stride*h)}
}

// Black reports whether the dot at (x, y) is black; outside is white.
func (r *Raster) Black(x, y int) bool {
	if x < 0 || y < 0 || x >= r.Width || y >= r.Height {
		return false
	}
	return r.Bits[y*r.Stride+x/8]&(0x80>>(x%8)) != 0
}

func (r *Raster) set(x, y int) { r.Bits[y*r.Stride+x/8] |= 0x80 >> (x % 8) }

// check reports a raster whose fields disagree, or that no command can carry.
func (r *Raster) check() error {
	switch {
	case r == nil:
		return fmt.Errorf("escpos: raster: nil")
	case r.Width <= 0 || r.Height <= 0:
		return fmt.Errorf("escpos: raster: empty (%dx%d)", r.Width, r.Height)
	case r.Width > maxRasterWidth:
		return fmt.Errorf("escpos: raster: %d dots wide exceeds the limit of %d", r.Width, maxRasterWidth)
	case r.Height > MaxImageHeight:
		return fmt.Errorf("escpos: raster: %d dots tall exceeds the limit of %d", r.Height, MaxImageHeight)
	case r.Stride != (r.Width+7)/8:
		return fmt.Errorf("escpos: raster: stride %d for width %d, want %d", r.Stride, r.Width, (r.Width+7)/8)
	case len(r.Bits) != r.Stride*r.Height:
		return fmt.Errorf("escpos: raster: %d bytes of bits, want %d", len(r.Bits), r.Stride*r.Height)
	}
	return nil
}

// AppendRasterImage appends GS v 0 (normal density) commands printing r, in
// bands of at most RasterBandRows rows.
func AppendRasterImage(b []byte, r *Raster) ([]byte, error) {
	if err := r.check(); err != nil {
		return b, err
	}
	for y := 0; y < r.Height; y += RasterBandRows {
		rows := min(RasterBandRows, r.Height-y)
		b = append(b, GS, 'v', '0', 0,
			byte(r.Stride), byte(r.Stride>>8), byte(rows), byte(rows>>8))
		b = append(b, r.Bits[y*r.Stride:(y+rows)*r.Stride]...)
	}
	return b, nil
}

// AppendGraphics appends GS ( L function 112 (store raster graphics in the
// print buffer: monochrome, scale 1×1, colour 1) and function 50 (print the
// buffer) for each band of at most RasterBandRows rows. A band whose data
// exceeds the 65535 bytes GS ( L can count goes as GS 8 L.
func AppendGraphics(b []byte, r *Raster) ([]byte, error) {
	if err := r.check(); err != nil {
		return b, err
	}
	for y := 0; y < r.Height; y += RasterBandRows {
		rows := min(RasterBandRows, r.Height-y)
		data := r.Bits[y*r.Stride : (y+rows)*r.Stride]
		b = appendGraphicsHeader(b, 10+len(data))
		b = append(b, 48, 112, 48, 1, 1, 49,
			byte(r.Width), byte(r.Width>>8), byte(rows), byte(rows>>8))
		b = append(b, data...)
		b = append(b, GS, '(', 'L', 2, 0, 48, 50)
	}
	return b, nil
}

// appendGraphicsHeader appends GS ( L pL pH, or GS 8 L p1..p4 when the
// parameter count n does not fit two bytes.
func appendGraphicsHeader(b []byte, n int) []byte {
	if n <= 0xFFFF {
		return append(b, GS, '(', 'L', byte(n), byte(n>>8))
	}
	return append(b, GS, '8', 'L', byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
}
