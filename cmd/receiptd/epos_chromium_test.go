package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos/escpostest"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/printers/virtual/virtualtest"
)

// The till page runs Odoo's own ePOS printer code (testdata/thirdparty/odoo,
// LGPL-3) unmodified; what it imports from the rest of Odoo is stubbed here
// with the little it uses.
var tillStubs = map[string]string{
	"/stubs/base_printer.js": `export class BasePrinter {
	constructor(...args) { this.setup(...args); }
	setup() {}
	getResultsError() { return { message: { body: "" } }; }
}`,
	"/stubs/translation.js": `export const _t = (s) => s;`,
	// The layout Odoo fills: its ePOS envelope (epos_templates.xml) in the
	// <t> wrapper getTemplate returns.
	"/stubs/templates.js": `const layout = '<t t-name="point_of_sale.ePOSLayout"><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>' +
	'<epos-print xmlns="http://www.epson-pos.com/schemas/2011/03/epos-print"></epos-print></s:Body></s:Envelope></t>';
export function getTemplate(name) {
	if (name !== "point_of_sale.ePOSLayout") return null;
	return new DOMParser().parseFromString(layout, "text/xml").documentElement;
}`,
	"/stubs/xml.js": `const doc = document.implementation.createDocument(null, null);
export function createElement(tag, attrs = {}, children = []) {
	const el = doc.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
	append(el, children);
	return el;
}
export function append(parent, children) { for (const c of [].concat(children)) parent.appendChild(c); }
export function createTextNode(s) { return doc.createTextNode(s); }`,
	"/odoo/init_lna": `export function getLNATargetAddressSpace() { return "local"; }`,
}

const tillPage = `<!doctype html><meta charset="utf-8"><title>till</title>
<script>window.odoo = { use_lna: false };</script>
<script type="importmap">{"imports": {
 "@point_of_sale/app/utils/printer/base_printer": "/stubs/base_printer.js",
 "@web/core/l10n/translation": "/stubs/translation.js",
 "@web/core/templates": "/stubs/templates.js",
 "@web/core/utils/xml": "/stubs/xml.js"}}</script>
<script type="module">
import { EpsonPrinter } from "/odoo/printer/epson_printer.js";
window.till = {
	// As Odoo prints a receipt: the receipt drawn on a canvas, sent as one picture.
	print(ip) {
		window.result = null;
		(async () => {
			const img = new Image();
			img.src = "/receipt.png";
			await img.decode();
			const c = document.createElement("canvas");
			c.width = img.width;
			c.height = img.height;
			c.getContext("2d").drawImage(img, 0, 0);
			const p = new EpsonPrinter({ ip });
			window.result = await p.sendPrintingJob(p.processCanvas(c));
		})().catch((e) => { window.result = { error: String(e) }; });
	},
	drawer(ip) { new EpsonPrinter({ ip }).openCashbox(); },
};
window.ready = true;
</script>`

// tillServer serves the till page and Odoo's code.
func tillServer(t *testing.T, tls bool) *httptest.Server {
	js, err := os.ReadFile("../../testdata/thirdparty/odoo/epson_printer.js")
	require.NoError(t, err)
	pic, err := os.ReadFile("../../testdata/epos/odoo-receipt-576x1600.png")
	require.NoError(t, err)
	mux := http.NewServeMux()
	serveJS := func(path, body string) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/javascript")
			_, _ = w.Write([]byte(body))
		})
	}
	for p, body := range tillStubs {
		serveJS(p, body)
	}
	serveJS("/odoo/printer/epson_printer.js", string(js))
	mux.HandleFunc("/receipt.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(pic)
	})
	mux.HandleFunc("/till.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(tillPage))
	})
	var s *httptest.Server
	if tls {
		s = httptest.NewTLSServer(mux)
	} else {
		s = httptest.NewServer(mux)
	}
	t.Cleanup(s.Close)
	return s
}

// startBoth runs receiptd and returns its http:// and, when it serves
// one, https:// address.
func startBoth(t *testing.T, args ...string) (string, string, *daemonLog) {
	cmd := exec.Command(binary, append([]string{"-listen", "127.0.0.1:0"}, args...)...)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	logs := &daemonLog{}
	cmd.Stderr = logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	r := bufio.NewReader(out)
	var urls []string
	for range 2 {
		line, err := r.ReadString('\n')
		if err != nil {
			break
		}
		if _, rest, ok := strings.Cut(line, "listening on "); ok {
			urls = append(urls, strings.Fields(rest)[0])
		}
		if !strings.Contains(strings.Join(args, " "), "-listen-tls") {
			break
		}
	}
	require.NotEmpty(t, urls, "receiptd did not start: %s", logs)
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(urls[0] + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		require.True(t, time.Now().Before(deadline), "receiptd not ready")
		time.Sleep(10 * time.Millisecond)
	}
	if len(urls) == 1 {
		return urls[0], "", logs
	}
	return urls[0], urls[1], logs
}

