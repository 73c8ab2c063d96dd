package server

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers/pull/sdp"
	"github.com/secuprint/receipt/printers/spool"
)

// digestClient answers a Digest challenge as RFC 7616 says (MD5,
// qop=auth), written from the RFC, not from digest.go.
func digestClient(t testing.TB, challenge, method, uri, user, pass string) string {
	t.Helper()
	nonce := between(challenge, `nonce="`, `"`)
	realm := between(challenge, `realm="`, `"`)
	require.NotEmpty(t, nonce)
	h := func(s string) string { x := md5.Sum([]byte(s)); return hex.EncodeToString(x[:]) }
	ha1, ha2 := h(user+":"+realm+":"+pass), h(method+":"+uri)
	resp := h(ha1 + ":" + nonce + ":00000001:abcdef:auth:" + ha2)
	return `Digest username="` + user + `", realm="` + realm + `", nonce="` + nonce + `", uri="` + uri +
		`", qop=auth, nc=00000001, cnonce="abcdef", response="` + resp + `", algorithm=MD5`
}

func between(s, a, b string) string {
	_, rest, ok := strings.Cut(s, a)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, b)
	return v
}

func (b *pullBench) sdp(t testing.TB, form url.Values) (int, []byte) {
	t.Helper()
	body := form.Encode()
	hdr := []string{"Content-Type", "application/x-www-form-urlencoded"}
	code, h, out := do(t, "POST", b.srv.URL+"/sdp", body, hdr...)
	if code != 401 {
		return code, out
	}
	auth := digestClient(t, h.Get("WWW-Authenticate"), "POST", "/sdp", "shop-1", testSDPSecret)
	code, _, out = do(t, "POST", b.srv.URL+"/sdp", body, append(hdr, "Authorization", auth)...)
	return code, out
}

func TestSDPJobFlow(t *testing.T) {
	b := newPullBench(t, testMAC)
	get := url.Values{"ConnectionType": {"GetRequest"}, "ID": {"shop-1"}}
	code, out := b.sdp(t, get)
	require.Equal(t, 200, code, string(out))
	assert.Empty(t, out, "nothing waits: an empty answer")

	var js []spool.Job
	for _, k := range []string{"a", "b", "c"} {
		j, _, err := b.sp.Enqueue("epson", k, "", []byte("\x1b@"+k), nil)
		require.NoError(t, err)
		js = append(js, j)
	}
	code, out = b.sdp(t, get)
	require.Equal(t, 200, code)
	for _, j := range js {
		assert.Contains(t, string(out), "<printjobid>"+j.ID+"</printjobid>")
		assert.Equal(t, spool.Printing, b.state(t, j.ID))
	}
	assert.Contains(t, string(out), "<command>"+hex.EncodeToString([]byte("\x1b@a"))+"</command>")
	code, out = b.sdp(t, get)
	require.Equal(t, 200, code)
	assert.Empty(t, out, "handed jobs are not handed again")

	result := func(id, success, code string) string {
		return `<ePOSPrint><Parameter><devid>local_printer</devid><printjobid>` + id + `</printjobid></Parameter><PrintResponse><response success="` +
			success + `" code="` + code + `" status="2"/></PrintResponse></ePOSPrint>`
	}
	file := func(rs ...string) url.Values {
		return url.Values{"ConnectionType": {"SetResponse"}, "ID": {"shop-1"},
			"ResponseFile": {`<?xml version="1.0" encoding="utf-8"?><PrintResponseInfo Version="2.00">` + strings.Join(rs, "") + `</PrintResponseInfo>`}}
	}
	// A result for a job that is not out with this printer: nothing changes.
	other, _, err := b.sp.Enqueue("star", "x", "", []byte("x"), nil)
	require.NoError(t, err)
	code, _ = b.sdp(t, file(result(js[0].ID, "true", ""), result(other.ID, "true", "")))
	assert.Equal(t, 404, code)
	code, _ = b.sdp(t, file(result(js[0].ID, "true", ""), result("j1999999999999", "true", "")))
	assert.Equal(t, 404, code)
	code, _ = b.sdp(t, file(result(js[0].ID, "true", ""), result(js[0].ID, "true", "")))
	assert.Equal(t, 400, code)
	code, _ = b.sdp(t, url.Values{"ConnectionType": {"SetResponse"}, "ID": {"shop-1"}, "ResponseFile": {"<PrintResponseInfo"}})
	assert.Equal(t, 400, code)
	for _, j := range js {
		assert.Equal(t, spool.Printing, b.state(t, j.ID), "nothing changed")
	}
	assert.Equal(t, spool.Queued, b.state(t, other.ID))

	code, _ = b.sdp(t, file(result(js[0].ID, "true", ""), result(js[1].ID, "false", "EPTR_REC_EMPTY"), result(js[2].ID, "false", "DeviceNotFound")))
	require.Equal(t, 200, code)
	assert.Equal(t, spool.Printed, b.state(t, js[0].ID))
	assert.Equal(t, spool.Unknown, b.state(t, js[1].ID))
	assert.Equal(t, spool.Queued, b.state(t, js[2].ID))

	// Paper end reported by status notification: the job waits.
	code, _ = b.sdp(t, url.Values{"ConnectionType": {"SetStatus"}, "ID": {"shop-1"},
		"Status": {`<statusmonitor><printerstatus><devid>local_printer</devid><asbstatus>` + "524288" + `</asbstatus></printerstatus></statusmonitor>`}})
	require.Equal(t, 200, code)
	assert.True(t, b.h.Status(b.epson).Status.PaperEnd)
	code, out = b.sdp(t, get)
	require.Equal(t, 200, code)
	assert.Empty(t, out)
	assert.Equal(t, spool.Queued, b.state(t, js[2].ID))
}

