package epos_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/receipt/epos"
)

// FuzzConvert feeds any body to the converter for an Epson and a Star
// profile: it must return a document or a typed error, never panic, keep
// its output bounded by the body, and every command it emits must decode
// (text from outside never carries a control byte the decoder misreads).
func FuzzConvert(f *testing.F) {
	seeds, _ := filepath.Glob("../../testdata/epos/*.xml")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) > 8<<10 {
			continue // the Odoo picture: too big a seed to mutate
		}
		f.Add(b)
	}
	for _, inner := range []string{
		`<text width="2" dh="true" align="center" x="10" linespc="20">a&#9;b&#10;</text>`,
		`<image width="9" height="2" mode="gray16">` + b64(make([]byte, 10)) + `</image>`,
		`<image width="16" height="3" align="right">` + b64([]byte{0, 1, 0, 0, 0x80, 0}) + `</image>`,
		`<barcode type="code128">{A12{B34{C56</barcode>`,
		`<symbol type="pdf417_standard" level="level_3">x</symbol>`,
		`<hline x1="0" x2="100" style="thick_double"/>`,
		`<command>1b45011d2101</command>`,
		`<feed unit="100"/><cut type="no_feed"/><pulse/><sound/>`,
	} {
		f.Add([]byte(doc(inner)))
	}
	tm88 := profile(f, "TM-T88V")
	star := profile(f, "TSP650II")
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, p := range []*escpos.Profile{tm88, star} {
			d, err := epos.Convert(bytes.NewReader(body), p, epos.Options{AllowCommand: true, MaxBody: 1 << 16})
			if err != nil {
				var se *epos.SchemaError
				if !errors.As(err, &se) && !errors.Is(err, epos.ErrTooLarge) {
					t.Fatalf("untyped error %v", err)
				}
				continue
			}
			if len(d.Bytes) > 64*len(body)+4096 {
				t.Fatalf("%d bytes out of a %d-byte body", len(d.Bytes), len(body))
			}
			if p != tm88 {
				continue
			}
			for _, c := range decode.Decode(d.Bytes, p) {
				if c.Op == decode.OpUnknown || c.Op == decode.OpTruncated {
					t.Fatalf("emitted %s at %d: %v", c.Name, c.Offset, c.Err)
				}
			}
		}
	})
}
