package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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

// screens keeps the page's screenshots (gitignored), for a person to look
// at after the test; they are test artifacts too (go test -artifacts).
const screens = "testdata/screens"

// viewports the page must fit: a desktop, an 800×480 kiosk, a phone.
var viewports = []struct {
	name string
	w, h int64
}{{"desktop-1280x800", 1280, 800}, {"kiosk-800x480", 800, 480}, {"phone-390x844", 390, 844}}

// present waits until the page shows an element matching sel. Rows are
// redrawn every 2 s, so it asks afresh each time rather than holding a node.
func present(sel string) chromedp.Action[chromedp.Void] {
	poll := chromedp.Poll[bool](`!!document.querySelector(` + strconv.Quote(sel) + `)`)
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := poll(ctx, t)
		return chromedp.Void{}, err
	}
}

// press clicks the button sel once it is there, in the page itself: a row
// redrawn between finding the button and clicking it takes no click.
func press(sel string) chromedp.Action[chromedp.Void] {
	poll := chromedp.Poll[bool](`(() => { const b = document.querySelector(` + strconv.Quote(sel) + `); if (!b) return false; setTimeout(() => b.click()); return true; })()`)
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := poll(ctx, t)
		return chromedp.Void{}, err
	}
}

// set chooses value in the select sel as a person would (a change event).
func set(sel, value string) chromedp.Action[bool] {
	return chromedp.Evaluate[bool](`(() => { const s = document.querySelector('` + sel + `'); s.value = '` + value +
		`'; s.dispatchEvent(new Event('change')); return s.value === '` + value + `'; })()`)
}

// browse starts a headless Chromium for t; shoot saves a full-page
// screenshot under testdata/screens and in the test's artifacts.
func browse(t *testing.T, browser string, limit time.Duration) (context.Context, func(name string)) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 800))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, limit)
	t.Cleanup(cancel)
	require.NoError(t, os.MkdirAll(screens, 0o755))
	return ctx, func(name string) {
		t.Helper()
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(screens, name+".png"), shot, 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(t.ArtifactDir(), name+".png"), shot, 0o644))
	}
}

// acceptDialogs accepts every confirm() the page asks from now on, as a
// person pressing OK, and passes on its question.
func acceptDialogs(ctx context.Context) <-chan string {
	asked := make(chan string, 8)
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
	return asked
}

// shown is a script giving the text of the element sel when a person can
// see it (laid out, inside the screen's width), else "".
func shown(sel string) string {
	return `(() => { const e = document.querySelector(` + strconv.Quote(sel) + `); if (!e) return '';
		const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= window.innerWidth ? e.textContent : ''; })()`
}