func TestSDPGuards(t *testing.T) {
	b := newPullBench(t, testMAC)
	j, _, err := b.sp.Enqueue("epson", "k", "", []byte("x"), nil)
	require.NoError(t, err)
	get := url.Values{"ConnectionType": {"GetRequest"}, "ID": {"shop-1"}}.Encode()
	ct := []string{"Content-Type", "application/x-www-form-urlencoded"}
	code, _, _ := do(t, "POST", b.srv.URL+"/sdp", url.Values{"ConnectionType": {"GetRequest"}, "ID": {"other"}}.Encode(), ct...)
	assert.Equal(t, 404, code, "unknown ID")
	code, hdr, _ := do(t, "POST", b.srv.URL+"/sdp", get, ct...)
	assert.Equal(t, 401, code)
	auth := digestClient(t, hdr.Get("WWW-Authenticate"), "POST", "/sdp", "shop-1", "wrong password")
	code, _, _ = do(t, "POST", b.srv.URL+"/sdp", get, append(ct, "Authorization", auth)...)
	assert.Equal(t, 401, code, "wrong password")
	auth = digestClient(t, hdr.Get("WWW-Authenticate"), "POST", "/sdp", "shop-2", testSDPSecret)
	code, _, _ = do(t, "POST", b.srv.URL+"/sdp", get, append(ct, "Authorization", auth)...)
	assert.Equal(t, 401, code, "another user")
	b.advance(digestNonceTTL + time.Second)
	auth = digestClient(t, hdr.Get("WWW-Authenticate"), "POST", "/sdp", "shop-1", testSDPSecret)
	code, _, _ = do(t, "POST", b.srv.URL+"/sdp", get, append(ct, "Authorization", auth)...)
	assert.Equal(t, 401, code, "stale nonce")
	code, _, _ = do(t, "POST", b.srv.URL+"/sdp/"+testCPSecret, get, ct...)
	assert.Equal(t, 404, code, "CloudPRNT secret")
	// A request overheard and sent again: refused.
	code, hdr, _ = do(t, "POST", b.srv.URL+"/sdp", get, ct...)
	require.Equal(t, 401, code)
	auth = digestClient(t, hdr.Get("WWW-Authenticate"), "POST", "/sdp", "shop-1", testSDPSecret)
	code, _, _ = do(t, "POST", b.srv.URL+"/sdp", url.Values{"ConnectionType": {"SetStatus"}, "ID": {"shop-1"}, "Status": {"<statusmonitor/>"}}.Encode(), append(ct, "Authorization", auth)...)
	assert.Equal(t, 200, code)
	code, _, _ = do(t, "POST", b.srv.URL+"/sdp", get, append(ct, "Authorization", auth)...)
	assert.Equal(t, 401, code, "replayed nonce count")
	code, _, _ = do(t, "POST", b.srv.URL+"/sdp", strings.Repeat("a", sdp.MaxRequestBody+1), ct...)
	assert.Equal(t, 413, code)
	code, _, _ = do(t, "GET", b.srv.URL+"/sdp", "")
	assert.Equal(t, 405, code)
	code, _, _ = do(t, "POST", b.srv.URL+"/sdp/"+testSDPSecret, url.Values{"ConnectionType": {"Nope"}, "ID": {"shop-1"}}.Encode(), ct...)
	assert.Equal(t, 400, code)
	assert.Equal(t, spool.Queued, b.state(t, j.ID), "nothing changed")
	// The path secret needs no Digest.
	code, _, out := do(t, "POST", b.srv.URL+"/sdp/"+testSDPSecret, get, ct...)
	assert.Equal(t, 200, code)
	assert.True(t, bytes.Contains(out, []byte(j.ID)))
}

