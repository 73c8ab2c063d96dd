package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers/virtual"
)

// TestWebRefusesToBeFramed: another site cannot show the page in a frame
// (where a click would count as same-origin and could reprint or cancel).
// Chromium loads a page from another origin holding two frames: one of
// the service, refused, and one of a page that allows framing, shown, so
// the test can tell a refused frame from one that did not load.
func TestWebRefusesToBeFramed(t *testing.T) {
	browser := chromium(t)
	d := start(t, "-data-dir", t.TempDir())
	for _, path := range []string{"/", "/app.js", "/v1/printers", "/v1/nope"} {
		resp, err := http.Get(d.url + path)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, "frame-ancestors 'none'", resp.Header.Get("Content-Security-Policy"), path)
		assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"), path)
	}
	allowed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `<!doctype html><title>framable</title><p id="here">a page that may be framed</p>`)
	}))
	defer allowed.Close()
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `<!doctype html><meta name="viewport" content="width=device-width, initial-scale=1"><title>another site</title>
<p>Another site framing the print service:</p>
<iframe id="service" src="`+d.url+`/" style="width:95%;height:300px"></iframe>
<p>The same site framing a page that allows it:</p>
<iframe id="control" src="`+allowed.URL+`/" style="width:95%;height:60px"></iframe>`)
	}))
	defer attacker.Close()

	ctx, shoot := browse(t, browser, 60*time.Second)
	frames := func() (service, control *cdp.Frame) {
		t.Helper()
		tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
		require.NoError(t, err)
		for _, c := range tree.FrameTree.ChildFrames {
			if strings.HasPrefix(c.Frame.URL, allowed.URL) {
				control = c.Frame
			} else {
				service = c.Frame
			}
		}
		return service, control
	}
	for _, vp := range viewports {
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(vp.w, vp.h), chromedp.Navigate(attacker.URL+"/")))
		var service, control *cdp.Frame
		require.Eventually(t, func() bool {
			service, control = frames()
			return service != nil && control != nil && control.URL == allowed.URL+"/" &&
				(service.URL == d.url+"/" || service.UnreachableURL == d.url+"/")
		}, 10*time.Second, 50*time.Millisecond, "both frames end loading")
		// Chromium shows its error page in place of a refused frame.
		assert.Equal(t, "chrome-error://chromewebdata/", service.URL, "%s: the service's page is not shown in the frame", vp.name)
		assert.Equal(t, d.url+"/", service.UnreachableURL, vp.name)
		shoot("framed-" + vp.name)
	}
}

