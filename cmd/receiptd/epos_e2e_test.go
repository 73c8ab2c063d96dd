package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/printers/virtual/virtualtest"
	"github.com/secuprint/receipt/receipt/epos"
)

// postEpos posts an ePOS-Print request as a browser till would (text/plain,
// an Origin) and reads the answer.
func postEpos(t *testing.T, url string, body []byte, origin string) (int, epos.Response) {
	t.Helper()
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return resp.StatusCode, epos.Response{}
	}
	r, _, err := epos.ParseResponse(resp.Body)
	require.NoError(t, err)
	return 200, r
}

// TestEposOdooThroughTheBinary: Odoo's picture request to the real binary,
// printed over TCP on the virtual printer: answered success after the
// print, the paper dot for dot the picture, the wire at most half its raw
// raster; a paper-end printer answers EPTR_REC_EMPTY and the job ends
// failed, never printing later; another origin is refused.
func TestEposOdooThroughTheBinary(t *testing.T) {
	p, err := printers.Lookup("TM-T20II")
	require.NoError(t, err)
	dev, addr := virtualtest.TCP(t, virtual.Options{Profile: p})
	const origin = "http://192.168.1.20:8069"
	d := start(t, "-printer", "front="+addr+",model=TM-T20II", "-allowed-origin", origin, "-data-dir", filepath.Join(t.TempDir(), "data"))
	body, err := os.ReadFile("../../testdata/epos/odoo-receipt.xml")
	require.NoError(t, err)
	url := d.url + "/cgi-bin/epos/service.cgi?devid=local_printer&timeout=20000"

	status, r := postEpos(t, url, body, origin)
	require.Equal(t, 200, status)
	require.True(t, r.Success, "%+v\n%s", r, d.logs)
	assert.NotZero(t, r.Status&epos.StatusPrintSuccess)
	tickets := dev.Tickets()
	require.Len(t, tickets, 1)
	assert.LessOrEqual(t, len(tickets[0].Raw), 576/8*1600/2, "lean on the wire")
	f, err := os.ReadFile("../../testdata/epos/odoo-receipt-576x1600.png")
	require.NoError(t, err)
	src, err := png.Decode(bytes.NewReader(f))
	require.NoError(t, err)
	img := tickets[0].Paper.Image()
	for y := 0; y < 1600; y++ {
		for x := 0; x < 576; x++ {
			r, _, _, _ := src.At(x, y).RGBA()
			if (r < 0x8000) != (img.GrayAt(x, y).Y < 128) {
				t.Fatalf("paper dot (%d,%d) differs from the picture", x, y)
			}
		}
	}

	status, _ = postEpos(t, url, body, "https://evil.example")
	assert.Equal(t, http.StatusForbidden, status)

	dev.SetFault(virtual.PaperEnd, true)
	start := time.Now()
	status, r = postEpos(t, url, body, origin)
	require.Equal(t, 200, status)
	assert.False(t, r.Success)
	assert.Equal(t, epos.CodeRecEmpty, r.Code, "%s", d.logs)
	assert.NotZero(t, r.Status&epos.StatusReceiptEnd)
	assert.Less(t, time.Since(start), 15*time.Second, "answered before the till's timeout")
	dev.SetFault(virtual.PaperEnd, false)
	time.Sleep(500 * time.Millisecond)
	assert.Len(t, dev.Tickets(), 1, "the job answered 'not printed' never prints")
	resp, err := http.Get(d.url + "/v1/jobs?printer=front")
	require.NoError(t, err)
	defer resp.Body.Close()
	var list struct {
		Jobs []jobView `json:"jobs"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	require.Len(t, list.Jobs, 2)
	states := map[string]int{}
	for _, j := range list.Jobs {
		states[j.State]++
	}
	assert.Equal(t, map[string]int{"printed": 1, "failed": 1}, states)
}

// TestEposConcurrentPictures: 32 tills post Odoo's picture at once (each a
// different document, so none joins another); all print, and the process's
// peak resident memory stays far under 1 GB.
func TestEposConcurrentPictures(t *testing.T) {
	p, err := printers.Lookup("TM-T20II")
	require.NoError(t, err)
	dev, addr := virtualtest.TCP(t, virtual.Options{Profile: p})
	d := start(t, "-printer", "front="+addr+",model=TM-T20II", "-data-dir", filepath.Join(t.TempDir(), "data"))
	body, err := os.ReadFile("../../testdata/epos/odoo-receipt.xml")
	require.NoError(t, err)
	url := d.url + "/cgi-bin/epos/service.cgi?devid=local_printer&timeout=60000"
	const n = 32
	errs := make(chan error, n)
	for i := range n {
		doc := bytes.Replace(body, []byte(`<cut type="feed"/>`), []byte(`<feed line="`+strconv.Itoa(i+1)+`"/><cut type="feed"/>`), 1)
		go func() {
			resp, err := http.Post(url, "text/plain", bytes.NewReader(doc))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			r, _, err := epos.ParseResponse(resp.Body)
			if err == nil && !r.Success {
				err = fmt.Errorf("answer %+v", r)
			}
			errs <- err
		}()
	}
	for range n {
		require.NoError(t, <-errs)
	}
	assert.Len(t, dev.Tickets(), n)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", d.cmd.Process.Pid))
	if err != nil {
		t.Skip("no /proc: peak memory not measured")
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			require.NoError(t, err)
			t.Logf("peak resident memory after %d concurrent picture requests: %d MB", n, kb/1024)
			assert.Less(t, kb, 1<<20, "under 1 GB")
		}
	}
}
