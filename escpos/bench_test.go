package escpos

import (
	"math/bits"
	"testing"
)

// BenchmarkNewRaster576x200 converts the committed 576×200 logo (decoded
// once) to dots with Floyd–Steinberg, as a receipt with a picture does.
func BenchmarkNewRaster576x200(b *testing.B) {
	img := loadLogo(b)
	b.ReportAllocs()
	var r *Raster
	for b.Loop() {
		var err error
		if r, err = NewRaster(img, RasterOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(r.Bits)), "raster-bytes")
	black := 0
	for _, v := range r.Bits {
		black += bits.OnesCount8(v)
	}
	b.ReportMetric(float64(black), "black-dots")
}

// BenchmarkAppendImage576x200 is the whole path to printer bytes: convert,
// band, append (what receipt-printer-encoder's image() does).
func BenchmarkAppendImage576x200(b *testing.B) {
	img := loadLogo(b)
	e, err := NewEncoder(&Profile{ID: "bench", WidthDots: 576, Features: Features{BitImageRaster: true}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var out []byte
	for b.Loop() {
		if out, err = e.AppendImage(out[:0], img, ImageOptions{Justify: JustifyCenter}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(out)), "out-bytes")
}

// BenchmarkNewRasterScale1152 halves a 1152×400 picture to the head first.
func BenchmarkNewRasterScale1152(b *testing.B) {
	img := testPicture(1152, 400)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewRaster(img, RasterOptions{MaxWidth: 576}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendQR(b *testing.B) {
	q := QR{Data: "https://example.com/receipts/2026-12-02/0042?sig=3f9a1c", Module: 4, Level: QRLevelM}
	b.ReportAllocs()
	var out []byte
	for b.Loop() {
		var err error
		if out, err = AppendQR(out[:0], q); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewQRRaster(b *testing.B) {
	q := QR{Data: "https://example.com/receipts/2026-12-02/0042?sig=3f9a1c", Module: 4, Level: QRLevelM}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewQRRaster(q); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBarcode(b *testing.B) {
	bc := Barcode{Symbology: Code128, Data: "INV-2026-000123456", HRI: HRIBelow}
	b.Run("AppendBarcode", func(b *testing.B) {
		b.ReportAllocs()
		var out []byte
		for b.Loop() {
			var err error
			if out, err = AppendBarcode(out[:0], bc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("BarcodeModules", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := BarcodeModules(bc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("EAN13", func(b *testing.B) {
		ean := Barcode{Symbology: EAN13, Data: "400638133393"}
		b.ReportAllocs()
		var out []byte
		for b.Loop() {
			var err error
			if out, err = AppendBarcode(out[:0], ean); err != nil {
				b.Fatal(err)
			}
		}
	})
}