// TestWebRowsSurviveRefresh: the page asks for its lists every 2 s; what a
// person opened, focused or scrolled to stays as it was, at every size,
// and stays open when the receipt it belongs to changes state.
func TestWebRowsSurviveRefresh(t *testing.T) {
	browser := chromium(t)
	dev, addr := printerAt(t)
	d := start(t, "-data-dir", t.TempDir(), "-printer", "front="+addr+",model=TM-T88V")
	body, err := os.ReadFile(filepath.Join("..", "..", "testdata", "secuconnect", "card-topup.json"))
	require.NoError(t, err)
	var first jobView
	for i := range 8 { // enough rows for the page to scroll on a phone
		status, j, err := post(d.url+"/v1/printers/front/jobs?wait=10s", string(body), fmt.Sprint("row-", i))
		require.NoError(t, err)
		require.Equal(t, 200, status)
		if i == 0 {
			first = j
		}
	}
	ctx, shoot := browse(t, browser, 120*time.Second)
	eval := func(script string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](script))
		require.NoError(t, err)
		return s
	}
	row := "#job-" + first.ID
	for _, vp := range viewports {
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(vp.w, vp.h), chromedp.Navigate(d.url+"/"),
			present(row), present("#printer-front td.status details")))
		// The previews loaded: no picture arriving later moves the rows.
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](`[...document.querySelectorAll('#jobs img.preview')].every(i => i.complete && i.naturalWidth > 0)`))
		require.NoError(t, err)
		// The oldest receipt's details open and focused, the page scrolled
		// to it; the printer's details open too (its status cell changes
		// on every refresh: the time it was read).
		eval(`(() => { const s = document.querySelector('` + row + ` details summary'); s.click(); s.focus();
			document.querySelector('#printer-front details summary').click();
			document.querySelector('` + row + `').scrollIntoView({block: 'center'});
			window.marks = {row: document.querySelector('` + row + `'), summary: s, y: window.scrollY}; return ''; })()`)
		assert.NotEqual(t, "0", eval(`String(window.marks.y)`), "%s: the page is scrolled", vp.name)
		require.NoError(t, chromedp.Do(ctx, chromedp.Sleep(5*time.Second))) // more than two refreshes
		assert.Equal(t, "row kept, open, focused, scrolled as before; printer details open", eval(`(() => {
			const m = window.marks, out = [];
			out.push(document.querySelector('`+row+`') === m.row ? 'row kept' : 'row rebuilt');
			out.push(m.summary.parentElement.open ? 'open' : 'closed');
			out.push(document.activeElement === m.summary ? 'focused' : 'focus lost to ' + document.activeElement.tagName);
			out.push(window.scrollY === m.y ? 'scrolled as before' : 'scrolled from ' + m.y + ' to ' + window.scrollY);
			return out.join(', ') + '; printer details ' + (document.querySelector('#printer-front details').open ? 'open' : 'closed'); })()`), vp.name)
		shoot("details-open-" + vp.name)
	}

	// A receipt whose state changes keeps its details open and the focus.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)))
	dev.SetFault(virtual.PaperEnd, true)
	status, waiting, err := post(d.url+"/v1/printers/front/jobs", string(body), "waits")
	require.NoError(t, err)
	require.Equal(t, 202, status)
	wrow := "#job-" + waiting.ID
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const r = document.querySelector('`+wrow+`'); return !!r && r.textContent.includes('Waiting for paper'); })()`))
	require.NoError(t, err)
	eval(`(() => { const s = document.querySelector('` + wrow + ` details summary'); s.click(); s.focus(); return ''; })()`)
	dev.SetFault(virtual.PaperEnd, false)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('`+wrow+`').dataset.state === 'printed'`))
	require.NoError(t, err)
	assert.Equal(t, "Printed, open, focused", eval(`(() => { const r = document.querySelector('`+wrow+`'), d = r.querySelector('details');
		return r.querySelector('.words').textContent + ', ' + (d.open ? 'open' : 'closed') + ', ' + (document.activeElement === d.querySelector('summary') ? 'focused' : 'not focused'); })()`))
	assert.Contains(t, eval(`document.querySelector('`+wrow+` details div').textContent`), "printed · attempts")
}

