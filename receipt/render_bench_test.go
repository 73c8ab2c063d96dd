package receipt

import "testing"

// missingSum holds the receipt lines of the API's "pay the missing sum"
// response, so this benchmark runs without the generated printer table.
var missingSum = Receipt{
	{Type: Separator, Caption: "Kundenkarte"},
	{Type: NameValue, Name: "Kartennummer: ", Value: "9276004429942845"},
	{Type: NameValue, Name: "TA Code: ", Value: "29187332"},
	{Type: Space},
	{Type: TextLine, Text: "Umsatz erfasst:"},
	{Type: TextLine, Text: "7,96 EUR", Decoration: Important},
	{Type: Space},
	{Type: TextLine, Text: "Aktuelles Guthaben"},
	{Type: TextLine, Text: "10,00 EUR", Decoration: Important},
}

func BenchmarkRenderMissingSum(b *testing.B) {
	r, err := NewRenderer(Options{Profile: epson, EndCut: 1})
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		dst, _, err = r.Render(dst[:0], missingSum)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(dst)), "bytes/receipt")
}

func BenchmarkTextMissingSum(b *testing.B) {
	r, err := NewRenderer(Options{Profile: epson})
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		dst, _ = r.Text(dst[:0], missingSum)
	}
}
