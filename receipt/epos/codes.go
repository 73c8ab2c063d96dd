package epos

import (
	"encoding/xml"
	"strings"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
)

// barcodeType is one ePOS barcode type: a symbology the project's
// builders draw (sym, native or as a picture), or a GS k function B
// system printed natively only (native).
type barcodeType struct {
	sym    escpos.Symbology
	native byte // GS k m for types without a builder; 0 when sym applies
	braces bool // CODE128 data with {A {B {C code set selections
	gs1    bool // not printed: receiptd builds no GS1 application identifiers
}

var barcodeTypes = map[string]barcodeType{
	"upc_a": {sym: escpos.UPCA}, "upc_e": {native: decode.BarUPCE},
	"ean13": {sym: escpos.EAN13}, "jan13": {sym: escpos.EAN13},
	"ean8": {sym: escpos.EAN8}, "jan8": {sym: escpos.EAN8},
	"code39": {sym: escpos.Code39}, "itf": {sym: escpos.ITF},
	"codabar": {native: decode.BarCodabar}, "code93": {native: decode.BarCode93},
	"code128": {sym: escpos.Code128, braces: true}, "code128_auto": {sym: escpos.Code128},
	// GS1 symbols carry application identifiers receiptd does not build.
	"gs1_128": {gs1: true}, "gs1_databar_omnidirectional": {gs1: true}, "gs1_databar_truncated": {gs1: true},
	"gs1_databar_limited": {gs1: true}, "gs1_databar_expanded": {gs1: true},
}

var hris = map[string]escpos.HRI{"none": escpos.HRINone, "above": escpos.HRIAbove, "below": escpos.HRIBelow, "both": escpos.HRIBoth}

// Epson's defaults after ESC @ (GS w 3, GS h 162), which a <barcode>
// without width or height prints with.
const (
	barDefaultModule = 3
	barDefaultHeight = 162
)

// barcodeEl is <barcode>: a one-dimensional barcode of its content.
func (c *conv) barcodeEl(attrs []xml.Attr, content string) error {
	const el = "barcode"
	bc := escpos.Barcode{Module: barDefaultModule, Height: barDefaultHeight}
	var bt barcodeType
	typ := ""
	for _, a := range attrs {
		if skipAttr(a) {
			continue
		}
		var err error
		var n int
		switch a.Name.Local {
		case "type":
			bt, err = enumAttr(el, a, barcodeTypes)
			typ = a.Value
		case "hri":
			bc.HRI, err = enumAttr(el, a, hris)
		case "font":
			var name string
			if name, err = enumAttr(el, a, fonts); err == nil {
				bc.HRIFont = c.fontOf(el, name)
			}
		case "width":
			if n, err = intAttr(el, a, 2, 6); err == nil {
				bc.Module = uint8(n)
			}
		case "height":
			if n, err = intAttr(el, a, 1, 255); err == nil {
				bc.Height = uint8(n)
			}
		case "align":
			var j escpos.Justification
			if j, err = enumAttr(el, a, aligns); err == nil {
				c.setAlign(j)
			}
		case "rotate":
			_, err = boolAttr(el, a) // page mode only; standard mode ignores it
		default:
			return unknownAttr(el, a)
		}
		if err != nil {
			return err
		}
	}
	switch {
	case typ == "":
		return schemaErr(el, "", "", "type is required")
	case bt.native != 0:
		return c.nativeBarcode(typ, bt.native, bc, content)
	case bt.gs1:
		return schemaErr(el, "type", typ, "GS1 symbols are not supported")
	}
	bc.Symbology = bt.sym
	bc.Data = content
	if bt.braces {
		data, err := code128Braces(content)
		if err != nil {
			return err
		}
		bc.Data = data
	}
	out, fb, err := c.enc.AppendBarcode(c.out, bc, c.align)
	if err != nil {
		return schemaErr(el, "", content, "%v", err)
	}
	if fb.Raster {
		c.note("barcode %s drawn as a picture: %s", typ, fb.Why)
	}
	if fb.QuietZone != "" {
		c.note("barcode %s: %s", typ, fb.QuietZone)
	}
	c.out = escpos.AppendLF(out)
	return nil
}

