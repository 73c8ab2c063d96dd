package escpos

import (
	"image/color"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mediaProfile(id string, width int, f Features) *Profile {
	return &Profile{ID: id, WidthDots: width,
		Fonts:    []FontInfo{{Font: FontA, Columns: 48}, {Font: FontB, Columns: 64}},
		Features: f}
}

var (
	fullProfile = mediaProfile("full", 576, Features{BitImageRaster: true, Graphics: true, QRCode: true,
		BarcodeB: true, PulseStandard: true})
	graphicsOnly = mediaProfile("graphics", 576, Features{Graphics: true})
	rasterOnly   = mediaProfile("raster", 384, Features{BitImageRaster: true, BarcodeA: true, PulseBel: true})
	bareProfile  = mediaProfile("bare", 0, Features{})
)

func newEnc(t *testing.T, p *Profile) *Encoder {
	t.Helper()
	e, err := NewEncoder(p)
	require.NoError(t, err)
	e.AppendInit(nil)
	return e
}

func TestAppendImageFitsTheHead(t *testing.T) {
	img := uniform(1152, 10, color.Black)
	tests := []struct {
		name    string
		p       *Profile
		opt     ImageOptions
		wantHdr []byte
	}{
		{"scaled to 576 dots, GS v 0", fullProfile, ImageOptions{Justify: JustifyCenter},
			[]byte{ESC, 'a', 1, GS, 'v', '0', 0, 72, 0, 5, 0}},
		{"MaxWidth below the head", fullProfile, ImageOptions{MaxWidth: 100},
			[]byte{GS, 'v', '0', 0, 13, 0, 1, 0}}, // 100 dots, 1152→100 makes 10 rows 0.87 → 1
		{"MaxWidth above the head is the head", fullProfile, ImageOptions{MaxWidth: 1000, Justify: JustifyRight},
			[]byte{ESC, 'a', 2, GS, 'v', '0', 0, 72, 0, 5, 0}},
		{"GS ( L when GS v 0 is missing", graphicsOnly, ImageOptions{},
			[]byte{GS, '(', 'L', (10 + 72*5) & 0xFF, 1, 48, 112, 48, 1, 1, 49, 0x40, 2, 5, 0}},
		{"unknown head width: 384 dots", mediaProfile("nowidth", 0, Features{BitImageRaster: true}), ImageOptions{},
			[]byte{GS, 'v', '0', 0, 48, 0, 3, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnc(t, tt.p)
			got, err := e.AppendImage(nil, img, tt.opt)
			require.NoError(t, err)
			assert.Equal(t, tt.wantHdr, got[:len(tt.wantHdr)])
		})
	}
}

func TestAppendImageTracksJustification(t *testing.T) {
	e := newEnc(t, fullProfile)
	img := uniform(8, 1, color.Black)
	got, err := e.AppendImage(nil, img, ImageOptions{Justify: JustifyCenter})
	require.NoError(t, err)
	assert.Equal(t, []byte{ESC, 'a', 1, GS, 'v', '0', 0, 1, 0, 1, 0, 0xFF}, got)
	got, err = e.AppendImage(nil, img, ImageOptions{Justify: JustifyCenter})
	require.NoError(t, err)
	assert.Equal(t, []byte{GS, 'v', '0', 0, 1, 0, 1, 0, 0xFF}, got, "centre is in force")
	got, err = e.AppendJustification(nil, JustifyCenter)
	require.NoError(t, err)
	assert.Empty(t, got, "text after the image knows the alignment")
}

func TestAppendRasterErrorsLeaveStateAlone(t *testing.T) {
	e := newEnc(t, fullProfile)
	got, err := e.AppendRaster([]byte{1}, newRaster(577, 1), JustifyCenter)
	assert.EqualError(t, err, "escpos: raster 577 dots wide exceeds the 576-dot head of full")
	assert.Equal(t, []byte{1}, got)
	got, err = e.AppendJustification(nil, JustifyCenter)
	require.NoError(t, err)
	assert.Equal(t, []byte{ESC, 'a', 1}, got, "the failed raster did not claim the alignment")

	_, err = e.AppendRaster(nil, newRaster(8, 1), 3)
	assert.EqualError(t, err, "escpos: Justification(3) out of range")
	_, err = e.AppendRaster(nil, &Raster{Width: 8, Height: 1, Stride: 1}, JustifyLeft)
	assert.EqualError(t, err, "escpos: raster: 0 bytes of bits, want 1")

	bare := newEnc(t, bareProfile)
	_, err = bare.AppendImage(nil, uniform(8, 1, color.Black), ImageOptions{})
	assert.EqualError(t, err, "escpos: profile bare prints no raster images (neither GS v 0 nor GS ( L)")
	_, err = e.AppendImage(nil, nil, ImageOptions{})
	assert.EqualError(t, err, "escpos: image: nil")
	_, err = e.AppendImage(nil, uniform(8, 1, color.Black), ImageOptions{MaxWidth: -5})
	assert.Error(t, err)
}

func TestEncoderQR(t *testing.T) {
	q := QR{Data: "https://example.com/r/42", Module: 4, Level: QRLevelM}
	native, err := AppendQR(nil, q)
	require.NoError(t, err)

	e := newEnc(t, fullProfile)
	got, fb, err := e.AppendQR(nil, q, JustifyCenter)
	require.NoError(t, err)
	assert.Equal(t, CodeFallback{}, fb)
	// 4 modules of 4 dots of quiet zone fed above and below.
	assert.Equal(t, append(append([]byte{ESC, 'a', 1, ESC, 'J', 16}, native...), ESC, 'J', 16), got)

	e = newEnc(t, rasterOnly)
	got, fb, err = e.AppendQR(nil, q, JustifyCenter)
	require.NoError(t, err)
	assert.Equal(t, CodeFallback{Raster: true, Why: "profile raster has no native QR Code"}, fb)
	r, err := NewQRRaster(q)
	require.NoError(t, err)
	want, err := AppendRasterImage([]byte{ESC, 'a', 1}, r)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	_, _, err = newEnc(t, fullProfile).AppendQR(nil, QR{Data: strings.Repeat("a", 2000), Module: 8}, JustifyCenter)
	assert.EqualError(t, err, "escpos: qr: 1256 dots wide exceeds the 576-dot head of full")
	_, _, err = newEnc(t, rasterOnly).AppendQR(nil, QR{Data: strings.Repeat("a", 2000), Module: 8}, JustifyCenter)
	assert.EqualError(t, err, "escpos: raster 1256 dots wide exceeds the 384-dot head of raster")
	_, _, err = newEnc(t, bareProfile).AppendQR(nil, q, JustifyCenter)
	assert.EqualError(t, err, "escpos: profile bare prints no raster images (neither GS v 0 nor GS ( L)")
	_, _, err = newEnc(t, fullProfile).AppendQR(nil, QR{}, JustifyCenter)
	assert.EqualError(t, err, "escpos: qr: no data")
	_, _, err = newEnc(t, fullProfile).AppendQR(nil, q, 9)
	assert.EqualError(t, err, "escpos: Justification(9) out of range")
}

func TestEncoderBarcode(t *testing.T) {
	ean := Barcode{Symbology: EAN13, Data: "400638133393", HRI: HRIBelow}
	nativeB, err := AppendBarcode(nil, ean)
	require.NoError(t, err)

	got, fb, err := newEnc(t, fullProfile).AppendBarcode(nil, ean, JustifyCenter)
	require.NoError(t, err)
	assert.Equal(t, CodeFallback{}, fb)
	// The quiet zone: 10 modules of 2 dots fed above and below (ESC J 20).
	assert.Equal(t, cat([]byte{ESC, 'a', 1, ESC, 'J', 20}, nativeB, []byte{ESC, 'J', 20}), got)

	// Function A: NUL-terminated, m = 2 for EAN-13. Left is in force after
	// ESC @, so no ESC a.
	got, fb, err = newEnc(t, rasterOnly).AppendBarcode(nil, ean, JustifyLeft)
	require.NoError(t, err)
	assert.Equal(t, CodeFallback{}, fb)
	assert.Equal(t, cat([]byte{ESC, 'J', 20, GS, 'h', 80, GS, 'w', 2, GS, 'H', 2, GS, 'f', 0, GS, 'k', 2}, []byte("4006381333931"), []byte{NUL, ESC, 'J', 20}), got)

	// CODE128 has no function A: drawn.
	c128 := Barcode{Symbology: Code128, Data: "A-123456", Height: 40}
	got, fb, err = newEnc(t, rasterOnly).AppendBarcode(nil, c128, JustifyCenter)
	require.NoError(t, err)
	assert.Equal(t, CodeFallback{Raster: true, Why: "profile raster has only GS k function A, which has no code128"}, fb)
	r, err := NewBarcodeRaster(c128)
	require.NoError(t, err)
	want, err := AppendRasterImage([]byte{ESC, 'a', 1, ESC, 'J', 20}, r)
	require.NoError(t, err)
	assert.Equal(t, append(want, ESC, 'J', 20), got)

	// The raster fallback prints the HRI as text where GS H would.
	both := Barcode{Symbology: Code128, Data: "A-1", Height: 8, HRI: HRIBoth}
	got, _, err = newEnc(t, rasterOnly).AppendBarcode(nil, both, JustifyRight)
	require.NoError(t, err)
	r, err = NewBarcodeRaster(both)
	require.NoError(t, err)
	want, err = AppendRasterImage([]byte("\x1ba\x02\x1bJ\x14A-1\n"), r)
	require.NoError(t, err)
	assert.Equal(t, append(want, "A-1\n\x1bJ\x14"...), got)

	got, fb, err = newEnc(t, graphicsOnly).AppendBarcode(nil, ean, JustifyCenter)
	require.NoError(t, err)
	assert.Equal(t, CodeFallback{Raster: true, Why: "profile graphics has no GS k"}, fb)
	assert.Equal(t, []byte{ESC, 'a', 1, ESC, 'J', 20, GS, '(', 'L'}, got[:9])
	assert.Equal(t, "4006381333931\n\x1bJ\x14", string(got[len(got)-17:]), "HRI below, with its check digit, then the quiet zone")

	_, _, err = newEnc(t, bareProfile).AppendBarcode(nil, ean, JustifyCenter)
	assert.EqualError(t, err, "escpos: profile bare prints no raster images (neither GS v 0 nor GS ( L)")
	_, _, err = newEnc(t, fullProfile).AppendBarcode(nil, Barcode{Symbology: Code128, Data: strings.Repeat("ab", 30), Module: 6}, JustifyCenter)
	assert.EqualError(t, err, "escpos: code128: 4170 dots wide exceeds the 576-dot head of full")
	_, _, err = newEnc(t, fullProfile).AppendBarcode(nil, Barcode{Symbology: EAN8, Data: "1"}, JustifyCenter)
	assert.EqualError(t, err, `escpos: ean8: 7 or 8 digits, got "1"`)

	noFontB := mediaProfile("nofontb", 576, Features{BarcodeB: true})
	noFontB.Fonts = noFontB.Fonts[:1]
	_, _, err = newEnc(t, noFontB).AppendBarcode(nil, Barcode{Symbology: EAN8, Data: "9638507", HRI: HRIBelow, HRIFont: FontB}, JustifyCenter)
	assert.EqualError(t, err, "escpos: profile nofontb has no font B")
	_, _, err = newEnc(t, noFontB).AppendBarcode(nil, Barcode{Symbology: EAN8, Data: "9638507", HRIFont: FontB}, JustifyCenter)
	assert.NoError(t, err, "no HRI, so the font does not matter")
}

func TestEncoderLogoAndDrawer(t *testing.T) {
	e := newEnc(t, fullProfile)
	got, err := e.AppendLogo(nil, LogoKey{'L', 'G'}, JustifyCenter)
	require.NoError(t, err)
	assert.Equal(t, []byte{ESC, 'a', 1, GS, '(', 'L', 6, 0, 48, 69, 'L', 'G', 1, 1}, got)
	assert.LessOrEqual(t, len(got), 16, "a stored logo costs a few bytes a receipt")
	_, err = newEnc(t, rasterOnly).AppendLogo(nil, LogoKey{'L', 'G'}, JustifyCenter)
	assert.EqualError(t, err, "escpos: profile raster has no NV graphics (GS ( L)")
	_, err = e.AppendLogo(nil, LogoKey{1, 2}, JustifyCenter)
	assert.Error(t, err)

	got, err = e.AppendDrawer(nil, DrawerPin2)
	require.NoError(t, err)
	assert.Equal(t, []byte{ESC, 'p', 0, 25, 250}, got)
	got, err = newEnc(t, rasterOnly).AppendDrawer(nil, DrawerPin5)
	require.NoError(t, err)
	assert.Equal(t, []byte{BEL}, got)
	_, err = newEnc(t, bareProfile).AppendDrawer(nil, DrawerPin2)
	assert.EqualError(t, err, "escpos: profile bare has no cash drawer kick")
	_, err = e.AppendDrawer(nil, 7)
	assert.EqualError(t, err, "escpos: drawer pin 7 out of range")
}

// Everything the encoder sends for a picture is exactly NewRaster's
// output: AppendImage adds no processing of its own.
func TestAppendImageEqualsNewRaster(t *testing.T) {
	img := testPicture(700, 90)
	r, err := NewRaster(img, RasterOptions{MaxWidth: 576})
	require.NoError(t, err)
	want, err := AppendRasterImage([]byte{ESC, 'a', 1}, r)
	require.NoError(t, err)
	got, err := newEnc(t, fullProfile).AppendImage(nil, img, ImageOptions{Justify: JustifyCenter})
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

// Images and codes change the alignment (recorded) and nothing else the
// encoder tracks: style set before them is still known to be in force.
func TestMediaKeepsTextState(t *testing.T) {
	img := uniform(8, 1, color.Black)
	steps := map[string]func(e *Encoder) error{
		"image": func(e *Encoder) error {
			_, err := e.AppendImage(nil, img, ImageOptions{Justify: JustifyCenter})
			return err
		},
		"qr": func(e *Encoder) error {
			_, _, err := e.AppendQR(nil, QR{Data: "x"}, JustifyCenter)
			return err
		},
		"barcode": func(e *Encoder) error {
			_, _, err := e.AppendBarcode(nil, Barcode{Symbology: Code128, Data: "x", HRI: HRIBelow, HRIFont: FontB}, JustifyCenter)
			return err
		},
		"logo": func(e *Encoder) error {
			_, err := e.AppendLogo(nil, LogoKey{'A', 'B'}, JustifyCenter)
			return err
		},
		"drawer": func(e *Encoder) error {
			_, err := e.AppendDrawer(nil, DrawerPin2)
			return err
		},
	}
	for name, step := range steps {
		for _, p := range []*Profile{fullProfile, rasterOnly} {
			e := newEnc(t, p)
			e.AppendBold(nil, true)
			_, err := e.AppendSize(nil, Size{2, 2})
			require.NoError(t, err)
			_, err = e.AppendFont(nil, FontA)
			require.NoError(t, err)
			before := e.st
			if err := step(e); err != nil {
				continue // e.g. no logos on rasterOnly; covered elsewhere
			}
			after := e.st
			if name != "drawer" {
				assert.Equal(t, JustifyCenter, after.justify, "%s on %s", name, p.ID)
			}
			after.justify = before.justify
			assert.Equal(t, before, after, "%s on %s", name, p.ID)
		}
	}
}

// Issue 23 items 1 and 3: a code that fits the head but not with its
// horizontal quiet zone is printed, centred, and the narrow margin said.
func TestBarcodeQuietZoneFit(t *testing.T) {
	for _, tc := range []struct {
		width, m, head int
		j, want        Justification
		warn           bool
	}{
		{190, 2, 576, JustifyLeft, JustifyLeft, false},
		{536, 2, 576, JustifyRight, JustifyRight, false}, // 536 + 2×20 = 576: just fits
		{537, 2, 576, JustifyRight, JustifyCenter, true},
		{491, 2, 512, JustifyLeft, JustifyCenter, true}, // issue 23 item 3's CODE39 at GS w 2
		{300, 6, 384, JustifyCenter, JustifyCenter, true},
	} {
		j, why := BarcodeQuietZoneFit(tc.width, tc.m, tc.head, tc.j)
		assert.Equal(t, tc.want, j, "%+v", tc)
		assert.Equal(t, tc.warn, why != "", "%+v: %q", tc, why)
	}
	_, why := BarcodeQuietZoneFit(491, 2, 512, JustifyLeft)
	assert.Equal(t, "531 dots wide with its quiet zone (10 modules of 2 dots each side) exceeds the 512-dot head: centred with 10 dots each side", why)

	// Through the encoder: printed natively, centred, reported.
	bc := Barcode{Symbology: Code128, Data: strings.Repeat("ab", 11), Module: 2} // 2 × (11 × 24 + 13) = 554 dots
	dots, err := BarcodeDots(bc)
	require.NoError(t, err)
	require.Equal(t, 554, len(dots))
	got, fb, err := newEnc(t, fullProfile).AppendBarcode(nil, bc, JustifyLeft)
	require.NoError(t, err)
	assert.False(t, fb.Raster)
	assert.Contains(t, fb.QuietZone, "exceeds the 576-dot head")
	assert.Equal(t, []byte{ESC, 'a', 1, ESC, 'J', 20}, got[:6], "centred, then the quiet zone fed")
}