// TestWebPrinterProblemsInPlainWords: a printer that cannot be reached and
// one out of paper say so in plain words with what to do; the jobs that
// gave up on them say why; the socket errors are behind "details".
func TestWebPrinterProblemsInPlainWords(t *testing.T) {
	browser := chromium(t)
	dev, addr := printerAt(t)
	dev.SetFault(virtual.PaperEnd, true)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "tcp://" + l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now
	dir := t.TempDir()
	config := filepath.Join(dir, "receiptd.toml")
	require.NoError(t, os.WriteFile(config, []byte(`job_deadline = "1s"

[[printer]]
name = "gone"
address = "`+closed+`"
model = "TM-T88V"

[[printer]]
name = "front"
address = "`+addr+`"
model = "TM-T88V"
`), 0o644))
	d := start(t, "-data-dir", dir, "-config", config)
	body, err := os.ReadFile(filepath.Join("..", "..", "testdata", "secuconnect", "card-topup.json"))
	require.NoError(t, err)
	ids := map[string]string{}
	for _, p := range []string{"gone", "front"} {
		status, j, err := post(d.url+"/v1/printers/"+p+"/jobs", string(body), "k-"+p)
		require.NoError(t, err)
		require.Equal(t, 202, status)
		ids[p] = j.ID
	}
	ctx, shoot := browse(t, browser, 90*time.Second)
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('`+sel+`').textContent`))
		require.NoError(t, err)
		return s
	}
	for _, vp := range viewports {
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(vp.w, vp.h), chromedp.Navigate(d.url+"/")))
		for _, id := range ids {
			_, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const r = document.querySelector('#job-`+id+`'); return !!r && r.dataset.state === 'failed'; })()`))
			require.NoError(t, err, "the job gives up after job_deadline")
		}
		assert.Equal(t, "Nothing answers at the printer's address", text("#printer-gone .words"), vp.name)
		assert.Equal(t, "Check that the printer is switched on and its network cable is plugged in; then check the address and port in the configuration.",
			text("#printer-gone .todo"), vp.name)
		assert.Contains(t, text("#printer-gone details div"), "connection refused", "the socket error is one click away")
		assert.Equal(t, "Out of paper", text("#printer-front .words"), vp.name)
		assert.Equal(t, "Load a new paper roll, then close the cover.", text("#printer-front .todo"), vp.name)

		gone, front := "#job-"+ids["gone"], "#job-"+ids["front"]
		assert.Equal(t, "Not printed: nothing answers at the printer's address for longer than 1 s", text(gone+" .words"), vp.name)
		assert.Equal(t, "Check that the printer is switched on and its network cable is plugged in; then check the address and port in the configuration. Then press \"Try again\".",
			text(gone+" .todo"), vp.name)
		assert.Equal(t, "Not printed: out of paper for longer than 1 s", text(front+" .words"), vp.name)
		assert.Equal(t, "Load a new paper roll, then close the cover. Then press \"Try again\".", text(front+" .todo"), vp.name)
		assert.NotContains(t, text(front), "did not come back")
		assert.Contains(t, text(gone+" details div"), "failed: gave up after 1s: waiting: printer not reachable: "+closed)
		// Seen on the screen, not only in the document.
		for _, sel := range []string{"#printer-gone .words", "#printer-gone .todo", gone + " .words", gone + " .todo", front + " .words"} {
			on, err := chromedp.Run(ctx, chromedp.Evaluate[string](shown(sel)))
			require.NoError(t, err)
			assert.NotEmpty(t, on, "%s: %s is on screen", vp.name, sel)
		}
		_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#printer-gone details').open = true`))
		require.NoError(t, err)
		shoot("problems-" + vp.name)
	}

	// Paper is back: "Try again" on the failed receipt prints it as the
	// original (the same job, attempt 2), not as a copy.
	dev.SetFault(virtual.PaperEnd, false)
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)))
	asked := acceptDialogs(ctx)
	buttons, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#job-`+ids["front"]+` button')].map(b => b.className).join()`))
	require.NoError(t, err)
	assert.Equal(t, "retry", buttons, "a failed job is tried again, not reprinted")
	require.NoError(t, chromedp.Do(ctx, press("#job-"+ids["front"]+" button.retry")))
	assert.Equal(t, "Print "+ids["front"]+" again? It has not printed.", <-asked)
	again, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const r = document.querySelector('#job-`+ids["front"]+`'); return r && r.dataset.state === 'printed' && r.textContent; })()`))
	require.NoError(t, err)
	assert.Contains(t, again, "Printed")
	assert.Contains(t, again, "attempt 2", "the technical words name the attempt")
	assert.NotContains(t, again, "(copy)")
	shoot("tried-again")
	require.Eventually(t, func() bool { return len(dev.Tickets()) == 1 }, 5*time.Second, 10*time.Millisecond)
	assert.NotContains(t, string(dev.Tickets()[0].Raw), "KOPIE", "the original, not a copy")

	// Every reason the service records, read the same way: the words a
	// person sees for each (state, reason) as the spool writes them.
	for _, tt := range []struct{ state, reason, words, todo string }{
		{"queued", "waiting: paper end", "Waiting for paper", "Load a new paper roll, then close the cover."},
		{"queued", "waiting: cover open", "Waiting: the printer cover is open", "Close the printer cover."},
		{"queued", "waiting: offline", "Waiting: the printer is offline", "Check the paper and the cover; if its light still shows an error, switch the printer off and on."},
		{"queued", "waiting: printer error", "Waiting: the printer reports an error", "Open the cover, remove any jammed paper, close it; if the error stays, switch the printer off and on."},
		{"queued", "waiting: busy", "Waiting: another till or computer is using the printer", "Wait a moment; if it stays, switch the printer off and on."},
		{"queued", "waiting: printer not reachable: tcp://10.0.0.9:9100: printer not found: dial tcp: lookup till.local: no such host",
			"Waiting: the printer's address name is not known on this network", "Check the printer's address in the configuration."},
		{"queued", "waiting: printer not reachable: tcp://10.0.0.9:9100: timeout: dial tcp 10.0.0.9:9100: i/o timeout (is the printer on and on this network?)",
			"Waiting: the printer does not answer", "Check that the printer is switched on and its cable is plugged in; then check its address."},
		{"queued", "waiting: printer not reachable: usb://04b8:0202: access denied: open /dev/bus/usb/001/004: permission denied",
			"Waiting: the print service is not allowed to use the printer", "Ask the installer to give the print service access to the printer."},
		{"queued", "", "Waiting to print", ""},
		{"failed", "gave up after 10m0s: waiting: cover open", "Not printed: the printer cover is open for longer than 10 min", "Close the printer cover. Then press \"Try again\"."},
		{"failed", "confirmed not printed by a person", "Not printed", ""},
		{"failed", `printer "bar" is no longer configured`, "Not printed: its printer was removed from the service", "Print it again from the till on another printer."},
		{"unknown", "held in the printer by paper end: the rest prints when the printer recovers; check the receipt before reprinting",
			"Stopped mid-way: out of paper", "Load a new paper roll, then close the cover. The rest then prints by itself: check the receipt before sending it again."},
		{"unknown", "unknown: disconnected (printers: the printer stopped answering: EOF)", "Check the paper: may have printed (the connection to the printer broke)",
			`Look at the printer: if the whole receipt is there, press "It printed", else "Send again".`},
		{"unknown", "interrupted while printing: check the paper, then reprint or dismiss", "Check the paper: may have printed (the service stopped while printing)",
			`Look at the printer: if the whole receipt is there, press "It printed", else "Send again".`},
	} {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => { const w = jobWords({state: `+strconv.Quote(tt.state)+`, reason: `+strconv.Quote(tt.reason)+`}); return [w.text, w.todo]; })()`))
		require.NoError(t, err)
		assert.Equal(t, []string{tt.words, tt.todo}, got, "%s: %s", tt.state, tt.reason)
	}
	// A printer's status fields, most telling first.
	for _, tt := range []struct{ status, words string }{
		{`{online: false, cover_open: true, paper_end: true}`, "Out of paper"},
		{`{online: false, cover_open: true}`, "The printer cover is open"},
		{`{online: true, error: true, autocutter_error: true}`, "The paper cutter is stuck"},
		{`{online: false, error: true, unrecoverable_error: true}`, "The printer has a fault it cannot clear"},
		{`{online: false, error: true, recoverable_error: true}`, "The printer reports an error"},
		{`{online: false}`, "The printer is offline"},
	} {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`printerWords({ready: false, status: `+tt.status+`}).text`))
		require.NoError(t, err)
		assert.Equal(t, tt.words, got, tt.status)
	}
	// A printer that fetches its receipts (pull): its polls are its status.
	for _, tt := range []struct{ printer, words string }{
		{`{ready: false, error: 'the printer has not polled', pull: {polling: false}}`, "The printer has not asked for receipts yet"},
		{`{ready: false, status: {online: false}, pull: {polling: false}}`, "The printer stopped asking for receipts"},
		{`{ready: false, status: {online: true, paper_end: true}, pull: {polling: true}}`, "Out of paper"},
		{`{ready: true, status: {online: true}, pull: {polling: true}}`, "Ready"},
	} {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`printerWords(`+tt.printer+`).text`))
		require.NoError(t, err)
		assert.Equal(t, tt.words, got, tt.printer)
	}
	low, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => { const w = printerWords({ready: true, status: {online: true, paper_near_end: true}}); return [w.text, w.todo]; })()`))
	require.NoError(t, err)
	assert.Equal(t, []string{"Ready: paper is running low", "Have a new paper roll ready."}, low)
}

// TestWebPreviewIsWhatPrints: the test form's preview is the chosen
// printer's receipt, template and all: the very picture /v1/render draws
// for that printer, not a model's bare layout.
func TestWebPreviewIsWhatPrints(t *testing.T) {
	browser := chromium(t)
	_, front := printerAt(t)
	_, bakery := printerAt(t)
	template, err := filepath.Abs(filepath.Join("..", "..", "testdata", "templates", "bakery.json"))
	require.NoError(t, err)
	d := start(t, "-data-dir", t.TempDir(), "-printer", "front="+front+",model=TM-T88V",
		"-printer", "bakery="+bakery+",model=POS-5890,template="+template)
	sample, err := os.ReadFile(filepath.Join("..", "internal", "server", "web", "samples", "card-topup.json"))
	require.NoError(t, err)
	render := func(query string) []byte {
		t.Helper()
		resp, err := http.Post(d.url+"/v1/render?format=png&"+query, "application/json", bytes.NewReader(sample))
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, 200, resp.StatusCode, string(b))
		return b
	}
	ctx, shoot := browse(t, browser, 90*time.Second)
	shownPNG := func(caption string) []byte {
		t.Helper()
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const i = document.querySelector('#livePreview');
			return document.querySelector('#previewState').textContent === `+strconv.Quote(caption)+` && i.complete && i.naturalWidth > 0; })()`))
		require.NoError(t, err, caption)
		b64, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector('#livePreview').src).then(r => r.arrayBuffer()).then(b => {
			let s = ''; for (const c of new Uint8Array(b)) s += String.fromCharCode(c); return btoa(s); })`, chromedp.EvalAwaitPromise))
		require.NoError(t, err)
		b, err := base64.StdEncoding.DecodeString(b64)
		require.NoError(t, err)
		return b
	}
	for _, vp := range viewports {
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(vp.w, vp.h), chromedp.Navigate(d.url+"/"), present("#printer-bakery")))
		assert.Equal(t, render("printer=front"), shownPNG("as front prints it: TM-T88V"), "%s: the first printer's receipt", vp.name)
		ok, err := chromedp.Run(ctx, set("#printer", "bakery"))
		require.NoError(t, err)
		require.True(t, ok)
		got := shownPNG("as bakery prints it: POS-5890, template bakery.json")
		assert.Equal(t, render("printer=bakery"), got, "%s: the bakery printer's receipt, its template included", vp.name)
		img, err := png.DecodeConfig(bytes.NewReader(got))
		require.NoError(t, err)
		bare, err := png.DecodeConfig(bytes.NewReader(render("model=POS-5890")))
		require.NoError(t, err)
		assert.Equal(t, 384, img.Width, "a 58 mm printer's 384 dots")
		assert.Greater(t, img.Height, bare.Height, "the template's header and footer are in the preview")
		shoot("preview-bakery-" + vp.name)
	}
}
