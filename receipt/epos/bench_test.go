package epos_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/secuprint/receipt/receipt/epos"
)

// BenchmarkConvertOdooPicture: Odoo's 576 × 1600 receipt picture (154 KB
// of SOAP) to ESC/POS. Target: ≤ 10 ms and ≤ 8 MB allocated per request;
// wire/raw is the bytes sent against the picture's raw raster (≤ 0.5).
func BenchmarkConvertOdooPicture(b *testing.B) {
	body, err := os.ReadFile(odooRequestXML)
	if err != nil {
		b.Fatal(err)
	}
	p := profile(b, "TM-T20II")
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	var wire int
	for b.Loop() {
		d, err := epos.Convert(bytes.NewReader(body), p, epos.Options{})
		if err != nil {
			b.Fatal(err)
		}
		wire = len(d.Bytes)
	}
	b.ReportMetric(float64(wire)/float64(576/8*1600), "wire/raw")
}

// BenchmarkConvertText: the Epson-SDK-style text document to ESC/POS.
func BenchmarkConvertText(b *testing.B) {
	body, err := os.ReadFile(sdkTextPath)
	if err != nil {
		b.Fatal(err)
	}
	p := profile(b, "TM-T88V")
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := epos.Convert(bytes.NewReader(body), p, epos.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
