package receipt_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/receipt"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

// documented are the API documentation's responses (testdata/secuconnect).
var documented = []string{"cash-start", "pay-missing-sum", "card-topup", "capture-step4"}

// goldenConfig is one printer set-up every documented receipt is rendered for.
type goldenConfig struct {
	name    string
	model   string
	columns int
	section escpos.CutMode
}

var goldenConfigs = []goldenConfig{
	{name: "TM-T88V-42col", model: "TM-T88V"},
	{name: "TM-T88V-48col", model: "TM-T88V", columns: 48},
	{name: "ZJ-5870-58mm", model: "ZJ-5870"},
	{name: "default", model: "default"},
	{name: "TM-T88V-section-cut", model: "TM-T88V", section: escpos.CutPartial},
}

func loadTransaction(tb testing.TB, name string) *receipt.Transaction {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "secuconnect", name+".json"))
	require.NoError(tb, err)
	tx, err := receipt.ParseTransaction(data)
	require.NoError(tb, err)
	return tx
}

func rendererFor(tb testing.TB, c goldenConfig) *receipt.Renderer {
	tb.Helper()
	p, err := printers.Lookup(c.model)
	require.NoError(tb, err)
	r, err := receipt.NewRenderer(receipt.Options{Profile: p, Columns: c.columns, SectionCut: c.section, EndCut: escpos.CutPartial})
	require.NoError(tb, err)
	return r
}

// TestGolden renders every documented receipt for every golden printer and
// compares the bytes, their disassembly and the text preview with
// testdata/golden. A missing golden fails; -update rewrites them.
func TestGolden(t *testing.T) {
	for _, doc := range documented {
		tx := loadTransaction(t, doc)
		for _, c := range goldenConfigs {
			t.Run(doc+"/"+c.name, func(t *testing.T) {
				r := rendererFor(t, c)
				out, rep, err := r.Render(nil, tx.Receipt)
				require.NoError(t, err)
				require.Empty(t, rep.Warnings, "documented receipts print exactly as written")
				p, err := printers.Lookup(c.model)
				require.NoError(t, err)
				text, _ := r.Text(nil, tx.Receipt)
				base := filepath.Join("..", "testdata", "golden", doc, c.name)
				checkGolden(t, base+".bin", out)
				checkGolden(t, base+".txt", decode.AppendDisassembly(nil, decode.Decode(out, p)))
				checkGolden(t, base+".preview.txt", text)
			})
		}
	}
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Fatalf("golden %s is missing; run go test ./... -update to create it", path)
	}
	require.NoError(t, err)
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the golden (run go test ./... -update if the change is intended)\n--- want\n%s\n--- got\n%s",
			path, printable(want), printable(got))
	}
}

func printable(b []byte) string {
	if strings.HasSuffix(string(b), "\n") && !bytes.ContainsAny(b, "\x1b\x1d\x10") {
		return string(b)
	}
	return strings.TrimSpace(string(decode.AppendDisassembly(nil, decode.Decode(b, nil))))
}

// BenchmarkRender measures layout + encoding of each documented receipt on
// an 80 mm Epson, the work done per print job once the JSON is parsed.
func BenchmarkRender(b *testing.B) {
	for _, doc := range documented {
		b.Run(doc, func(b *testing.B) {
			tx := loadTransaction(b, doc)
			r := rendererFor(b, goldenConfigs[0])
			dst := make([]byte, 0, 4096)
			b.ReportAllocs()
			for b.Loop() {
				out, _, err := r.Render(dst[:0], tx.Receipt)
				if err != nil {
					b.Fatal(err)
				}
				dst = out
			}
			b.ReportMetric(float64(len(dst)), "bytes/receipt")
		})
	}
}

// BenchmarkRenderCold includes creating the renderer and the output buffer:
// the cost for a caller that keeps nothing between receipts.
func BenchmarkRenderCold(b *testing.B) {
	tx := loadTransaction(b, "pay-missing-sum")
	p, err := printers.Lookup("TM-T88V")
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		r, err := receipt.NewRenderer(receipt.Options{Profile: p, EndCut: escpos.CutPartial})
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := r.Render(nil, tx.Receipt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseTransaction(b *testing.B) {
	for _, doc := range documented {
		b.Run(doc, func(b *testing.B) {
			data, err := os.ReadFile(filepath.Join("..", "testdata", "secuconnect", doc+".json"))
			require.NoError(b, err)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := receipt.ParseTransaction(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
