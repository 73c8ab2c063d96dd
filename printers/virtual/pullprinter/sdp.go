package pullprinter

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/secuprint/receipt/printers/pull/sdp"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/receipt/epos"
)

// RunSDP polls opt.URL as an Epson Server Direct Print printer until ctx
// ends: at each interval a status notification (SetStatus) and a print
// request (GetRequest); the jobs of an answer are printed in order and
// their results sent back (SetResponse).
func RunSDP(ctx context.Context, opt Options) error {
	opt.defaults()
	if opt.ID == "" {
		return fmt.Errorf("pullprinter: SDP needs the printer's ID")
	}
	c := &sdpClient{opt: opt}
	for ctx.Err() == nil {
		if err := c.step(ctx); err != nil {
			opt.Logger.Warn("sdp: poll", "err", err)
		}
		if !sleep(ctx, opt.Interval) {
			break
		}
	}
	return nil
}

type sdpClient struct {
	opt Options
	nc  int
}

// eposBits is the device's state as ePOS-Print status bits.
func eposBits(st virtual.State) uint32 {
	var b uint32
	set := func(on bool, m uint32) {
		if on {
			b |= m
		}
	}
	set(!st.Online, epos.StatusOffline)
	set(st.Has(virtual.CoverOpen), epos.StatusCoverOpen)
	set(st.Has(virtual.AutocutterError), epos.StatusAutocutterErr)
	set(st.Has(virtual.PaperNearEnd), epos.StatusReceiptNearEnd)
	set(st.Has(virtual.PaperEnd), epos.StatusReceiptEnd)
	return b
}

// eposCode is the ePOS-Print code of a job a fault held.
func eposCode(f virtual.Fault) string {
	switch f {
	case virtual.PaperEnd:
		return string(epos.CodeRecEmpty)
	case virtual.CoverOpen:
		return string(epos.CodeCoverOpen)
	case virtual.AutocutterError:
		return string(epos.CodeCutter)
	}
	return string(epos.CodeTimeout)
}

// answer is a <PrintRequestInfo> as the printer reads it.
type answer struct {
	XMLName xml.Name `xml:"PrintRequestInfo"`
	Version string   `xml:"Version,attr"`
	Jobs    []struct {
		JobID   string `xml:"Parameter>printjobid"`
		Command string `xml:"PrintData>epos-print>command"`
	} `xml:"ePOSPrint"`
}

func (c *sdpClient) step(ctx context.Context) error {
	st := c.opt.Device.Status()
	status := `<?xml version="1.0" encoding="utf-8"?><statusmonitor><printerstatus><devid>` + sdp.DevID +
		`</devid><asbstatus>` + strconv.FormatUint(uint64(eposBits(st)), 10) + `</asbstatus></printerstatus></statusmonitor>`
	if _, err := c.post(ctx, url.Values{"ConnectionType": {"SetStatus"}, "ID": {c.opt.ID}, "Status": {status}}); err != nil {
		return err
	}
	body, err := c.post(ctx, url.Values{"ConnectionType": {"GetRequest"}, "ID": {c.opt.ID}})
	if err != nil || len(bytes.TrimSpace(body)) == 0 {
		return err
	}
	var a answer
	if err := xml.Unmarshal(body, &a); err != nil {
		return fmt.Errorf("print request: %w", err)
	}
	version := "2.00"
	if a.Version == "" {
		version = "1.00"
	}
	var rf strings.Builder
	rf.WriteString(`<?xml version="1.0" encoding="utf-8"?><PrintResponseInfo Version="` + version + `">`)
	for _, j := range a.Jobs {
		success, code := "true", ""
		job, err := hex.DecodeString(strings.TrimSpace(j.Command))
		switch {
		case err != nil:
			success, code = "false", "SchemaError"
		case !ready(c.opt.Device.Status()):
			success, code = "false", eposCode(firstStop(c.opt.Device.Status()))
		default:
			if p := printJob(ctx, c.opt.Device, job, c.opt.PrintTimeout); !p.ok {
				success, code = "false", eposCode(p.fault)
			}
		}
		c.opt.Logger.Info("sdp: job", "id", j.JobID, "bytes", len(job), "success", success, "code", code)
		bits := strconv.FormatUint(uint64(eposBits(c.opt.Device.Status())|epos.StatusPrintSuccess*boolBit(success == "true")), 10)
		rf.WriteString(`<ePOSPrint><Parameter><devid>` + sdp.DevID + `</devid>`)
		if version != "1.00" {
			var esc bytes.Buffer
			_ = xml.EscapeText(&esc, []byte(j.JobID))
			rf.WriteString(`<printjobid>` + esc.String() + `</printjobid>`)
		}
		rf.WriteString(`</Parameter><PrintResponse><response success="` + success + `" code="` + code + `" status="` + bits + `" battery="0"/></PrintResponse></ePOSPrint>`)
	}
	rf.WriteString(`</PrintResponseInfo>`)
	_, err = c.post(ctx, url.Values{"ConnectionType": {"SetResponse"}, "ID": {c.opt.ID}, "ResponseFile": {rf.String()}})
	return err
}

func boolBit(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

func firstStop(st virtual.State) virtual.Fault {
	if f := stopping(st); len(f) > 0 {
		return f[0]
	}
	return virtual.Offline
}

// post sends a form, answering a Digest challenge once.
func (c *sdpClient) post(ctx context.Context, form url.Values) ([]byte, error) {
	body := form.Encode()
	auth := ""
	for range 2 {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.opt.URL, strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := c.opt.Client.Do(req)
		if err != nil {
			return nil, err
		}
		if res.StatusCode == http.StatusUnauthorized && auth == "" && c.opt.Password != "" {
			ch := res.Header.Get("WWW-Authenticate")
			res.Body.Close()
			auth = c.digest(ch, req.URL.RequestURI())
			continue
		}
		return readBody(res, sdp.MaxAnswer+4096)
	}
	return nil, fmt.Errorf("sdp: authentication refused")
}

// digest answers a Digest challenge (RFC 7616, MD5, qop=auth).
func (c *sdpClient) digest(challenge, uri string) string {
	param := func(k string) string {
		_, rest, ok := strings.Cut(challenge, k+`="`)
		if !ok {
			return ""
		}
		v, _, _ := strings.Cut(rest, `"`)
		return v
	}
	h := func(s string) string { x := md5.Sum([]byte(s)); return hex.EncodeToString(x[:]) }
	realm, nonce := param("realm"), param("nonce")
	c.nc++
	nc := fmt.Sprintf("%08x", c.nc)
	cn := make([]byte, 8)
	_, _ = rand.Read(cn)
	cnonce := hex.EncodeToString(cn)
	ha1, ha2 := h(c.opt.ID+":"+realm+":"+c.opt.Password), h("POST:"+uri)
	resp := h(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2)
	return `Digest username="` + c.opt.ID + `", realm="` + realm + `", nonce="` + nonce + `", uri="` + uri +
		`", qop=auth, nc=` + nc + `, cnonce="` + cnonce + `", response="` + resp + `", algorithm=MD5`
}
