package printers

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/secuprint/receipt/escpos"
)

// TestPage builds the page installers print to check a printer against its
// profile: the model, a column ruler per font (the last digit must be the
// last character on the line), the styles the receipts use, every code page
// the profile names with its upper half, and a cut.
func TestPage(p *escpos.Profile) ([]byte, error) {
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
	w.LF()
	w.Cut(escpos.CutPartial)
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ruler is "1234567890" repeated to n columns.
func ruler(n int) string {
	return strings.Repeat("1234567890", n/10+1)[:n]
}
