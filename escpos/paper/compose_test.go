package paper_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos/paper"
	"github.com/secuprint/receipt/printers"
)

func TestStripAndDiffImage(t *testing.T) {
	p := tmT88V(t)
	two := paper.Print([]byte("one\n\x1dV\x00two\n\x1dV\x00"), p).Tickets
	require.Len(t, two, 2)
	strip := paper.Strip(two)
	assert.Equal(t, two[0].Image().Bounds().Dy()+12+two[1].Image().Bounds().Dy(), strip.Bounds().Dy(), "tickets and a cut mark")

	a := paper.Print([]byte("Summe\n7,96 EUR\nDanke\n"), p).Tickets
	img, rows := paper.DiffImage(a, a)
	assert.Zero(t, rows)
	assert.Equal(t, 8+512+16+512+8, img.Bounds().Dx())

	b := paper.Print([]byte("Summe\n8,96 EUR\nDanke\n"), p).Tickets
	img, rows = paper.DiffImage(a, b)
	assert.Positive(t, rows)
	assert.LessOrEqual(t, rows, 30, "only the changed line")
	assert.Equal(t, 90, img.Bounds().Dy(), "a changed line faces its replacement")

	c := paper.Print([]byte("Summe\nFiliale 7\n7,96 EUR\nDanke\n"), p).Tickets
	img, rows = paper.DiffImage(a, c)
	assert.LessOrEqual(t, rows, 30, "an added line; the rest aligned")
	assert.Equal(t, 120, img.Bounds().Dy())
	r, g, _, _ := img.At(3, 40).RGBA()
	assert.True(t, r > 0xC000 && g < 0x4000, "changed rows marked red in the gutter")
}

// BenchmarkWholeReceiptPNG: a whole receipt (logo, basket, QR) from the
// receipt goldens, printed and drawn as PNG: the cost of a preview.
func BenchmarkWholeReceiptPNG(b *testing.B) {
	job, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", "whole", "pay-missing-sum-TM-T88V.bin"))
	if err != nil {
		b.Skip("no whole-receipt golden")
	}
	p, err := printers.Lookup("TM-T88V")
	require.NoError(b, err)
	b.SetBytes(int64(len(job)))
	b.ReportAllocs()
	for b.Loop() {
		res := paper.Print(job, p)
		var out bytes.Buffer
		if err := res.Tickets[0].PNG(&out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDiffImage(b *testing.B) {
	p, err := printers.Lookup("TM-T88V")
	require.NoError(b, err)
	a := paper.Print([]byte(strings.Repeat("Summe 7,96 EUR\n", 40)), p).Tickets
	c := paper.Print([]byte(strings.Repeat("Summe 7,96 EUR\n", 20)+"Summe 8,96 EUR\n"+strings.Repeat("Summe 7,96 EUR\n", 19)), p).Tickets
	b.ReportAllocs()
	for b.Loop() {
		paper.DiffImage(a, c)
	}
}