// code128Braces turns ePOS CODE128 data, which selects code sets with
// "{A", "{B" and "{C" ("{{" is a brace), into the plain text it encodes;
// the builder then chooses the code sets. Set C takes digit pairs.
func code128Braces(s string) (string, error) {
	const el = "barcode"
	if len(s) < 2 || s[0] != '{' || strings.IndexByte("ABC", s[1]) < 0 {
		return "", schemaErr(el, "", s, "CODE128 data starts with {A, {B or {C")
	}
	var b strings.Builder
	set := byte(0)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch == '{' {
			if i+1 >= len(s) {
				return "", schemaErr(el, "", s, "a lone { at the end")
			}
			i++
			switch s[i] {
			case 'A', 'B', 'C':
				set = s[i]
				continue
			case '{':
				if set == 'C' {
					return "", schemaErr(el, "", s, "{ in code set C")
				}
				b.WriteByte('{')
				continue
			}
			return "", schemaErr(el, "", s, "{%c: function and shift characters are not supported", s[i])
		}
		if set == 'C' {
			if i+1 >= len(s) || ch < '0' || ch > '9' || s[i+1] < '0' || s[i+1] > '9' {
				return "", schemaErr(el, "", s, "code set C takes pairs of digits")
			}
			b.WriteByte(ch)
			b.WriteByte(s[i+1])
			i++
			continue
		}
		if ch < 0x20 || ch > 0x7E {
			return "", schemaErr(el, "", s, "byte 0x%02X: only printable ASCII", ch)
		}
		b.WriteByte(ch)
	}
	return b.String(), nil
}

// nativeBarcode prints a type the project has no builder for with GS k
// function B, if the printer has it, its data checked by the decoder's
// rules first.
func (c *conv) nativeBarcode(typ string, m byte, bc escpos.Barcode, data string) error {
	const el = "barcode"
	if !c.p.Features.BarcodeB || c.p.Language != escpos.LanguageESCPOS {
		return schemaErr(el, "type", typ, "%s cannot print %s (no GS k function B)", c.p.ID, typ)
	}
	if err := decode.CheckBarcode(m, []byte(data)); err != nil {
		return schemaErr(el, "", data, "%v", err)
	}
	if m == decode.BarCodabar || m == decode.BarCode93 {
		// The decoder checks CODABAR's set; CODE93 takes 7-bit bytes,
		// which must still be printable here.
		for i := 0; i < len(data); i++ {
			if data[i] < 0x20 || data[i] > 0x7E {
				return schemaErr(el, "", data, "byte 0x%02X: only printable ASCII", data[i])
			}
		}
	}
	out, err := c.enc.AppendJustification(c.out, c.align)
	if err != nil {
		return err
	}
	// The quiet zone above and below, as escpos.Encoder.AppendBarcode
	// feeds it for the symbologies it knows.
	out = escpos.AppendBarcodeQuietZone(out, int(bc.Module))
	out = append(out, escpos.GS, 'H', byte(bc.HRI), escpos.GS, 'f', byte(bc.HRIFont),
		escpos.GS, 'h', bc.Height, escpos.GS, 'w', bc.Module,
		escpos.GS, 'k', m, byte(len(data)))
	out = escpos.AppendBarcodeQuietZone(append(out, data...), int(bc.Module))
	c.out = escpos.AppendLF(out)
	return nil
}

var qrLevels = map[string]escpos.QRLevel{"level_l": escpos.QRLevelL, "level_m": escpos.QRLevelM, "level_q": escpos.QRLevelQ, "level_h": escpos.QRLevelH, "default": escpos.QRLevelM}

var symbolTypes = map[string]bool{
	"pdf417_standard": true, "pdf417_truncated": true, "qrcode_model_1": true, "qrcode_model_2": true, "qrcode_micro": true,
	"maxicode_mode_2": true, "maxicode_mode_3": true, "maxicode_mode_4": true, "maxicode_mode_5": true, "maxicode_mode_6": true,
	"gs1_databar_stacked": true, "gs1_databar_stacked_omnidirectional": true, "gs1_databar_expanded_stacked": true,
	"azteccode_fullrange": true, "azteccode_compact": true,
	"datamatrix_square": true, "datamatrix_rectangle_8": true, "datamatrix_rectangle_12": true, "datamatrix_rectangle_16": true,
}

