package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