// TestWebPage loads the page in a real headless Chromium at three sizes:
// printers and jobs in a cashier's words, reprint and cancel, the test
// form's live preview, the token asked for on 401 and the disconnected
// state. Screenshots go to testdata/screens and the test's artifacts.
func TestWebPage(t *testing.T) {
	browser := chromium(t)
	d := start(t, "-data-dir", t.TempDir())
	body, err := os.ReadFile(filepath.Join("..", "..", "testdata", "secuconnect", "card-topup.json"))
	require.NoError(t, err)
	status, j, err := post(d.url+"/v1/printers/virtual/jobs?wait=10s", string(body), "")
	require.NoError(t, err)
	require.Equal(t, 200, status)

	ctx, shoot := browse(t, browser, 90*time.Second)
	for _, vp := range viewports {
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(vp.w, vp.h), chromedp.Navigate(d.url+"/"),
			present("#printer-virtual"), present("#job-"+j.ID)))
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const i = document.querySelector('#livePreview'); return i.complete && i.naturalWidth > 0; })()`))
		require.NoError(t, err)
		fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
		require.NoError(t, err)
		assert.True(t, fits, "%s: the page is no wider than the screen", vp.name)
		// Which printer a receipt is on shows at every size.
		on, err := chromedp.Run(ctx, chromedp.Evaluate[string](shown("#job-"+j.ID+" td.printer")))
		require.NoError(t, err)
		assert.Equal(t, "virtual", on, "%s: the job's printer is on screen", vp.name)
		shoot(vp.name)
	}
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)))
	viewport, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('meta[name=viewport]').content`))
	require.NoError(t, err)
	assert.Equal(t, "width=device-width, initial-scale=1", viewport)
	external, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('[src],[href]')].filter(e => /^(https?:)?\/\//.test(e.getAttribute('src') || e.getAttribute('href'))).length`))
	require.NoError(t, err)
	assert.Zero(t, external, "nothing is loaded from elsewhere: the page works offline")

	printerRow, err := chromedp.Run(ctx, chromedp.Text("#printer-virtual"))
	require.NoError(t, err)
	jobRow, err := chromedp.Run(ctx, chromedp.Text("#job-"+j.ID))
	require.NoError(t, err)
	jobAll, err := chromedp.Run(ctx, chromedp.TextContent("#job-"+j.ID+" details"))
	require.NoError(t, err)
	imgWidth, err := chromedp.Run(ctx, chromedp.Poll[int](`(() => { const i = document.querySelector('#job-`+j.ID+` img.preview'); return i && i.complete && i.naturalWidth; })()`))
	require.NoError(t, err)
	assert.Contains(t, printerRow, "Ready")
	assert.Contains(t, printerRow, "TM-T88V")
	assert.Contains(t, jobRow, "Printed")
	assert.Contains(t, jobRow, "details", "the technical reason is behind a toggle")
	assert.Contains(t, jobAll, "printed · attempts 1")
	assert.Contains(t, jobAll, "· via api", "the entrance the job came through")
	assert.Equal(t, 512, imgWidth, "the preview is the ticket at the TM-T88V's 512 dots")
	buttons, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#job-`+j.ID+` button')].map(b => b.className).join()`))
	require.NoError(t, err)
	assert.Equal(t, "reprint", buttons, "a printed job is reprinted, not cancelled")

	// The test form previews what is being edited, as its printer prints
	// it (TestWebPreviewIsWhatPrints has a template).
	w, err := chromedp.Run(ctx, chromedp.Poll[int](`(() => { const i = document.querySelector('#livePreview'); const s = document.querySelector('#previewState').textContent;
		return s === 'as virtual prints it: TM-T88V' && i.complete && i.naturalWidth; })()`))
	require.NoError(t, err)
	assert.Equal(t, 512, w)
	ok, err := chromedp.Run(ctx, set("#sample", "cash-start"))
	require.NoError(t, err)
	require.True(t, ok)
	cash, err := os.ReadFile(filepath.Join("..", "..", "testdata", "secuconnect", "cash-start.json"))
	require.NoError(t, err)
	cashJS, err := json.Marshal(string(cash))
	require.NoError(t, err)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('#tx').value === `+string(cashJS)))
	require.NoError(t, err, "the chosen transaction is loaded into the form")
	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue("#tx", "{not json")))
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#tx').dispatchEvent(new Event('input'))`))
	require.NoError(t, err)
	bad, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const s = document.querySelector('#previewState'); return s.className === 'bad' && s.textContent; })()`))
	require.NoError(t, err)
	assert.Contains(t, bad, "—", "an edit that does not parse says why")

	// Reprint from the page: it asks first, then the copy prints.
	asked := acceptDialogs(ctx)
	require.NoError(t, chromedp.Do(ctx, press("#job-"+j.ID+" button.reprint")))
	copyRow, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const r = document.querySelector('#job-j1000000000002'); return r && r.dataset.state === 'printed' && r.textContent; })()`))
	require.NoError(t, err)
	assert.Contains(t, copyRow, "(copy)")
	assert.Equal(t, "Print a copy of "+j.ID+" (marked KOPIE / COPY)?", <-asked)

	// Paging beyond the newest 50, filters and the search.
	for i := range 52 {
		_, _, err := post(d.url+"/v1/printers/virtual/jobs", string(body), fmt.Sprint("page-", i))
		require.NoError(t, err)
	}
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(d.url+"/"), present("#job-j1000000000054")))
	rows := func() int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#jobs tbody tr').length`))
		require.NoError(t, err)
		return n
	}
	assert.Equal(t, 50, rows())
	require.NoError(t, chromedp.Do(ctx, press("#older:not([disabled])"), present("#job-"+j.ID)))
	assert.Equal(t, 4, rows(), "54 jobs: the 4 oldest on the second page")
	require.NoError(t, chromedp.Do(ctx, press("#newer:not([disabled])"), present("#job-j1000000000054")))
	_, err = chromedp.Run(ctx, set("#fState", "cancelled"))
	require.NoError(t, err)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll('#jobs tbody tr').length === 0`))
	require.NoError(t, err)
	_, err = chromedp.Run(ctx, set("#fState", ""))
	require.NoError(t, err)

	// A printer with its cover open says so on the page, with the warning
	// that its paper runs low; its address is shown as configured.
	dev, addr := printerAt(t)
	dev.SetFault(virtual.CoverOpen, true)
	dev.SetFault(virtual.PaperNearEnd, true)
	d2 := start(t, "-data-dir", t.TempDir(), "-printer", "kiosk="+addr+",model=TM-T88V")
	_, err = chromedp.Run(ctx, chromedp.Navigate(d2.url+"/"))
	require.NoError(t, err)
	kioskRow, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const r = document.querySelector('#printer-kiosk'); return r && r.textContent.includes('cover') && r.textContent; })()`))
	require.NoError(t, err)
	assert.Contains(t, kioskRow, "The printer cover is open")
	assert.Contains(t, kioskRow, "Close the printer cover.")
	assert.Contains(t, kioskRow, "not ready: cover open, paper near end", "the technical words behind details")
	assert.Contains(t, kioskRow, addr)
	assert.NotContains(t, kioskRow, "%")

	// A job waiting for paper is cancelled from the page and never prints.
	dev.SetFault(virtual.CoverOpen, false)
	dev.SetFault(virtual.PaperEnd, true)
	status, waiting, err := post(d2.url+"/v1/printers/kiosk/jobs", string(body), "waits")
	require.NoError(t, err)
	require.Equal(t, 202, status)
	waitRow, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const r = document.querySelector('#job-`+waiting.ID+`'); return r && r.textContent.includes('Waiting for paper') && r.textContent; })()`))
	require.NoError(t, err)
	assert.Contains(t, waitRow, "Cancel")
	assert.Contains(t, waitRow, "Load a new paper roll, then close the cover.")
	assert.NotContains(t, waitRow, "Reprint", "nothing printed: nothing to reprint")
	shoot("kiosk-waiting-for-paper")
	require.NoError(t, chromedp.Do(ctx, press("#job-"+waiting.ID+" button.cancel")))
	assert.Equal(t, "Cancel "+waiting.ID+"? It will not print.", <-asked)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const r = document.querySelector('#job-`+waiting.ID+`'); return r && r.dataset.state === 'cancelled' && r.textContent.includes('Cancelled'); })()`))
	require.NoError(t, err)
	dev.SetFault(virtual.PaperEnd, false)
	dev.SetFault(virtual.PaperNearEnd, false)

	// A job cut off mid-way is unknown; the person at the printer sends it
	// again from the page, and it prints.
	dev.DropAfter(50)
	status, cut, err := post(d2.url+"/v1/printers/kiosk/jobs?wait=10s", string(body), "")
	require.NoError(t, err)
	require.Equal(t, 200, status)
	require.Equal(t, "unknown", cut.State, cut.Reason)
	unknownRow, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const r = document.querySelector('#job-`+cut.ID+`'); return r && r.querySelector('button.decide-retry') && r.textContent; })()`))
	require.NoError(t, err)
	assert.Contains(t, unknownRow, "Check the paper: may have printed")
	require.NoError(t, chromedp.Do(ctx, press("#job-"+cut.ID+" button.decide-retry")))
	retried, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const r = document.querySelector('#job-`+cut.ID+`'); return r && r.dataset.state === 'printed' && r.textContent; })()`))
	require.NoError(t, err)
	assert.Contains(t, retried, "Printed")
	assert.Equal(t, "Print "+cut.ID+" again (it is not on paper)?", <-asked)
	assert.Eventually(t, func() bool { return len(dev.Tickets()) == 2 }, 5*time.Second, 10*time.Millisecond,
		"the cut-off part, then the whole job")
	assert.Empty(t, asked)

	// With a token configured, the page asks for it on the first 401 and
	// keeps it for the session; the form then prints.
	t.Setenv("RECEIPTD_TOKENS", "s3cret")
	dir3 := t.TempDir()
	d3 := start(t, "-data-dir", dir3)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(d3.url+"/"), chromedp.WaitVisible("#tokenForm")))
	shoot("token-asked")
	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue("#token", "wrong"), chromedp.Click("#tokenSave")))
	wrong, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const e = document.querySelector('#tokenError'); return !document.querySelector('#tokenForm').hidden && e.textContent; })()`))
	require.NoError(t, err)
	assert.Equal(t, "That token is not valid.", wrong)
	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue("#token", "s3cret"), chromedp.Click("#tokenSave"),
		present("#printer-virtual")))
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(d3.url+"/"), present("#printer-virtual")))
	hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#tokenForm').hidden`))
	require.NoError(t, err)
	assert.True(t, hidden, "a reload keeps the session's token")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click("#post")))
	result, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const r = document.querySelector('#postResult'); return r && r.textContent !== 'printing…' && r.textContent; })()`))
	require.NoError(t, err)
	assert.Equal(t, "Printed", result)
	width, err := chromedp.Run(ctx, chromedp.Poll[int](`(() => { const i = document.querySelector('#job-j1000000000001 img.preview'); return i && i.complete && i.naturalWidth; })()`))
	require.NoError(t, err)
	assert.Equal(t, 512, width, "the preview loads with the token too")

	// The service goes away: the page says so, and no printer is shown
	// ready on a status it can no longer read.
	ready, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const r = document.querySelector('#printer-virtual td.status .words'); return r && r.textContent; })()`))
	require.NoError(t, err)
	require.Equal(t, "Ready", ready)
	d3.kill()
	conn, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const c = document.querySelector('#conn'); return c.className.includes('down') && c.textContent; })()`))
	require.NoError(t, err)
	assert.Equal(t, "Disconnected: the print service does not answer", conn)
	stale, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#printer-virtual td.status').textContent`))
	require.NoError(t, err)
	assert.Contains(t, stale, "Unknown: no answer from the print service")
	assert.Contains(t, stale, "Last known: Ready")
	assert.NotRegexp(t, `^Ready`, stale)
	note, err := chromedp.Run(ctx, chromedp.Evaluate[string](shown("#staleJobs")))
	require.NoError(t, err)
	assert.Contains(t, note, "the print service does not answer, so these receipts may have changed since")
	for _, vp := range viewports {
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(vp.w, vp.h)))
		shoot("disconnected-" + vp.name)
	}

	// The service is back (same address, same spool): the page says so
	// and shows the printer's status as read now.
	start(t, "-data-dir", dir3, "-listen", strings.TrimPrefix(d3.url, "http://"))
	back, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const r = document.querySelector('#printer-virtual td.status .words');
		return document.querySelector('#conn').className.includes('ok') && document.querySelector('#staleJobs').hidden && r &&
			!r.textContent.startsWith('Unknown: no answer') && r.textContent; })()`)) // printers are read apart from jobs: wait for their refresh
	require.NoError(t, err)
	assert.Equal(t, "Ready", back)
}

// The page's sample transactions are copies of the documented ones
// (testdata/secuconnect): the page embeds them so it works offline.
func TestWebSamplesAreTheDocumentedOnes(t *testing.T) {
	docs, err := filepath.Glob(filepath.Join("..", "..", "testdata", "secuconnect", "*.json"))
	require.NoError(t, err)
	copies, err := filepath.Glob(filepath.Join("..", "internal", "server", "web", "samples", "*.json"))
	require.NoError(t, err)
	require.Len(t, copies, len(docs), "cp testdata/secuconnect/*.json cmd/internal/server/web/samples/")
	for _, doc := range docs {
		want, err := os.ReadFile(doc)
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join("..", "internal", "server", "web", "samples", filepath.Base(doc)))
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), filepath.Base(doc))
		page, err := os.ReadFile(filepath.Join("..", "internal", "server", "web", "index.html"))
		require.NoError(t, err)
		assert.Contains(t, string(page), `<option value="`+strings.TrimSuffix(filepath.Base(doc), ".json")+`">`, "the form offers it")
	}
}
