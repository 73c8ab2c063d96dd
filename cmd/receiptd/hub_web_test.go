package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers/fleet"
	"github.com/secuprint/receipt/printers/fleet/fleettest"
	"github.com/secuprint/receipt/printers/virtual"
)

// hubWeb is a 3-node cluster, a hub binary and the configs of two site
// binaries: s1 printing to a virtual printer, s2 to one nobody reads.
type hubWeb struct {
	hub      *daemon
	short    *daemon // its jobs wait 5 s for their site
	hubArgs  []string
	s1, s2   []string
	dev      *virtual.Device
	natsURLs string
}

func startHubWeb(t *testing.T) *hubWeb {
	c := fleettest.Start(t, fleettest.Options{})
	w := &hubWeb{natsURLs: `["` + strings.Join(c.URLs(), `", "`) + `"]`}
	dir := t.TempDir()
	hub := filepath.Join(dir, "hub.toml")
	require.NoError(t, os.WriteFile(hub, []byte("[fleet]\nrole = \"hub\"\nreplicas = 3\nnats = "+w.natsURLs+"\n"), 0o600))
	w.hubArgs = []string{"-config", hub, "-data-dir", t.TempDir()}
	w.hub = start(t, w.hubArgs...)
	short := filepath.Join(dir, "short.toml")
	require.NoError(t, os.WriteFile(short, []byte("[fleet]\nrole = \"hub\"\nreplicas = 3\njob_ttl = \"5s\"\nnats = "+w.natsURLs+"\n"), 0o600))
	w.short = start(t, "-config", short, "-data-dir", t.TempDir())
	site := func(name, printer, addr string) []string {
		path := filepath.Join(dir, name+".toml")
		// Its printer's status read each second: the hub hears a change
		// with the heartbeat after.
		require.NoError(t, os.WriteFile(path, []byte("status_interval = \"1s\"\n\n[fleet]\nrole = \"site\"\nsite = \""+name+"\"\nnats = "+w.natsURLs+
			"\n\n[[printer]]\nname = \""+printer+"\"\naddress = \""+addr+"\"\nmodel = \"TM-T88V\"\n"), 0o600))
		return []string{"-config", path, "-data-dir", t.TempDir()}
	}
	var addr string
	w.dev, addr = printerAt(t)
	_, addr2 := printerAt(t)
	w.s1, w.s2 = site("s1", "front", addr), site("s2", "back", addr2)
	return w
}

