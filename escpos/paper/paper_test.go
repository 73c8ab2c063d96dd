package paper_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/escpos/paper"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/receipt"
)

var update = flag.Bool("update", false, "rewrite golden files")

var documented = []string{"cash-start", "pay-missing-sum", "card-topup", "capture-step4"}

type setup struct {
	name    string
	model   string
	columns int
	width   int // print area override, dots
}

var setups = []setup{
	{"TM-T88V-42col", "TM-T88V", 0, 0},
	{"TM-T88V-48col", "TM-T88V", 48, 576}, // an 80 mm printer set to 576 dots
	{"ZJ-5870-58mm", "ZJ-5870", 0, 0},
	{"default", "default", 0, 0},
}

func render(tb testing.TB, doc string, s setup, section escpos.CutMode) (job, preview []byte, p *escpos.Profile) {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "secuconnect", doc+".json"))
	require.NoError(tb, err)
	tx, err := receipt.ParseTransaction(data)
	require.NoError(tb, err)
	p, err = printers.Lookup(s.model)
	require.NoError(tb, err)
	r, err := receipt.NewRenderer(receipt.Options{Profile: p, Columns: s.columns, SectionCut: section, EndCut: escpos.CutPartial})
	require.NoError(tb, err)
	job, _, err = r.Render(nil, tx.Receipt)
	require.NoError(tb, err)
	preview, _ = r.Text(nil, tx.Receipt)
	return job, preview, p
}

