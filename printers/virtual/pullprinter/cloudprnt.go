package pullprinter

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/star"
	"github.com/secuprint/receipt/printers/pull/cloudprnt"
	"github.com/secuprint/receipt/printers/virtual"
)

// RunCloudPRNT polls opt.URL as a CloudPRNT client until ctx ends.
// Errors from the server are logged and the next poll tries again, as a
// printer does.
func RunCloudPRNT(ctx context.Context, opt Options) error {
	opt.defaults()
	mac, err := cloudprnt.NormalizeMAC(opt.MAC)
	if err != nil {
		return err
	}
	c := &cpClient{opt: opt, mac: mac}
	for ctx.Err() == nil {
		wait, err := c.step(ctx)
		if err != nil {
			opt.Logger.Warn("cloudprnt: poll", "err", err)
			wait = opt.Interval
		}
		if !sleep(ctx, wait) {
			break
		}
	}
	return nil
}

type cpClient struct {
	opt     Options
	mac     string
	pending []cloudprnt.ActionRequest // asked by the server, answered in the next poll
}

// native is the media type of the device's own language.
func (c *cpClient) native() cloudprnt.MediaType {
	switch c.opt.Profile.Language {
	case escpos.LanguageStarPRNT:
		return cloudprnt.MediaStarPRNT
	case escpos.LanguageStarLine:
		return cloudprnt.MediaStarLine
	}
	return ""
}

// status is the device's state as a CloudPRNT poll reports it: the ASB
// (hex) and the status code.
func status(st virtual.State) (asb string, code string) {
	var a star.ASB
	a.Online = st.Online
	a.PaperEnd, a.PaperNearEnd = st.Has(virtual.PaperEnd), st.Has(virtual.PaperNearEnd)
	a.CoverOpen, a.AutocutterError = st.Has(virtual.CoverOpen), st.Has(virtual.AutocutterError)
	b := star.AppendASB(nil, a)
	h := hex.EncodeToString(b)
	var sp strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			sp.WriteByte(' ')
		}
		sp.WriteString(h[i : i+2])
	}
	switch {
	case a.PaperEnd:
		code = "410 Out of paper"
	case a.CoverOpen:
		code = "420 Cover open"
	case a.AutocutterError || !st.Online:
		code = "400 Printer error"
	case a.PaperNearEnd:
		code = "210 Paper low"
	default:
		code = "200 OK"
	}
	return sp.String(), code
}

func faultCode(f virtual.Fault) string {
	switch f {
	case virtual.PaperEnd:
		return "410 Out of paper"
	case virtual.CoverOpen:
		return "420 Cover open"
	}
	return "400 Printer error"
}

// step polls once and, when a job waits, fetches, prints and confirms
// it; it returns how long to wait before the next poll.
func (c *cpClient) step(ctx context.Context) (time.Duration, error) {
	st := c.opt.Device.Status()
	asb, code := status(st)
	body := map[string]any{"status": asb, "printerMAC": c.mac, "statusCode": url.PathEscape(code), "printingInProgress": false}
	if len(c.pending) > 0 {
		var res []map[string]any
		for _, a := range c.pending {
			res = append(res, map[string]any{"request": a.Request, "result": c.action(a.Request)})
		}
		body["clientAction"] = res
		c.pending = nil
	}
	b, _ := json.Marshal(body)
	res, err := c.do(ctx, http.MethodPost, nil, b)
	if err != nil {
		return 0, err
	}
	out, err := readBody(res, cloudprnt.MaxPollBody)
	if err != nil {
		return 0, err
	}
	var ans cloudprnt.Answer
	if err := json.Unmarshal(out, &ans); err != nil {
		return 0, fmt.Errorf("poll answer: %w", err)
	}
	if len(ans.ClientAction) > 0 {
		c.pending = ans.ClientAction
		return 0, nil // Star's clients answer at once, not at the interval
	}
	if !ans.JobReady || !ready(st) {
		return c.opt.Interval, nil
	}
	typ := c.choose(ans.MediaTypes)
	if typ == "" {
		return c.opt.Interval, c.confirm(ctx, ans.JobToken, "510 Unsupported media type")
	}
	q := url.Values{"mac": {c.mac}, "type": {string(typ)}}
	if ans.JobToken != "" {
		q.Set("token", ans.JobToken)
	}
	res, err = c.do(ctx, http.MethodGet, q, nil)
	if err != nil {
		return c.opt.Interval, c.confirm(ctx, ans.JobToken, "520 Download failed")
	}
	job, err := readBody(res, maxJob)
	if err != nil {
		if he, ok := err.(*httpError); ok {
			return c.opt.Interval, he // nothing was handed out
		}
		return c.opt.Interval, c.confirm(ctx, ans.JobToken, "520 Download failed")
	}
	if typ == cloudprnt.MediaPNG {
		if job, err = c.raster(job); err != nil {
			c.opt.Logger.Warn("cloudprnt: picture", "err", err)
			return c.opt.Interval, c.confirm(ctx, ans.JobToken, "511 Media decoding error")
		}
	}
	p := printJob(ctx, c.opt.Device, job, c.opt.PrintTimeout)
	code = "200 OK"
	if !p.ok {
		code = faultCode(p.fault)
	}
	c.opt.Logger.Info("cloudprnt: job", "token", ans.JobToken, "type", string(typ), "bytes", len(job), "code", code)
	return 0, c.confirm(ctx, ans.JobToken, code)
}

