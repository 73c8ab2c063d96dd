package star

import (
	"testing"

	"github.com/secuprint/receipt/escpos"
)

// A 384x120 half-black raster, the size of the bakery logo.
func benchRaster() *escpos.Raster {
	r := &escpos.Raster{Width: 384, Height: 120, Stride: 48, Bits: make([]byte, 48*120)}
	for i := range r.Bits {
		r.Bits[i] = 0xAA
	}
	return r
}

func BenchmarkAppendRaster(b *testing.B) {
	r := benchRaster()
	for _, tc := range []struct {
		name string
		f    func([]byte, *escpos.Raster, int) ([]byte, error)
	}{{"ESC X bands (Line Mode)", AppendRaster}, {"ESC GS S (StarPRNT)", AppendRasterPRNT}} {
		b.Run(tc.name, func(b *testing.B) {
			dst := make([]byte, 0, 32<<10)
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if dst, err = tc.f(dst[:0], r, 96); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(dst)))
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	e, _ := NewEncoder(prnt)
	in := e.AppendInit(nil)
	for range 40 {
		in = e.AppendText(in, "Sandwich Romano                        3,49 €")
		in = e.AppendLF(in)
	}
	in, _ = AppendRasterPRNT(in, benchRaster(), 96)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	d := NewDecoder(prnt)
	var cmds []Command
	for b.Loop() {
		cmds = d.DecodeAll(cmds[:0], in)
	}
}