type tillResult struct {
	Result    bool   `json:"result"`
	ErrorCode string `json:"errorCode"`
	Status    int    `json:"status"`
	Error     string `json:"error"`
}

// TestOdooTillInChromium runs Odoo's epson_printer.js in headless Chromium
// against receiptd, over HTTP and over HTTPS with the self-signed
// certificate (accepted, as staff would, here by the browser's flag): a
// canvas-drawn receipt prints dot for dot and its QR Code reads back, the
// cash drawer opens, and a printer out of paper gives Odoo's paper-end
// error.
func TestOdooTillInChromium(t *testing.T) {
	browser := chromium(t)
	for _, tc := range []struct {
		name string
		tls  bool
	}{{"http", false}, {"https-self-signed", true}} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := printers.Lookup("TM-T20II")
			require.NoError(t, err)
			dev, addr := virtualtest.TCP(t, virtual.Options{Profile: p})
			page := tillServer(t, tc.tls)
			args := []string{"-printer", "front=" + addr + ",model=TM-T20II", "-allowed-origin", page.URL, "-data-dir", filepath.Join(t.TempDir(), "data")}
			if tc.tls {
				args = append(args, "-listen-tls", "127.0.0.1:0", "-tls", "self-signed")
			}
			plain, secure, logs := startBoth(t, args...)
			target := plain
			if tc.tls {
				target = secure
			}
			ip := strings.TrimPrefix(strings.TrimPrefix(target, "http://"), "https://")

			opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
				chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-background-networking", true),
				chromedp.Flag("ignore-certificate-errors", tc.tls), chromedp.UserDataDir(t.TempDir()))
			actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
			t.Cleanup(cancel)
			ctx, cancel := chromedp.NewContext(actx)
			t.Cleanup(cancel)
			ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
			t.Cleanup(cancel)
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(page.URL+"/till.html")))
			_, err = chromedp.Run(ctx, chromedp.Poll[bool](`window.ready === true`))
			require.NoError(t, err)

			result := func() tillResult {
				t.Helper()
				s, err := chromedp.Run(ctx, chromedp.Poll[string](`window.result ? JSON.stringify(window.result) : ""`))
				require.NoError(t, err)
				var r tillResult
				require.NoError(t, json.Unmarshal([]byte(s), &r))
				return r
			}
			_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.till.print(`+jsString(ip)+`), true`))
			require.NoError(t, err)
			r := result()
			require.True(t, r.Result, "%+v\n%s", r, logs)
			tickets := dev.Tickets()
			require.Len(t, tickets, 1)
			f, err := os.ReadFile("../../testdata/epos/odoo-receipt-576x1600.png")
			require.NoError(t, err)
			src, err := png.Decode(bytes.NewReader(f))
			require.NoError(t, err)
			img := tickets[0].Paper.Image()
			for y := 0; y < 1600; y++ {
				for x := 0; x < 576; x++ {
					c, _, _, _ := src.At(x, y).RGBA()
					if (c < 0x8000) != (img.GrayAt(x, y).Y < 128) {
						t.Fatalf("paper dot (%d,%d) differs from the till's canvas", x, y)
					}
				}
			}
			assert.Equal(t, []string{"QR-Code:https://pos.example.com/receipt/00042-003-0007"}, escpostest.Zbar(t, tickets[0].Paper.Image()))

			_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.till.drawer(`+jsString(ip)+`), true`))
			require.NoError(t, err)
			require.Eventually(t, func() bool { return printedJobs(t, plain) == 2 }, 20*time.Second, 50*time.Millisecond, "the drawer's pulse printed")

			dev.SetFault(virtual.PaperEnd, true)
			_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.till.print(`+jsString(ip)+`), true`))
			require.NoError(t, err)
			r = result()
			assert.False(t, r.Result)
			assert.Equal(t, "EPTR_REC_EMPTY", r.ErrorCode, "%+v\n%s", r, logs)
			assert.NotZero(t, r.Status&0x00080000, "Odoo reads paper end from the status bits too")
		})
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// printedJobs counts the printed jobs on receiptd at url.
func printedJobs(t *testing.T, url string) int {
	resp, err := http.Get(url + "/v1/jobs?state=printed")
	require.NoError(t, err)
	defer resp.Body.Close()
	var list struct {
		Jobs []jobView `json:"jobs"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	return len(list.Jobs)
}