// choose is the first offered type the device prints: its own language,
// else a picture.
func (c *cpClient) choose(offered []cloudprnt.MediaType) cloudprnt.MediaType {
	if n := c.native(); n != "" && slices.Contains(offered, n) {
		return n
	}
	if slices.Contains(offered, cloudprnt.MediaPNG) {
		return cloudprnt.MediaPNG
	}
	return ""
}

// raster turns a fetched picture into the device's raster command.
func (c *cpClient) raster(b []byte) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	r, err := escpos.NewRaster(img, escpos.RasterOptions{MaxWidth: c.opt.Profile.WidthDots})
	if err != nil {
		return nil, err
	}
	switch c.opt.Profile.Language {
	case escpos.LanguageStarPRNT:
		out, err := star.AppendRasterPRNT(nil, r, 0)
		return append(out, 0x1B, 'd', 3), err
	case escpos.LanguageStarLine, escpos.LanguageStarGraphic:
		out, err := star.AppendRaster(nil, r, 0)
		return append(out, 0x1B, 'd', 3), err
	}
	out, err := escpos.AppendRasterImage(nil, r)
	return append(out, 0x1D, 'V', 66, 0), err
}

// action answers a clientAction request.
func (c *cpClient) action(req string) any {
	switch req {
	case cloudprnt.ActionClientType:
		return "receipt virtual-printer"
	case cloudprnt.ActionEncodings:
		var e []string
		if n := c.native(); n != "" {
			e = append(e, string(n))
		}
		return strings.Join(append(e, string(cloudprnt.MediaPNG)), "; ")
	case cloudprnt.ActionPageInfo:
		dots := c.opt.Profile.WidthDots
		return map[string]string{"paperWidth": "80", "printWidth": strconv.FormatFloat(float64(dots)/8, 'f', -1, 64),
			"horizontalResolution": "8", "verticalResolution": "8"}
	}
	return ""
}

func (c *cpClient) confirm(ctx context.Context, token, code string) error {
	q := url.Values{"mac": {c.mac}, "code": {code}}
	if token != "" {
		q.Set("token", token)
	}
	res, err := c.do(ctx, http.MethodDelete, q, nil)
	if err != nil {
		return err
	}
	_, err = readBody(res, 4096)
	return err
}

func (c *cpClient) do(ctx context.Context, method string, q url.Values, body []byte) (*http.Response, error) {
	u := c.opt.URL
	if q != nil {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.opt.Password != "" {
		// HTTP Basic's user name may hold no ':', so not the MAC;
		// receiptd checks the password only.
		req.SetBasicAuth("printer", c.opt.Password)
	}
	return c.opt.Client.Do(req)
}