func TestSDPVersion1OneJobPerPoll(t *testing.T) {
	b := newPullBench(t, testMAC)
	b.epson.SDPVersion = sdp.V1
	var js []spool.Job
	for _, k := range []string{"a", "b"} {
		j, _, err := b.sp.Enqueue("epson", k, "", []byte("\x1b@"+k), nil)
		require.NoError(t, err)
		js = append(js, j)
	}
	get := url.Values{"ConnectionType": {"GetRequest"}, "ID": {"shop-1"}}
	code, out := b.sdp(t, get)
	require.Equal(t, 200, code)
	assert.Equal(t, 1, strings.Count(string(out), "<ePOSPrint>"), "one job per poll")
	assert.NotContains(t, string(out), "printjobid")
	assert.Contains(t, string(out), "<PrintRequestInfo>")
	code, out = b.sdp(t, get)
	require.Equal(t, 200, code)
	assert.Empty(t, out, "none while its result is out")
	v1 := `<?xml version="1.0" encoding="utf-8"?><PrintResponseInfo Version="1.00"><ePOSPrint><Parameter><devid>local_printer</devid></Parameter><PrintResponse><response success="true" code="" status="2"/></PrintResponse></ePOSPrint></PrintResponseInfo>`
	code, _ = b.sdp(t, url.Values{"ConnectionType": {"SetResponse"}, "ID": {"shop-1"}, "ResponseFile": {v1}})
	require.Equal(t, 200, code)
	assert.Equal(t, spool.Printed, b.state(t, js[0].ID))
	assert.Equal(t, spool.Queued, b.state(t, js[1].ID))
	code, out = b.sdp(t, get)
	require.Equal(t, 200, code)
	assert.Contains(t, string(out), hex.EncodeToString([]byte("\x1b@b")))
}

func FuzzDigestParams(f *testing.F) {
	f.Add(`Digest username="shop-1", realm="receiptd sdp", nonce="1.ab.cd", uri="/sdp", qop=auth, nc=00000001, cnonce="x", response="y"`)
	f.Add(`Digest a=b,c="d`)
	f.Fuzz(func(t *testing.T, h string) {
		p, ok := digestParams(h)
		if ok && len(p) > len(h) {
			t.Fatalf("%d params from %d bytes", len(p), len(h))
		}
		req := httptest.NewRequest("POST", "/sdp", nil)
		req.Header.Set("Authorization", h)
		if digestOK(req, []byte("k"), &digestCounts{}, time.Now(), "shop-1", "secret") {
			t.Fatalf("accepted %q", h)
		}
	})
}
