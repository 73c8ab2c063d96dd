package receipt

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/secuprint/receipt/escpos"
)

// addTestdataSeeds seeds f with every JSON document under testdata/.
func addTestdataSeeds(f *testing.F) {
	f.Helper()
	for _, pattern := range []string{"../testdata/secuconnect/*.json", "../testdata/receipts/*.json"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte(`[{"type":"textline","value":{"text":"\u001b@\u001dV\u0000 ü € \u2028","decoration":["important","x"]}}]`))
	f.Add([]byte(`{"receipt":[{"type":"separator","value":{"caption":""}},{"type":"space"}]}`))
}

func FuzzParseTransaction(f *testing.F) {
	addTestdataSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		tx, err := ParseTransaction(data)
		if err != nil {
			return
		}
		for i, l := range tx.Receipt {
			if l.Type < Separator || l.Type > Space {
				t.Fatalf("line %d: parsed an invalid type %v", i, l.Type)
			}
			if l.Decoration&^Important != 0 {
				t.Fatalf("line %d: undefined decoration bits %b", i, l.Decoration)
			}
		}
	})
}

func FuzzRender(f *testing.F) {
	addTestdataSeeds(f)
	cp437 := &escpos.Profile{ID: "cp437", Fonts: []escpos.FontInfo{{Font: escpos.FontA, Columns: 7}},
		CodePages: []escpos.CodePageSlot{{Slot: 0, Encoding: "CP437"}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		tx, err := ParseTransaction(data)
		if err != nil {
			return
		}
		for _, p := range []*escpos.Profile{epson, cp437} {
			r, err := NewRenderer(Options{Profile: p, SectionCut: escpos.CutFull, EndCut: escpos.CutPartial})
			if err != nil {
				t.Fatal(err)
			}
			out, _, err := r.Render(nil, tx.Receipt)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			assertOnlyEncoderControls(t, out)
			text, _ := r.Text(nil, tx.Receipt)
			if !utf8.Valid(text) {
				t.Fatalf("text preview is not UTF-8: %q", text)
			}
			for _, c := range string(text) {
				if c < 0x20 && c != '\n' || c == 0x7F || c >= 0x80 && c < 0xA0 {
					t.Fatalf("control %U in the text preview: %q", c, text)
				}
			}
		}
	})
}
