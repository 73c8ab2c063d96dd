package receipt_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/escpos/paper"
	"github.com/secuprint/receipt/escpos/star"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/receipt"
)

// The renderer returns the printer's own language, built from pieces this
// test puts together by hand: the commands for the printer's encoder (the
// ESC/POS twin's for Star Graphic), a StarPRNT page flush where no cut ends
// them, a Star Graphic printer's paper as raster. Its preview is the paper
// engine's drawing of the twin's ESC/POS.
func TestRendererSpeaksThePrintersLanguage(t *testing.T) {
	tpl, err := receipt.LoadTemplate(filepath.Join("..", "testdata", "templates", "bakery.json"))
	require.NoError(t, err)
	for _, id := range []string{"TM-T88V", "TSP650II", "mC-Print3", "TSP100III"} {
		p, err := printers.Lookup(id)
		require.NoError(t, err)
		for _, doc := range []string{"pay-missing-sum", "card-topup"} {
			for _, end := range []escpos.CutMode{escpos.CutPartial, escpos.CutNone} {
				t.Run(id+"/"+doc+"/"+end.String(), func(t *testing.T) {
					data, err := os.ReadFile(filepath.Join("..", "testdata", "secuconnect", doc+".json"))
					require.NoError(t, err)
					tx, err := receipt.ParseTransaction(data)
					require.NoError(t, err)
					opt := receipt.Options{Profile: p, EndCut: end, Template: tpl, Logos: receipt.LogoRaster}
					r, err := receipt.NewRenderer(opt)
					require.NoError(t, err)
					got, _, err := r.RenderTransaction([]byte("prefix"), tx)
					require.NoError(t, err)
					require.True(t, bytes.HasPrefix(got, []byte("prefix")), "appends to dst")
					got = got[len("prefix"):]

					// By hand: encode for the printer, or the twin of a Star
					// Graphic one, then turn into what the printer takes.
					encFor := p
					if p.Language == escpos.LanguageStarGraphic {
						encFor = star.ESCPOSTwin(p)
					}
					o := opt
					o.Profile = encFor
					er, err := receipt.NewRenderer(o)
					require.NoError(t, err)
					enc, _, err := er.RenderTransaction(nil, tx)
					require.NoError(t, err)
					want := enc
					if p.Language == escpos.LanguageStarGraphic {
						want, err = star.AppendGraphic(nil, enc, p)
						require.NoError(t, err)
					}
					assert.Equal(t, want, got)
					if p.Language == escpos.LanguageStarPRNT {
						// Printed by page: a cut or the flush ends the job.
						flush := star.AppendPageFlush(nil)
						cmds := star.Decode(got, p)
						if end == escpos.CutNone {
							assert.True(t, bytes.HasSuffix(got, flush), "the page flush ends the job")
							assert.False(t, bytes.Contains(got[:len(got)-len(flush)], flush), "one flush")
						} else {
							assert.Equal(t, "ESC d", cmds[len(cmds)-1].Name, "the cut ends the job")
						}
					}

					// The preview draws the twin's ESC/POS.
					twin := star.ESCPOSTwin(p)
					o.Profile = twin
					tr, err := receipt.NewRenderer(o)
					require.NoError(t, err)
					twinJob, _, err := tr.RenderTransaction(nil, tx)
					require.NoError(t, err)
					wantPaper := paper.Interpret(decode.Decode(twinJob, twin), twin, paper.Options{})
					res, _, err := r.PreviewTransaction(tx, paper.Options{})
					require.NoError(t, err)
					require.Empty(t, res.Problems)
					require.Len(t, res.Tickets, len(wantPaper.Tickets))
					for i := range res.Tickets {
						assert.Equal(t, wantPaper.Tickets[i].Text(), res.Tickets[i].Text())
						assert.Equal(t, wantPaper.Tickets[i].Image().Pix, res.Tickets[i].Image().Pix)
					}

					// The copy mark is finished as the receipt is.
					mark, err := r.AppendCopyMark(nil)
					require.NoError(t, err)
					plain, err := er.AppendCopyMark(nil)
					require.NoError(t, err)
					if p.Language == escpos.LanguageStarGraphic {
						plain, err = star.AppendGraphic(nil, plain, p)
						require.NoError(t, err)
					}
					assert.Equal(t, plain, mark)
					if p.Language == escpos.LanguageStarPRNT {
						assert.True(t, bytes.HasSuffix(mark, star.AppendPageFlush(nil)), "the banner prints at once")
					}
				})
			}
		}
	}
}

// Preview draws the bytes of every language: a Star Graphic job (raster)
// previews as the same dots its ESC/POS twin's paper has.
func TestPreviewEveryLanguage(t *testing.T) {
	p, err := printers.Lookup("TSP100III")
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join("..", "testdata", "secuconnect", "pay-missing-sum.json"))
	require.NoError(t, err)
	tx, err := receipt.ParseTransaction(data)
	require.NoError(t, err)
	r, err := receipt.NewRenderer(receipt.Options{Profile: p, EndCut: escpos.CutPartial})
	require.NoError(t, err)
	job, _, err := r.RenderTransaction(nil, tx)
	require.NoError(t, err)
	fromRaster := receipt.Preview(job, p, paper.Options{})
	require.Empty(t, fromRaster.Problems)
	drawn, _, err := r.PreviewTransaction(tx, paper.Options{})
	require.NoError(t, err)
	require.Len(t, fromRaster.Tickets, 1)
	require.Len(t, drawn.Tickets, 1)
	a, b := fromRaster.Tickets[0].Image(), drawn.Tickets[0].Image()
	require.Equal(t, b.Bounds().Dx(), a.Bounds().Dx())
	// The raster leaves off the trailing white rows (the cut feed's).
	require.LessOrEqual(t, a.Bounds().Dy(), b.Bounds().Dy())
	for y := 0; y < a.Bounds().Dy(); y++ {
		require.Equal(t, b.Pix[y*b.Stride:y*b.Stride+b.Bounds().Dx()], a.Pix[y*a.Stride:y*a.Stride+a.Bounds().Dx()], "row %d", y)
	}
}
