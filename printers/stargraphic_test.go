package printers_test

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/paper"
	"github.com/secuprint/receipt/escpos/star"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/receipt"
)

// graphicJob renders doc with the bakery template for a TSP100III twice:
// for its ESC/POS twin (what the paper engine draws) and for the printer
// (the renderer's Star Graphic raster).
func graphicJob(tb testing.TB, doc string) (p *escpos.Profile, job, out []byte) {
	tb.Helper()
	p, err := printers.Lookup("TSP100III")
	require.NoError(tb, err)
	tpl, err := receipt.LoadTemplate(filepath.Join("..", "testdata", "templates", "bakery.json"))
	require.NoError(tb, err)
	data, err := os.ReadFile(filepath.Join("..", "testdata", "secuconnect", doc+".json"))
	require.NoError(tb, err)
	tx, err := receipt.ParseTransaction(data)
	require.NoError(tb, err)
	render := func(prof *escpos.Profile) []byte {
		r, err := receipt.NewRenderer(receipt.Options{Profile: prof, EndCut: escpos.CutPartial, Template: tpl})
		require.NoError(tb, err)
		b, _, err := r.RenderTransaction(nil, tx)
		require.NoError(tb, err)
		return b
	}
	return p, render(star.ESCPOSTwin(p)), render(p)
}

// The Star Graphic stream prints, dot for dot, what the paper engine draws
// of the ESC/POS job; every command decodes cleanly.
func TestStarGraphicDrawsTheTwin(t *testing.T) {
	p, job, out := graphicJob(t, "pay-missing-sum")
	drawn, err := star.AppendGraphic(nil, job, p)
	require.NoError(t, err)
	assert.Equal(t, drawn, out, "the renderer's raster is the drawing of its twin's commands")
	cmds := star.Decode(out, p)
	for _, c := range cmds {
		require.NoError(t, c.Err, "%s at %d", c.Name, c.Offset)
		assert.NotEqual(t, "TEXT", c.Name, "a Star Graphic printer has no fonts")
	}
	assert.Equal(t, "ESC * r A", cmds[0].Name)
	assert.Equal(t, "ESC * r B", cmds[len(cmds)-2].Name)
	assert.Equal(t, "BEL", cmds[len(cmds)-1].Name, "the bakery template opens the drawer")

	tickets := star.GraphicTickets(cmds, p.WidthDots)
	require.Len(t, tickets, 1)
	assert.Equal(t, "13", tickets[0].EOT, "partial cut after the cut feed")
	want := paper.Print(job, star.ESCPOSTwin(p)).Tickets[0].Image()
	got := tickets[0].Image()
	require.Equal(t, want.Bounds().Dx(), got.Bounds().Dx())
	require.LessOrEqual(t, got.Bounds().Dy(), want.Bounds().Dy())
	for y := 0; y < want.Bounds().Dy(); y++ {
		for x := 0; x < want.Bounds().Dx(); x++ {
			w := want.Pix[y*want.Stride+x] < 0x80
			g := y < got.Bounds().Dy() && got.Pix[y*got.Stride+x] == 0
			if w != g {
				t.Fatalf("dot (%d,%d): paper %v, Star Graphic %v", x, y, w, g)
			}
		}
	}

	base := filepath.Join("..", "testdata", "golden", "whole", "pay-missing-sum-TSP100III")
	checkGolden(t, base+".bin", out)
	var pngBuf bytes.Buffer
	require.NoError(t, encodePNG(&pngBuf, got))
	checkGolden(t, base+".png", pngBuf.Bytes())
}

// A Star Graphic profile has one ESC/POS twin with its dots; a job the
// paper engine cannot draw is refused, not printed wrong.
func TestStarGraphicTwinAndErrors(t *testing.T) {
	p, err := printers.Lookup("TSP100III")
	require.NoError(t, err)
	twin := star.ESCPOSTwin(p)
	assert.Same(t, twin, star.ESCPOSTwin(p), "one twin per profile")
	assert.Equal(t, escpos.LanguageESCPOS, twin.Language)
	assert.Equal(t, p.WidthDots, twin.WidthDots)
	_, err = star.AppendGraphic(nil, []byte{0x1B, 't', 200, 0x80}, p)
	assert.Error(t, err, "a job the engine cannot draw is refused")
}

// BenchmarkStarGraphic: the whole "pay the missing sum" receipt drawn and
// sent as Star Graphic raster for a TSP100III (576 dots).
func BenchmarkStarGraphic(b *testing.B) {
	p, job, _ := graphicJob(b, "pay-missing-sum")
	var out []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if out, err = star.AppendGraphic(nil, job, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(out)), "bytes/receipt")
	b.ReportMetric(float64(len(out))*10/9600, "s@9600baud")
	b.ReportMetric(float64(len(out))*10/115200, "s@115200baud")
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
	assert.True(t, bytes.Equal(want, got), "%s differs from the golden (go test ./... -update if intended)", path)
}

func encodePNG(w *bytes.Buffer, img image.Image) error { return png.Encode(w, img) }

// zbarimg, a decoder this project did not write, reads the QR code off the
// Star Graphic raster of the whole receipt, as it would off the paper.
func TestStarGraphicScans(t *testing.T) {
	bin, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg not installed (Debian zbar-tools)")
	}
	p, _, out := graphicJob(t, "pay-missing-sum")
	tickets := star.GraphicTickets(star.Decode(out, p), p.WidthDots)
	require.Len(t, tickets, 1)
	var buf bytes.Buffer
	require.NoError(t, encodePNG(&buf, tickets[0].Image()))
	path := filepath.Join(t.TempDir(), "ticket.png")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	got, err := exec.Command(bin, "--raw", "-q", path).Output()
	require.NoError(t, err)
	assert.Equal(t, "STX_KJXJDUN542NR3WMRHRVU5WWM6ZQEA2\n", string(got))
}

// TestGoldenStarGraphic keeps each documented receipt as a TSP100III gets
// it: the Star Graphic stream, its disassembly and its paper.
func TestGoldenStarGraphic(t *testing.T) {
	p, err := printers.Lookup("TSP100III")
	require.NoError(t, err)
	for _, doc := range []string{"cash-start", "pay-missing-sum", "card-topup", "capture-step4"} {
		t.Run(doc, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "testdata", "secuconnect", doc+".json"))
			require.NoError(t, err)
			tx, err := receipt.ParseTransaction(data)
			require.NoError(t, err)
			// The renderer speaks Star Graphic itself (the printer's profile).
			r, err := receipt.NewRenderer(receipt.Options{Profile: p, EndCut: escpos.CutPartial})
			require.NoError(t, err)
			out, rep, err := r.Render(nil, tx.Receipt)
			require.NoError(t, err)
			require.Empty(t, rep.Warnings)
			cmds := star.Decode(out, p)
			for _, c := range cmds {
				require.NoError(t, c.Err, "%s", c.Name)
			}
			tickets := star.GraphicTickets(cmds, p.WidthDots)
			require.Len(t, tickets, 1)
			var img bytes.Buffer
			require.NoError(t, encodePNG(&img, tickets[0].Image()))
			base := filepath.Join("..", "testdata", "golden", doc, "TSP100III")
			checkGolden(t, base+".bin", out)
			checkGolden(t, base+".txt", star.AppendDisassembly(nil, cmds))
			checkGolden(t, base+".png", img.Bytes())
		})
	}
}
