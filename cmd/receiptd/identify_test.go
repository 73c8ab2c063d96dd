package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/printers/virtual/virtualtest"
)

type printerIdentityView struct {
	Name     string `json:"name"`
	Model    string `json:"model"`
	Identity *struct {
		Maker   string `json:"maker"`
		Model   string `json:"model"`
		Serial  string `json:"serial"`
		Profile string `json:"profile"`
		Match   struct {
			Kind   string `json:"kind"`
			Reason string `json:"reason"`
		} `json:"match"`
		Error string `json:"error"`
	} `json:"identity"`
}

func getPrinters(t *testing.T, url string) []printerIdentityView {
	t.Helper()
	resp, err := http.Get(url + "/v1/printers")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	var body struct {
		Printers []printerIdentityView `json:"printers"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return body.Printers
}

// model = "auto": receiptd identifies the printer at start, logs it, uses
// its profile and shows the identity on GET /v1/printers.
func TestAutoModelIdentifiedAtStart(t *testing.T) {
	p, err := printers.Lookup("TM-T20IV")
	require.NoError(t, err)
	dev, addr := virtualtest.TCP(t, virtual.Options{Profile: p})
	d := start(t, "-data-dir", t.TempDir(), "-printer", "front="+addr+",model=auto")
	ps := getPrinters(t, d.url)
	require.Len(t, ps, 1)
	assert.Equal(t, "TM-T20IV", ps[0].Model)
	require.NotNil(t, ps[0].Identity, "%s", d.logs)
	assert.Equal(t, "EPSON", ps[0].Identity.Maker)
	assert.Equal(t, "TM-T20IV", ps[0].Identity.Model)
	assert.Equal(t, "0000000001", ps[0].Identity.Serial)
	assert.Equal(t, "TM-T20IV", ps[0].Identity.Profile)
	assert.Equal(t, "exact", ps[0].Identity.Match.Kind)
	assert.Contains(t, d.logs.String(), "printer identified")
	status, _, err := post(d.url+"/v1/printers/front/jobs", `{"id":"A1","receipt":[{"type":"textline","value":{"text":"auto"}}]}`, "")
	require.NoError(t, err)
	assert.Equal(t, 202, status)
	j := getJob(t, d.url+"/v1/jobs/j1000000000001?wait=30s")
	assert.Equal(t, "printed", j.State, j.Reason)
	require.Len(t, dev.Tickets(), 1)
}

// A printer that answers nothing at start gets the generic fallback,
// logged as a warning and shown with its reason: never silent.
func TestAutoModelFallbackReported(t *testing.T) {
	p, _ := printers.Lookup("TM-T88VI")
	dev, addr := virtualtest.TCP(t, virtual.Options{Profile: p})
	dev.Stall(true)
	t.Cleanup(func() { dev.Stall(false) })
	d := start(t, "-data-dir", t.TempDir(), "-printer", "front="+addr+",model=auto")
	ps := getPrinters(t, d.url)
	require.Len(t, ps, 1)
	assert.Equal(t, printers.FallbackProfileID, ps[0].Model)
	require.NotNil(t, ps[0].Identity)
	assert.Equal(t, "fallback", ps[0].Identity.Match.Kind)
	assert.Contains(t, ps[0].Identity.Match.Reason, "answered nothing")
	assert.Contains(t, ps[0].Identity.Error, "answered no status or identity request")
	assert.True(t, strings.Contains(d.logs.String(), "printer not identified"), "%s", d.logs)
}

// The page shows what an "auto" printer said, beside its model.
func TestWebPageShowsIdentity(t *testing.T) {
	browser := chromium(t)
	p, _ := printers.Lookup("TM-T88VII")
	_, addr := virtualtest.TCP(t, virtual.Options{Profile: p})
	d := start(t, "-data-dir", t.TempDir(), "-printer", "front="+addr+",model=auto")
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.UserDataDir(t.TempDir()))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(d.url+"/"), present("#printer-front")))
	row, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const r = document.querySelector('#printer-front'); return r && r.textContent.includes('auto:') && r.textContent; })()`))
	require.NoError(t, err)
	assert.Contains(t, row, "TM-T88VIIauto: EPSON TM-T88VII #0000000001 (exact)")
}