// symbolEl is <symbol>: a two-dimensional code of its content. QR Code
// model 2 prints natively or as a picture; PDF417 natively where the
// printer has it; every other symbol (and PDF417 elsewhere) is a reported
// fallback: the same data as a QR Code, which phones read too.
func (c *conv) symbolEl(attrs []xml.Attr, content string) error {
	const el = "symbol"
	typ, level := "", ""
	width, height, size := 0, 0, 0
	for _, a := range attrs {
		if skipAttr(a) {
			continue
		}
		var err error
		switch a.Name.Local {
		case "type":
			_, err = enumAttr(el, a, symbolTypes)
			typ = a.Value
		case "level":
			level = a.Value
			if _, ok := qrLevels[level]; !ok && !(len(level) == 7 && strings.HasPrefix(level, "level_") && level[6] >= '0' && level[6] <= '8') {
				return schemaErr(el, "level", level, "want level_0 to level_8, level_l, level_m, level_q, level_h or default")
			}
		case "width":
			width, err = intAttr(el, a, 0, 255)
		case "height":
			height, err = intAttr(el, a, 0, 255)
		case "size":
			size, err = intAttr(el, a, 0, 65535)
		case "align":
			var j escpos.Justification
			if j, err = enumAttr(el, a, aligns); err == nil {
				c.setAlign(j)
			}
		case "rotate":
			_, err = boolAttr(el, a)
		default:
			return unknownAttr(el, a)
		}
		if err != nil {
			return err
		}
	}
	if typ == "" {
		return schemaErr(el, "", "", "type is required")
	}
	if content == "" {
		return schemaErr(el, "", "", "no data")
	}
	if strings.HasPrefix(typ, "pdf417") && c.p.Features.PDF417 && c.p.Language == escpos.LanguageESCPOS {
		return c.pdf417(typ, level, width, height, size, content)
	}
	q := escpos.QR{Data: content, Level: escpos.QRLevelM}
	if l, ok := qrLevels[level]; ok {
		q.Level = l
	} else if level != "" && strings.HasPrefix(typ, "qrcode") {
		return schemaErr(el, "level", level, "a QR Code takes level_l, level_m, level_q, level_h or default")
	}
	if width > 16 {
		return schemaErr(el, "width", "", "a QR Code module is 1 to 16 dots")
	}
	q.Module = uint8(width) // 0: Epson's default, 3
	if typ != "qrcode_model_2" {
		c.note("symbol %s printed as a QR Code (model 2) of the same data", typ)
	}
	out, fb, err := c.enc.AppendQR(c.out, q, c.align)
	if err != nil {
		return schemaErr(el, "", content, "%v", err)
	}
	if fb.Raster {
		c.note("symbol %s drawn as a picture: %s", typ, fb.Why)
	}
	c.out = escpos.AppendLF(out)
	return nil
}

// pdf417 prints a PDF417 symbol with GS ( k cn 48: columns (fn 65, size
// when it is a column count 1–30, else automatic), module width (fn 67,
// width 2–8), row height (fn 68, height 2–8), error correction (fn 69,
// level_0–8), standard or truncated (fn 70), store (80), print (81).
func (c *conv) pdf417(typ, level string, width, height, size int, data string) error {
	const el = "symbol"
	if width == 0 {
		width = 3
	}
	if height == 0 {
		height = 3
	}
	if width < 2 || width > 8 || height < 2 || height > 8 {
		return schemaErr(el, "width", "", "a PDF417 module is 2 to 8 dots wide and its rows 2 to 8 modules high")
	}
	cols := 0
	if size >= 1 && size <= 30 {
		cols = size
	}
	ecc := byte(1)
	if len(level) == 7 && level[6] >= '0' && level[6] <= '8' {
		ecc = level[6] - '0'
	} else if level != "" && level != "default" {
		return schemaErr(el, "level", level, "a PDF417 symbol takes level_0 to level_8 or default")
	}
	if len(data) > 928*2 {
		return schemaErr(el, "", "", "%d bytes exceed a PDF417 symbol", len(data))
	}
	trunc := byte(0)
	if typ == "pdf417_truncated" {
		trunc = 1
	}
	out, err := c.enc.AppendJustification(c.out, c.align)
	if err != nil {
		return err
	}
	gs := func(b []byte, fn byte, args ...byte) []byte {
		n := len(args) + 2
		b = append(b, escpos.GS, '(', 'k', byte(n), byte(n>>8), 48, fn)
		return append(b, args...)
	}
	out = gs(out, 65, byte(cols))
	out = gs(out, 66, 0)
	out = gs(out, 67, byte(width))
	out = gs(out, 68, byte(height))
	out = gs(out, 69, 48, 48+ecc)
	out = gs(out, 70, trunc)
	n := len(data) + 3
	out = append(out, escpos.GS, '(', 'k', byte(n), byte(n>>8), 48, 80, 48)
	out = append(out, data...)
	out = gs(out, 81, 48)
	c.out = escpos.AppendLF(out)
	return nil
}
