package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bombDocument is issue 22's picture bomb: a transaction whose footer
// holds n PNGs of a few kilobytes, each announcing a w×h 16-bit RGBA
// picture (8 bytes a pixel decoded).
func bombDocument(t testing.TB, n, w, h int) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewNRGBA64(image.Rect(0, 0, w, h))))
	img := `{"type":"image","value":{"png":"` + base64.StdEncoding.EncodeToString(buf.Bytes()) + `"}}`
	blocks := make([]string, n)
	for i := range blocks {
		blocks[i] = img
	}
	return `{"id":"STX_bomb","receipt":[{"type":"space"}],"footer":[` + strings.Join(blocks, ",") + `]}`
}

// TestPictureBombIsBounded: 32 clients at once post the picture bomb (19
// such PNGs, refused at the third: 422 naming footer[2]) to the jobs
// entrance, and 32 more post the largest picture document accepted (two of
// them, the whole 8 MiB budget) to /v1/render; the real receiptd's peak
// RSS stays under 1 GB (4 such bombs cost 3.8 GB before).
func TestPictureBombIsBounded(t *testing.T) {
	if raceBuild || testing.Short() {
		t.Skip("a memory measurement")
	}
	d := start(t, "-data-dir", t.TempDir())
	// The bomb: 959 KB, 19 pictures of 2048×2048 (32 MiB each
	// decoded; 1.17 GB of RSS for one, 4.6 GB for four before): refused at
	// the first picture.
	status, body := postRaw(t, d.url+"/v1/printers/virtual/jobs", bombDocument(t, 19, 2048, 2048))
	require.Equal(t, http.StatusUnprocessableEntity, status, body)
	assert.Contains(t, body, "footer[0].value.png")
	// The worst for the budget: two 1024×512 pictures (4 MiB each) fit,
	// the third is refused.
	bomb, worst := bombDocument(t, 19, 1024, 512), bombDocument(t, 2, 1024, 512)
	t.Logf("bomb: %d bytes of JSON, 19 pictures; worst accepted: %d bytes", len(bomb), len(worst))
	rss0, _ := d.memKB(t)

	// One of each first: the answers say what they should.
	status, body = postRaw(t, d.url+"/v1/printers/virtual/jobs", bomb)
	require.Equal(t, http.StatusUnprocessableEntity, status, body)
	var e struct {
		Error struct {
			Code, Message string
			Block         struct {
				Section string
				Index   int
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(body), &e))
	assert.Equal(t, "invalid_block", e.Error.Code)
	assert.Equal(t, "footer", e.Error.Block.Section)
	assert.Equal(t, 2, e.Error.Block.Index)
	assert.Contains(t, e.Error.Message, "memory budget")

	const clients = 32
	var wg sync.WaitGroup
	for i := range 2 * clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			url, doc, want := d.url+"/v1/printers/virtual/jobs", bomb, http.StatusUnprocessableEntity
			if i%2 == 1 {
				url, doc, want = d.url+"/v1/render?model=TM-T88V&format=escpos", worst+strings.Repeat(" ", i), http.StatusOK
			}
			for {
				status, body := postRaw(t, url, doc)
				if status == http.StatusServiceUnavailable { // the render gate: retry, as Retry-After says
					time.Sleep(time.Second)
					continue
				}
				assert.Equal(t, want, status, "%.300s", body)
				return
			}
		}()
	}
	wg.Wait()
	rss, peak := d.memKB(t)
	time.Sleep(2*idleHeapEvery + time.Second)
	after, _ := d.memKB(t)
	t.Logf("%d bombs + %d worst accepted at once: RSS %d → %d KiB, peak %d KiB, %d KiB %v later",
		clients, clients, rss0, rss, peak, after, 2*idleHeapEvery+time.Second)
	assert.Less(t, peak, 1<<20, "peak RSS in KiB")
	assert.Less(t, after, 128<<10, "RSS in KiB after the burst: what the requests used was freed")
}

func postRaw(t testing.TB, url, body string) (int, string) {
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestClientPicturesNeverWriteNVMemory (issue 22 items 7 and 10, through
// the real service): on a printer that stores its template's logo, posted
// pictures marked "store" print as rasters with a warning and never reach
// the printer's NV memory (51 POSTs made 76 NV writes before); and the
// bare {"receipt": […]} form prints on a template with a QR code of the
// transaction id (it was 422 "qr: no data").
func TestClientPicturesNeverWriteNVMemory(t *testing.T) {
	if raceBuild {
		t.Skip("slow under the race detector")
	}
	dev, addr := printerAt(t)
	tpl, err := filepath.Abs("../../testdata/templates/bakery.json")
	require.NoError(t, err)
	d := start(t, "-data-dir", t.TempDir(), "-printer", "front="+addr+",model=TM-T88V,logo=stored,template="+tpl)
	for i := range 5 {
		var buf bytes.Buffer
		img := image.NewGray(image.Rect(0, 0, 64+i, 32))
		require.NoError(t, png.Encode(&buf, img))
		doc := `{"id":"STX_` + strconv.Itoa(i) + `","receipt":[{"type":"space"}],"header":[{"type":"image","value":{"png":"` +
			base64.StdEncoding.EncodeToString(buf.Bytes()) + `","store":true,"key":"X` + strconv.Itoa(i) + `"}}]}`
		status, body := postRaw(t, d.url+"/v1/printers/front/jobs?wait=30s", doc)
		require.Equal(t, http.StatusOK, status, body)
		assert.Contains(t, body, `"state": "printed"`)
		assert.Contains(t, body, "printed as a raster, not stored")
	}
	assert.Equal(t, []string{"LG"}, dev.Store().Keys(), "only the template's logo is in NV memory")
	assert.Equal(t, 1, dev.Store().Writes())

	status, j, err := post(d.url+"/v1/printers/front/jobs?wait=30s", `{"receipt":[{"type":"textline","value":{"text":"Brot"}}]}`, "bare-1")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "printed", j.State, j.Reason)
}
