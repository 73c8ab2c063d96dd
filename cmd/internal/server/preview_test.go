package server

import (
	"image"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos/escpostest"
	"github.com/secuprint/receipt/printers/station"
)

// A job cut into several tickets previews whole, as the CLI shows it: one
// PNG with every ticket, a dashed cut mark between them (not the first
// ticket alone). Star printers' jobs preview the same way.
func TestPreviewPNGHoldsEveryTicket(t *testing.T) {
	e := newEnvWith(t, []station.Config{
		{Name: "front", Address: "virtual://", Model: "TM-T88V", SectionCut: "partial"},
		{Name: "star", Address: "virtual://", Model: "TSP650II", SectionCut: "partial"},
		{Name: "graphic", Address: "virtual://", Model: "TSP100III", SectionCut: "partial"},
	})
	tx := sample(t, "card-topup")
	for i, name := range []string{"front", "star", "graphic"} {
		resp, body := e.do(t, "POST", "/v1/render?format=png&printer="+name, "application/json", tx)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		rendered := decodePNG(t, body)
		assert.GreaterOrEqual(t, escpostest.CutMarks(rendered), 1, "%s: /v1/render shows every ticket", name)

		// Keys count for the whole service: a key per printer.
		resp, body = e.do(t, "POST", "/v1/printers/"+name+"/jobs?wait=5s", "application/json", tx, "Idempotency-Key", "preview-"+name)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		resp, body = e.do(t, "GET", "/v1/jobs/j100000000000"+string(rune('1'+i))+"/preview.png", "", "")
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		job := decodePNG(t, body)
		assert.Equal(t, escpostest.CutMarks(rendered), escpostest.CutMarks(job), "%s: the job's preview shows what /v1/render showed", name)
		assert.Equal(t, rendered.Bounds().Dx(), job.Bounds().Dx(), name)
	}
}

func decodePNG(t *testing.T, body string) image.Image {
	t.Helper()
	img, err := png.Decode(strings.NewReader(body))
	require.NoError(t, err)
	return img
}
