package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers/virtual"
)

// chromium finds Debian's headless browser; CI installs it (make deps), so
// there a missing browser fails instead of skipping.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium on a CI machine: make deps installs it")
	}
	t.Skip("no chromium installed (apt-get install chromium)")
	return ""
}

// TestWebPage loads the page in a real headless Chromium: it shows the
// printer and a posted job with its preview image. The screenshot is kept
// as a test artifact (go test -artifacts).
func TestWebPage(t *testing.T) {
	browser := chromium(t)
	d := start(t, "-data-dir", t.TempDir())
	body, err := os.ReadFile(filepath.Join("..", "..", "testdata", "secuconnect", "card-topup.json"))
	require.NoError(t, err)
	status, j, err := post(d.url+"/v1/printers/virtual/jobs?wait=10s", string(body), "")
	require.NoError(t, err)
	require.Equal(t, 200, status)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1200, 1400))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	_, err = chromedp.Run(ctx, chromedp.Navigate(d.url+"/"))
	require.NoError(t, err)
	_, err = chromedp.Run(ctx, chromedp.WaitVisible("#printer-virtual"))
	require.NoError(t, err)
	_, err = chromedp.Run(ctx, chromedp.WaitVisible("#job-"+j.ID))
	require.NoError(t, err)
	printerRow, err := chromedp.Run(ctx, chromedp.Text("#printer-virtual"))
	require.NoError(t, err)
	jobRow, err := chromedp.Run(ctx, chromedp.Text("#job-"+j.ID))
	require.NoError(t, err)
	imgWidth, err := chromedp.Run(ctx, chromedp.Poll[int](`(() => { const i = document.querySelector('#job-`+j.ID+` img.preview'); return i && i.complete && i.naturalWidth; })()`))
	require.NoError(t, err)
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	assert.Contains(t, printerRow, "ready")
	assert.Contains(t, printerRow, "TM-T88V")
	assert.Contains(t, jobRow, "printed")
	assert.Equal(t, 512, imgWidth, "the preview is the ticket at the TM-T88V's 512 dots")
	require.NoError(t, os.WriteFile(filepath.Join(t.ArtifactDir(), "receiptd-page.png"), shot, 0o644))

	// Reprint from the page: it asks first, then the copy prints.
	asked := make(chan string, 4)
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			asked <- ev.Message
			if _, err := chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true}); err != nil {
				return
			}
		}
	}()
	require.NoError(t, chromedp.Do(ctx, chromedp.Click("#job-"+j.ID+" button.reprint")))
	copyRow, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const r = document.querySelector('#job-j1000000000002'); return r && r.textContent.includes('printed') && r.textContent; })()`))
	require.NoError(t, err)
	assert.Contains(t, copyRow, "(copy)")
	require.Len(t, asked, 1)
	assert.Equal(t, "Print a copy of "+j.ID+" (marked KOPIE / COPY)?", <-asked)

	// A printer with its cover open says so on the page, with the warning
	// that its paper runs low.
	dev, addr := printerAt(t)
	dev.SetFault(virtual.CoverOpen, true)
	dev.SetFault(virtual.PaperNearEnd, true)
	d2 := start(t, "-data-dir", t.TempDir(), "-printer", "kiosk="+addr+",model=TM-T88V")
	_, err = chromedp.Run(ctx, chromedp.Navigate(d2.url+"/"))
	require.NoError(t, err)
	kioskRow, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const r = document.querySelector('#printer-kiosk'); return r && r.textContent.includes('cover') && r.textContent; })()`))
	require.NoError(t, err)
	assert.Contains(t, kioskRow, "not ready: cover open, paper near end")

	// A job cut off mid-way is unknown; the person at the printer sends it
	// again from the page, and it prints.
	dev.SetFault(virtual.CoverOpen, false)
	dev.SetFault(virtual.PaperNearEnd, false)
	dev.DropAfter(50)
	status, cut, err := post(d2.url+"/v1/printers/kiosk/jobs?wait=10s", string(body), "")
	require.NoError(t, err)
	require.Equal(t, 200, status)
	require.Equal(t, "unknown", cut.State, cut.Reason)
	_, err = chromedp.Run(ctx, chromedp.WaitVisible("#job-"+cut.ID+" button.decide-retry"))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click("#job-"+cut.ID+" button.decide-retry")))
	retried, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const r = document.querySelector('#job-`+cut.ID+`'); return r && r.textContent.includes('printed') && r.textContent; })()`))
	require.NoError(t, err)
	assert.Contains(t, retried, "printed")
	assert.Equal(t, "Print "+cut.ID+" again (it is not on paper)?", <-asked)
	assert.Eventually(t, func() bool { return len(dev.Tickets()) == 2 }, 5*time.Second, 10*time.Millisecond,
		"the cut-off part, then the whole job")

	// With a token configured, the page's form prints when given it.
	t.Setenv("RECEIPTD_TOKENS", "s3cret")
	d3 := start(t, "-data-dir", t.TempDir())
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(d3.url+"/"), chromedp.SetValue("#token", "s3cret"),
		chromedp.WaitVisible("#printer-virtual"), chromedp.Click("#post")))
	result, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const r = document.querySelector('#postResult'); return r && r.textContent; })()`))
	require.NoError(t, err)
	assert.Equal(t, "200 printed", result)
	width, err := chromedp.Run(ctx, chromedp.Poll[int](`(() => { const i = document.querySelector('#job-j1000000000001 img.preview'); return i && i.complete && i.naturalWidth; })()`))
	require.NoError(t, err)
	assert.Equal(t, 512, width, "the preview loads with the token too")
}
