package printers

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"strconv"
	"strings"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/star"
)

// TestPage builds the page installers print to check a printer against its
// profile: the model, a column ruler per font (the last digit must be the
// last character on the line), the styles the receipts use, every code page
// the profile names with its upper half, and a cut. It is in the printer's
// language: ESC/POS, or for a Star Graphic printer the page drawn as raster;
// a printer in Star Line Mode or StarPRNT gets ErrNoTestPage.
func TestPage(p *escpos.Profile) ([]byte, error) {
	if p == nil {
		return nil, fmt.Errorf("printers: test page: no profile")
	}
	switch p.Language {
	case escpos.LanguageStarLine, escpos.LanguageStarPRNT:
		return nil, fmt.Errorf("printers: %s speaks %v: %w", p.ID, p.Language, ErrNoTestPage)
	case escpos.LanguageStarGraphic:
		// Raster only: no code pages to show (and the paper engine that
		// draws the page has no glyph for some of their bytes).
		page, err := testPage(star.ESCPOSTwin(p), false)
		if err != nil {
			return nil, err
		}
		return star.AppendGraphic(nil, page, p)
	}
	return testPage(p, true)
}

// ErrNoTestPage: the test page is written in ESC/POS, which the printer
// does not read.
var ErrNoTestPage = errors.New("the test page is ESC/POS")

// testPage writes the page in ESC/POS for p; codePages shows the upper
// half of every code page p names.
func testPage(p *escpos.Profile, codePages bool) ([]byte, error) {
	var buf bytes.Buffer
	w, err := escpos.NewWriter(&buf, p)
	if err != nil {
		return nil, err
	}
	w.Init()
	w.Justify(escpos.JustifyCenter)
	w.Size(escpos.Size{Width: 2, Height: 2})
	w.Bold(true)
	w.Line("Test page")
	w.Size(escpos.Normal)
	w.Bold(false)
	w.Line(p.Name)
	w.Line(p.ID + " · " + strconv.Itoa(p.WidthDots) + " dots · " + strconv.Itoa(p.DPI) + " dpi")
	w.LF()
	w.Justify(escpos.JustifyLeft)
	for _, f := range p.Fonts {
		w.Font(f.Font)
		w.Line(f.Name + ", " + strconv.Itoa(f.Columns) + " columns:")
		w.Line(ruler(f.Columns))
	}
	if len(p.Fonts) > 0 {
		w.Font(p.Fonts[0].Font)
	}
	w.LF()
	w.Line("Styles:")
	w.Bold(true)
	w.Line("Bold (important)")
	w.Bold(false)
	w.Size(escpos.Size{Width: 1, Height: 2})
	w.Line("Double height")
	w.Size(escpos.Size{Width: 2, Height: 1})
	w.Line("Double width")
	w.Size(escpos.Normal)
	w.Justify(escpos.JustifyRight)
	w.Line("Right aligned")
	w.Justify(escpos.JustifyLeft)
	w.Line("Umlauts: € ä ö ü ß Ä Ö Ü")
	w.LF()
	if codePages {
		testCodePages(w, p)
	} else {
		w.Line("Code pages: none (raster only)")
	}
	w.LF()
	testCodes(w, p)
	w.Cut(escpos.CutPartial)
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// testCodePages prints the upper half of every code page p names, each
// as its own raw bytes.
func testCodePages(w *escpos.Writer, p *escpos.Profile) {
	w.Line("Code pages (ESC t n, bytes 80-FF):")
	raw := false
	for _, s := range p.CodePages {
		if _, ok := escpos.LookupCodePage(s.Encoding); !ok {
			continue
		}
		w.Line(fmt.Sprintf("%d %s", s.Slot, s.Encoding))
		// The page's own bytes, sent raw: the encoder would pick pages itself.
		page := escpos.AppendCodePage(nil, s.Slot)
		for row := 0x80; row < 0x100; row += 32 {
			for b := row; b < row+32; b++ {
				page = append(page, byte(b))
			}
			page = escpos.AppendLF(page)
		}
		_, _ = w.Write(page) // a failure sticks and Flush reports it
		raw = true
	}
	if raw {
		w.Init() // the raw pages left the encoder's idea of the page stale
	}
}

// testCodes prints what a whole receipt uses beyond text: a QR code, a
// CODE128 and an EAN-13 barcode with their text, and a picture (a grey
// ramp over a checkerboard, so the dithering and the head's edges show).
// A printer without native codes prints their pictures, and says so.
func testCodes(w *escpos.Writer, p *escpos.Profile) {
	f := p.Features
	graphics := f.BitImageRaster || f.Graphics
	if !graphics && !f.QRCode && !f.BarcodeB && !f.BarcodeA {
		w.Line("Codes and images: this printer prints none.")
		w.LF()
		return
	}
	note := func(fb escpos.CodeFallback) {
		if fb.Raster {
			w.Justify(escpos.JustifyCenter)
			w.Line("(as an image: " + fb.Why + ")")
		}
	}
	w.Justify(escpos.JustifyLeft)
	w.Line("QR code (model 2, level M, 6 dots):")
	if f.QRCode || graphics {
		note(w.QR(escpos.QR{Data: "https://example.org/receipt/test-page", Module: 6, Level: escpos.QRLevelM}, escpos.JustifyCenter))
	}
	w.LF()
	w.Justify(escpos.JustifyLeft)
	w.Line("CODE128 \"Test-1234567890\":")
	if f.BarcodeA || f.BarcodeB || graphics {
		note(w.Barcode(escpos.Barcode{Symbology: escpos.Code128, Data: "Test-1234567890", Height: 80, Module: 2, HRI: escpos.HRIBelow}, escpos.JustifyCenter))
	}
	w.LF()
	w.Justify(escpos.JustifyLeft)
	w.Line("EAN-13 4006381333931:")
	if f.BarcodeA || f.BarcodeB || graphics {
		note(w.Barcode(escpos.Barcode{Symbology: escpos.EAN13, Data: "4006381333931", Height: 80, Module: 2, HRI: escpos.HRIBelow}, escpos.JustifyCenter))
	}
	w.LF()
	if graphics {
		w.Justify(escpos.JustifyLeft)
		w.Line("Image (grey ramp, Floyd-Steinberg):")
		w.Image(testImage(p.WidthDots), escpos.ImageOptions{Justify: escpos.JustifyCenter})
		w.LF()
	}
	w.Justify(escpos.JustifyLeft)
}

// testImage is a grey ramp from white to black across the head, over a
// checkerboard band.
func testImage(width int) image.Image {
	if width <= 0 {
		width = 384
	}
	img := image.NewGray(image.Rect(0, 0, width, 64))
	for y := range 64 {
		for x := range width {
			v := uint8(255 - x*255/max(width-1, 1))
			if y >= 48 && (x/8+y/8)%2 == 0 {
				v = 0
			} else if y >= 48 {
				v = 255
			}
			img.SetGray(x, y, color.Gray{Y: v})
		}
	}
	return img
}

// ruler is "1234567890" repeated to n columns.
func ruler(n int) string {
	return strings.Repeat("1234567890", n/10+1)[:n]
}