// TestHubWebPage loads the hub's page in headless Chromium: the sites
// and their printers, a job posted to the hub shown with its site and
// printer until it reads printed; reprint, the decision on an unknown job
// and "Try again" on an expired one, each printing at the site; a site
// printer out of paper in plain words; a job of an offline site
// cancelled from the page (the site honours it when it returns); the
// offline site shown offline, at three sizes; then a hub with a token
// asks for it.
func TestHubWebPage(t *testing.T) {
	browser := chromium(t)
	w := startHubWeb(t)
	s1 := start(t, w.s1...)
	s2 := start(t, w.s2...)
	p0 := postAt(t, w.hub, "P0") // s1 announced itself
	waitHub(t, w.hub, p0, func(r fleet.Record) bool { return r.State == fleet.Printed })
	// s2 announced itself, then goes away: the hub shows it offline once
	// its heartbeat is 30 s old.
	require.Eventually(t, func() bool { return strings.Contains(getBody(t, w.hub.url+"/v1/sites"), `"site": "s2"`) }, 20*time.Second, 50*time.Millisecond)
	s2.kill()
	s2Gone := time.Now()
	// A job for s2 waits at the hub, to be cancelled from the page.
	body := `{"id":"C1","receipt":[{"type":"textline","value":{"text":"FLEET C1"}}]}`
	status, c1, err := post(w.hub.url+"/v1/sites/s2/printers/back/jobs", body, "C1")
	require.NoError(t, err)
	require.Equal(t, 202, status)

	ctx, shoot := browse(t, browser, 3*time.Minute)
	asked := acceptDialogs(ctx)
	text := func(script string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Poll[string](script))
		require.NoError(t, err)
		return s
	}
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(w.hub.url+"/"), present("#site-s1"), present(`[id="printer-s1.front"]`), present("#job-"+p0)))
	assert.Contains(t, text(`document.querySelector('#site-s1').textContent`), "Online")
	// Its status read, in the words of the site's own page.
	assert.Contains(t, text(`(() => { const r = document.querySelector('[id="printer-s1.front"]'); return r && r.textContent.includes('Ready') && r.textContent; })()`), "Ready")
	assert.Equal(t, "s1", text(`document.querySelector('#job-`+p0+` td.site').textContent`))
	assert.Equal(t, "front", text(`document.querySelector('#job-`+p0+` td.printer').textContent`))
	local, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#printer, #post, #livePreview, #jobs img')].filter(e => e.offsetParent).map(e => e.id || e.tagName).join()`))
	require.NoError(t, err)
	assert.Empty(t, local, "no test form, no previews at the hub")

	// A job posted now shows up with its site and printer and turns printed.
	p1 := postAt(t, w.hub, "P1")
	row := text(`(() => { const r = document.querySelector('#job-` + p1 + `'); return r && r.dataset.state === 'printed' && r.textContent; })()`)
	assert.Contains(t, row, "Printed")
	assert.Contains(t, row, "s1")
	assert.Contains(t, row, "front")
	assert.Equal(t, "reprint", text(`[...document.querySelectorAll('#job-`+p1+` button')].map(b => b.className).join()`))

	// Reprint from the page: a marked copy, a fleet job of its own, prints
	// at s1 once.
	require.NoError(t, chromedp.Do(ctx, press("#job-"+p1+" button.reprint")))
	assert.Equal(t, "Print a copy of "+p1+" (marked KOPIE / COPY)?", <-asked)
	copyRow := text(`(() => { const r = [...document.querySelectorAll('#jobs tr.job')].find(r => r.textContent.includes('(copy)')); return r && r.dataset.state === 'printed' && r.textContent; })()`)
	assert.Contains(t, copyRow, "s1")
	require.Eventually(t, func() bool { return paper(w.dev, "KOPIE") == 1 }, 5*time.Second, 10*time.Millisecond, "one copy on paper")

	// A job cut off mid-way is unknown at s1; the person sends it again
	// from the hub's page, and it prints.
	// 120 bytes: the job (20 lines, > 240 bytes) is cut whether or not a
	// few of the 1 s status reads (a few bytes each) come first.
	w.dev.DropAfter(120)
	var lines []string
	for i := range 20 {
		lines = append(lines, `{"type":"textline","value":{"text":"FLEET U `+strconv.Itoa(i)+`"}}`)
	}
	status, uj, err := post(w.hub.url+"/v1/sites/s1/printers/front/jobs", `{"id":"U","receipt":[`+strings.Join(lines, ",")+`]}`, "U")
	require.NoError(t, err)
	require.Equal(t, 202, status)
	u := uj.ID
	rec := waitHub(t, w.hub, u, func(r fleet.Record) bool { return r.State.Final() })
	require.Equal(t, fleet.Unknown, rec.State, "%+v", rec)
	unknown := text(`(() => { const r = document.querySelector('#job-` + u + `'); return r && r.querySelector('button.decide-retry') && r.textContent; })()`)
	assert.Contains(t, unknown, "Check the paper: may have printed")
	require.NoError(t, chromedp.Do(ctx, press("#job-"+u+" button.decide-retry")))
	assert.Equal(t, "Print "+u+" again (it is not on paper)?", <-asked)
	text(`(() => { const r = document.querySelector('#job-` + u + `'); return r && r.dataset.state === 'printed' && 'ok'; })()`)
	assert.Equal(t, 1, paper(w.dev, "FLEET U 19\n"), "the cut-off part ends early; the whole job once")

	// Paper end at s1's printer, idle: the site reads its status, says it
	// with the next heartbeat, and the hub's page says it in the words of
	// the site's own page. F, from a hub whose jobs wait 5 s, waits behind
	// P2 past its deadline.
	w.dev.SetFault(virtual.PaperEnd, true)
	noPaper := text(`(() => { const r = document.querySelector('[id="printer-s1.front"]'); return r && r.textContent.includes('Out of paper') && r.textContent; })()`)
	assert.Contains(t, noPaper, "Load a new paper roll, then close the cover.")
	assert.Contains(t, noPaper, "paper end", "the site's words behind details")
	assert.Contains(t, getBody(t, w.hub.url+"/v1/sites"), `"paper_end": true`, "no job: the status read, not a worker's fault")
	p2 := postAt(t, w.hub, "P2")
	fj := postAt(t, w.short, "F")
	fPosted := time.Now()
	// The job waiting on it reads as on the site's page (the printer
	// refused it: back in the site's queue), and its printer's report.
	waiting := text(`(() => { const r = document.querySelector('#job-` + p2 + `'); return r && r.textContent.includes('Waiting for paper') && r.textContent.includes('Its printer: Out of paper') && r.textContent; })()`)
	assert.Contains(t, waiting, "Load a new paper roll")
	shoot("hub-paper-end")
	time.Sleep(time.Until(fPosted.Add(5 * time.Second)))
	w.dev.SetFault(virtual.PaperEnd, false)
	text(`(() => { const r = document.querySelector('#job-` + p2 + `'); return r && r.dataset.state === 'printed' && 'ok'; })()`)
	// F, behind P2, is taken past its deadline: failed, nothing printed.
	failed := text(`(() => { const r = document.querySelector('#job-` + fj + `'); return r && r.querySelector('button.retry') && r.textContent; })()`)
	assert.Contains(t, failed, "Not printed: its time ran out before the printer took it")
	assert.Contains(t, failed, `Press "Try again" to print it now.`)
	assert.Zero(t, paper(w.dev, "FLEET F\n"))
	// Try again: F prints as the original, its next attempt.
	require.NoError(t, chromedp.Do(ctx, press("#job-"+fj+" button.retry")))
	assert.Equal(t, "Print "+fj+" again? It has not printed.", <-asked)
	text(`(() => { const r = document.querySelector('#job-` + fj + `'); return r && r.dataset.state === 'printed' && 'ok'; })()`)
	require.Eventually(t, func() bool { return paper(w.dev, "FLEET F\n") == 1 }, 5*time.Second, 10*time.Millisecond, "F once")

	// Cancel from the page: a job its site has not taken yet is cancelling
	// until the site, back, reports it cancelled; it never prints.
	require.NoError(t, chromedp.Do(ctx, press("#job-"+c1.ID+" button.cancel")))
	assert.Equal(t, "Cancel "+c1.ID+"? It will not print.", <-asked)
	cancelling := text(`(() => { const r = document.querySelector('#job-` + c1.ID + `'); return r && r.textContent.includes('Cancelling') && r.textContent; })()`)
	assert.Contains(t, cancelling, "s2")
	buttons, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#job-`+c1.ID+` button').length`))
	require.NoError(t, err)
	assert.Zero(t, buttons, "no second cancel")
	rec = hubJob(t, w.hub, c1.ID, 0)
	assert.True(t, rec.CancelRequested, "%+v", rec)

	// s2 is offline once its last heartbeat is 30 s old; its printer's
	// status is unknown then.
	time.Sleep(time.Until(s2Gone.Add(31 * time.Second)))
	offline := text(`(() => { const r = document.querySelector('#site-s2'); return r && r.dataset.online === 'false' && r.textContent; })()`)
	assert.Contains(t, offline, "Offline: no word from the site since")
	assert.Contains(t, text(`document.querySelector('[id="printer-s2.back"]').textContent`), "Unknown: the site does not answer")
	for _, vp := range viewports {
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(vp.w, vp.h), chromedp.Navigate(w.hub.url+"/"), present("#job-"+c1.ID), present("#site-s2")))
		fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
		require.NoError(t, err)
		assert.True(t, fits, "%s: the page is no wider than the screen", vp.name)
		for _, sel := range []string{"#job-" + p1 + " td.site", "#job-" + p1 + " td.printer"} {
			on, err := chromedp.Run(ctx, chromedp.Evaluate[string](shown(sel)))
			require.NoError(t, err)
			assert.NotEmpty(t, on, "%s: %s on screen", vp.name, sel)
		}
		shoot("hub-" + vp.name)
	}
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)))
	start(t, w.s2...)
	text(`(() => { const r = document.querySelector('#job-` + c1.ID + `'); return r && r.dataset.state === 'cancelled' && r.textContent.includes('Cancelled') && 'ok'; })()`)
	text(`(() => { const r = document.querySelector('#site-s2'); return r && r.dataset.online === 'true' && 'ok'; })()`)
	assert.Equal(t, fleet.ReasonCancelled, hubJob(t, w.hub, c1.ID, 0).Reason)
	assert.Empty(t, asked)

	// A hub with a token: the page asks for it, says when it is wrong,
	// then shows the fleet.
	t.Setenv("RECEIPTD_TOKENS", "s3cret")
	hub2 := start(t, append(w.hubArgs[:2:2], "-data-dir", t.TempDir())...)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(hub2.url+"/"), chromedp.WaitVisible("#tokenForm"),
		chromedp.SetValue("#token", "wrong"), chromedp.Click("#tokenSave")))
	assert.Equal(t, "That token is not valid.", text(`(() => { const e = document.querySelector('#tokenError'); return !document.querySelector('#tokenForm').hidden && e.textContent; })()`))
	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue("#token", "s3cret"), chromedp.Click("#tokenSave"), present("#site-s1"), present("#job-"+p0)))
	assert.Equal(t, 0, s1.stop(t))
}

// getBody is GET url's body ("" on an error).
func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