func trimBlankTail(lines []string) []string {
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// TestRoundTrip prints every documented receipt on the virtual paper and
// reads it back as text: it must be exactly the layout the renderer meant,
// line for line, with names left, values right and captions centred.
func TestRoundTrip(t *testing.T) {
	for _, doc := range documented {
		for _, s := range setups {
			t.Run(doc+"/"+s.name, func(t *testing.T) {
				job, preview, p := render(t, doc, s, escpos.CutNone)
				res := paper.Interpret(decode.Decode(job, p), p, paper.Options{WidthDots: s.width})
				require.Empty(t, res.Problems)
				want := strings.Split(string(preview), "\n")
				var cut int
				for cut = range want {
					if strings.HasPrefix(want[cut], "~~~") {
						break
					}
				}
				want = trimBlankTail(want[:cut])
				for i := range want {
					want[i] = strings.TrimRight(want[i], " ")
				}
				require.NotEmpty(t, res.Tickets)
				got := trimBlankTail(res.Tickets[0].Lines())
				assert.Equal(t, want, got)
				if p.Features.PaperPartCut {
					assert.Len(t, res.Tickets, 1)
					assert.Equal(t, escpos.CutPartial, res.Tickets[0].Cut)
				}
			})
		}
	}
}

func TestRoundTripCardTopUpPositions(t *testing.T) {
	job, _, p := render(t, "card-topup", setups[0], escpos.CutPartial)
	res := paper.Print(job, p)
	require.Empty(t, res.Problems)
	require.Len(t, res.Tickets, 2, "a cut between the two sections and one at the end")
	lines := res.Tickets[0].Lines()
	assert.Equal(t, "          K u n d e n k a r t e", lines[0], "caption centred in double width")
	assert.Equal(t, "Kartennummer:             9276004429942845", lines[2], "name left, value ending at column 42")
	assert.Len(t, lines[2], 42)
	second := trimBlankTail(res.Tickets[1].Lines())
	assert.Equal(t, []string{"K u n d e n k a r t e   A u f l a d u n g", ""}, second[:2], "a fresh ticket starts with its caption")
	assert.Contains(t, res.Tickets[0].Text(), "[2x2]**Kundenkarte**[/2x2]")
	assert.Contains(t, res.Tickets[0].Text(), "[1x2]**15,00 EUR**[/1x2]")
	assert.Contains(t, res.Tickets[0].Text(), "--- cut (partial) ---")
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestWrapAtTheLastDot(t *testing.T) {
	p, err := printers.Lookup("ZJ-5870") // 384 dots, 32 columns of 12 dots
	require.NoError(t, err)
	tests := []struct {
		name string
		in   []byte
		want []string
	}{
		{"exactly one line", []byte(strings.Repeat("x", 32) + "\n"), []string{strings.Repeat("x", 32)}},
		{"one over wraps", []byte(strings.Repeat("x", 33) + "\n"), []string{strings.Repeat("x", 32), "x"}},
		{"double width halves", cat([]byte{0x1D, '!', 0x10}, []byte(strings.Repeat("y", 17)+"\n")),
			[]string{strings.TrimRight(strings.Repeat("y ", 16), " "), "y"}},
		{"centre", cat([]byte{0x1B, 'a', 1}, []byte("abcd\n")), []string{"              abcd"}},
		{"right", cat([]byte{0x1B, 'a', 2}, []byte("abcd\n")), []string{strings.Repeat(" ", 28) + "abcd"}},
		{"empty LF is a line", []byte("a\n\nb\n"), []string{"a", "", "b"}},
		{"tab", []byte("a\tb\n"), []string{"a       b"}},
		{"code page CP437", []byte{0x84, 0x94, 0x81, 0xE1, 0x8E, 0x99, 0x9A, '\n'}, []string{"äöüßÄÖÜ"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := paper.Print(tt.in, p)
			require.Empty(t, res.Problems)
			require.Len(t, res.Tickets, 1)
			assert.Equal(t, tt.want, res.Tickets[0].Lines())
		})
	}
}

func TestStylesAndImages(t *testing.T) {
	in := cat(
		[]byte{0x1B, 'E', 1}, []byte("B"), []byte{0x1B, 'E', 0, 0x1B, '-', 1}, []byte("U"), []byte{0x1B, '-', 0, 0x1D, 'B', 1}, []byte("R"),
		[]byte{0x1D, 'B', 0, 0x1B, '!', 0x30}, []byte("W\n"),
		[]byte{0x1D, 'v', '0', 0, 2, 0, 3, 0}, bytes.Repeat([]byte{0xF0}, 6),
		[]byte{0x1D, '(', 'k', 7, 0, 49, 80, 48}, []byte("abcd"), []byte{0x1D, '(', 'k', 3, 0, 49, 81, 48},
		[]byte{0x1D, 'k', 4}, []byte("*AB*"), []byte{0},
		[]byte{0x1D, 'V', 0}, []byte("tail\n"),
	)
	res := paper.Print(in, nil)
	require.Empty(t, res.Problems)
	require.Len(t, res.Tickets, 2)
	assert.Equal(t, "**B**__U__[rev]R[/rev][2x2]W[/2x2]\n[raster 16x3]\n[qr \"abcd\"]\n[barcode CODE39 \"*AB*\"]\n--- cut (full) ---\n", res.Tickets[0].Text())
	assert.Equal(t, escpos.CutNone, res.Tickets[1].Cut)
	assert.Equal(t, []string{"t a i l"}, res.Tickets[1].Lines(), "a cut keeps the print mode, as on Epson printers")
	img := res.Tickets[0].Image()
	assert.Equal(t, 504, img.Bounds().Dx(), "a profile-less printer: 42 columns of 12 dots")
}

func TestProblemsAreReported(t *testing.T) {
	res := paper.Print([]byte{0x1B, 0x01, 0x1D, 'v', '0', 0, 0xFF, 0xFF, 0xFF, 0xFF}, nil)
	require.Len(t, res.Problems, 2)
	assert.Contains(t, res.Problems[0].String(), "offset 0")
	assert.Contains(t, res.Problems[1].String(), "input ends inside a command")
}

func TestHTMLIsSelfContained(t *testing.T) {
	job, _, p := render(t, "pay-missing-sum", setups[0], escpos.CutNone)
	var b bytes.Buffer
	require.NoError(t, paper.HTML(&b, "a <receipt>", paper.Print(job, p).Tickets))
	s := b.String()
	assert.Contains(t, s, "<title>a &lt;receipt&gt;</title>")
	assert.Contains(t, s, `src="data:image/png;base64,`)
	assert.Contains(t, s, `<span class="b h2">7</span>`)
	assert.NotContains(t, s, "http://")
	assert.NotContains(t, s, "https://")
}

// TestPNGGolden keeps a picture of every documented receipt on an 80 mm and
// a 58 mm printer.
func TestPNGGolden(t *testing.T) {
	for _, doc := range documented {
		for _, s := range []setup{setups[0], setups[2]} {
			t.Run(doc+"/"+s.model, func(t *testing.T) {
				job, _, p := render(t, doc, s, escpos.CutNone)
				res := paper.Print(job, p)
				require.NotEmpty(t, res.Tickets)
				var got bytes.Buffer
				require.NoError(t, res.Tickets[0].PNG(&got))
				path := filepath.Join("..", "..", "testdata", "golden", "png", doc+"-"+s.model+".png")
				if *update {
					require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
					require.NoError(t, os.WriteFile(path, got.Bytes(), 0o644))
					return
				}
				want, err := os.ReadFile(path)
				require.NoError(t, err, "golden missing: run go test ./... -update")
				assert.True(t, bytes.Equal(want, got.Bytes()), "%s differs; view both and run -update if intended", path)
			})
		}
	}
}

func FuzzPrint(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "golden", "*", "*.bin"))
	foreign, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "thirdparty", "*.bin"))
	files = append(files, foreign...)
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte{0x1D, 'v', '0', 3, 0xFF, 0x00, 0xFF, 0x00})
	f.Add([]byte{0x1D, '(', 'L', 10, 0, 48, 112, 48, 8, 8, 49, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Add([]byte{0x1D, '(', 'L', 13, 0, 48, 67, 48, 'A', '1', 1, 8, 0, 2, 0, 49, 0xF0, 0x0F, 0x1D, '(', 'L', 6, 0, 48, 69, 'A', '1', 2, 2})
	f.Add([]byte{0x1C, 'q', 1, 1, 0, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0x1C, 'p', 1, 3})
	f.Add([]byte{0x1D, '(', 'k', 3, 0, 49, 67, 8, 0x1D, '(', 'k', 3, 0, 49, 69, 51, 0x1D, '(', 'k', 5, 0, 49, 80, 48, 'h', 'i', 0x1D, '(', 'k', 3, 0, 49, 81, 48})
	f.Add([]byte{0x1D, 'H', 3, 0x1D, 'w', 2, 0x1D, 'k', 73, 7, '{', 'B', 'N', 'o', '{', 'C', 12})
	f.Add([]byte{0x1B, '3', 24, 0x1B, '*', 33, 2, 0, 1, 2, 3, 4, 5, 6, '\n', 0x1B, '$', 10, 0, 'x', 0x1B, '\\', 0xF0, 0xFF, 'y', 0x1B, '{', 1, 'z', '\n'})
	p, _ := printers.Lookup("TM-T88V")
	f.Fuzz(func(t *testing.T, in []byte) {
		res := paper.Print(in, p)
		for _, tk := range res.Tickets {
			_ = tk.Text()
			_ = tk.Lines()
			if b := tk.Image().Bounds(); b.Dy() > 1<<17 {
				t.Fatalf("ticket %d dots tall", b.Dy())
			}
		}
	})
}

func BenchmarkDecodeInterpret(b *testing.B) {
	for _, doc := range documented {
		job, _, p := render(b, doc, setups[0], escpos.CutNone)
		b.Run(doc, func(b *testing.B) {
			b.SetBytes(int64(len(job)))
			b.ReportAllocs()
			for b.Loop() {
				paper.Print(job, p)
			}
		})
	}
}

func BenchmarkPNG(b *testing.B) {
	job, _, p := render(b, "card-topup", setups[0], escpos.CutNone)
	tk := paper.Print(job, p).Tickets[0]
	b.ReportAllocs()
	for b.Loop() {
		var out bytes.Buffer
		if err := tk.PNG(&out); err != nil {
			b.Fatal(err)
		}
	}
}
