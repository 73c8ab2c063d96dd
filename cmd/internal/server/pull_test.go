package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/pull/cloudprnt"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/station"
)

const (
	testMAC       = "00:11:62:1a:2b:3c"
	testCPSecret  = "cp-secret-0123456789"
	testSDPSecret = "sdp-secret-0123456789"
)

type pullBench struct {
	sp    *spool.Spool
	h     *PullHandlers
	srv   *httptest.Server
	star  *PulledPrinter
	epson *PulledPrinter
	mu    sync.Mutex
	now   time.Time
}

func (b *pullBench) advance(d time.Duration) {
	b.mu.Lock()
	b.now = b.now.Add(d)
	b.mu.Unlock()
}

func newPullBench(t testing.TB, starMAC string) *pullBench {
	t.Helper()
	sp, err := spool.Open(filepath.Join(t.TempDir(), "spool.db"))
	require.NoError(t, err)
	t.Cleanup(func() { sp.Close() })
	b := &pullBench{sp: sp, now: time.Now()}
	b.star = &PulledPrinter{Name: "star", Kind: PullCloudPRNT, MAC: starMAC, Secret: testCPSecret,
		Media: []cloudprnt.MediaType{cloudprnt.MediaStarPRNT, cloudprnt.MediaPNG}, PollInterval: time.Second,
		PNG: func(job []byte) ([]byte, error) { return append([]byte("\x89PNG drawn:"), job...), nil }}
	b.epson = &PulledPrinter{Name: "epson", Kind: PullSDP, ID: "shop-1", Secret: testSDPSecret, PollInterval: time.Second}
	dir, err := NewPullTable([]*PulledPrinter{b.star, b.epson})
	require.NoError(t, err)
	b.h = &PullHandlers{Dir: dir, Spool: sp, DigestKey: []byte("test key"), Now: func() time.Time {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.now
	}}
	mux := http.NewServeMux()
	mux.Handle("/cloudprnt", b.h.CloudPRNT())
	mux.Handle("/cloudprnt/", b.h.CloudPRNT())
	mux.Handle("/sdp", b.h.SDP())
	mux.Handle("/sdp/", b.h.SDP())
	b.srv = httptest.NewServer(mux)
	t.Cleanup(b.srv.Close)
	return b
}

func do(t testing.TB, method, u string, body string, hdr ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	require.NoError(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, res.Header, b
}

func (b *pullBench) poll(t testing.TB, body string) cloudprnt.Answer {
	t.Helper()
	code, _, out := do(t, "POST", b.srv.URL+"/cloudprnt/"+testCPSecret, body, "Content-Type", "application/json")
	require.Equal(t, 200, code, string(out))
	var a cloudprnt.Answer
	require.NoError(t, json.Unmarshal(out, &a))
	return a
}

const pollOK = `{"status":"23 86 00 00 00 00 00 00 00","printerMAC":"` + testMAC + `","statusCode":"200%20OK","printingInProgress":false}`

func (b *pullBench) state(t testing.TB, id string) spool.State {
	j, err := b.sp.Get(id)
	require.NoError(t, err)
	return j.State
}

func TestCloudPRNTJobFlow(t *testing.T) {
	b := newPullBench(t, testMAC)
	j1, _, err := b.sp.Enqueue("star", "k1", "", []byte("\x1b@receipt one"), nil)
	require.NoError(t, err)
	j2, _, err := b.sp.Enqueue("star", "k2", "", []byte("\x1b@receipt two"), nil)
	require.NoError(t, err)

	a := b.poll(t, pollOK)
	assert.Len(t, a.ClientAction, 3, "the first poll asks what the client is")
	require.True(t, a.JobReady)
	assert.Equal(t, j1.ID, a.JobToken)
	assert.Equal(t, []cloudprnt.MediaType{cloudprnt.MediaStarPRNT, cloudprnt.MediaPNG}, a.MediaTypes)

	// The client answers: it decodes StarPRNT only.
	a = b.poll(t, `{"printerMAC":"`+testMAC+`","statusCode":"200 OK","clientAction":[{"request":"Encodings","result":"application/vnd.star.starprnt; text/plain"},{"request":"ClientType","result":"Star mC-Print3"}]}`)
	assert.Empty(t, a.ClientAction)
	assert.Equal(t, []cloudprnt.MediaType{cloudprnt.MediaStarPRNT}, a.MediaTypes, "honours Encodings")
	assert.Equal(t, "Star mC-Print3", b.h.Status(b.star).ClientType)

	get := b.srv.URL + "/cloudprnt/" + testCPSecret + "?mac=" + url.QueryEscape(testMAC) + "&type=" + url.QueryEscape(string(cloudprnt.MediaStarPRNT)) + "&token=" + a.JobToken
	code, hdr, body := do(t, "GET", get, "")
	require.Equal(t, 200, code, string(body))
	assert.Equal(t, "\x1b@receipt one", string(body))
	assert.Equal(t, string(cloudprnt.MediaStarPRNT), hdr.Get("Content-Type"))
	assert.Equal(t, spool.Printing, b.state(t, j1.ID))
	// Idempotent: the same bytes again.
	code, _, again := do(t, "GET", get, "")
	require.Equal(t, 200, code)
	assert.Equal(t, body, again)
	// Older firmware: no token, the job out is meant.
	code, _, again = do(t, "GET", strings.Replace(get, "&token="+a.JobToken, "", 1), "")
	require.Equal(t, 200, code)
	assert.Equal(t, body, again)

	a = b.poll(t, pollOK)
	assert.False(t, a.JobReady, "one job at a time: none while one is out")

	code, _, _ = do(t, "DELETE", b.srv.URL+"/cloudprnt/"+testCPSecret+"?mac="+testMAC+"&code=200%20OK&token="+j1.ID, "")
	require.Equal(t, 200, code)
	assert.Equal(t, spool.Printed, b.state(t, j1.ID))
	code, _, _ = do(t, "DELETE", b.srv.URL+"/cloudprnt/"+testCPSecret+"?mac="+testMAC+"&code=200&token="+j1.ID, "")
	assert.Equal(t, 404, code, "confirmed once")

	a = b.poll(t, pollOK)
	require.True(t, a.JobReady)
	assert.Equal(t, j2.ID, a.JobToken)
	// The alternative confirmation: GET with delete, after a fetch.
	code, _, _ = do(t, "GET", strings.Replace(get, "token="+j1.ID, "token="+j2.ID, 1), "")
	require.Equal(t, 200, code)
	code, _, _ = do(t, "GET", b.srv.URL+"/cloudprnt/"+testCPSecret+"?mac="+testMAC+"&code=OK&delete&token="+j2.ID, "")
	require.Equal(t, 200, code)
	assert.Equal(t, spool.Printed, b.state(t, j2.ID))
}

func TestCloudPRNTConfirmCodes(t *testing.T) {
	tests := []struct {
		code string
		want spool.State
	}{
		{"200%20OK", spool.Printed},
		{"520%20Timeout", spool.Queued},
		{"510", spool.Failed},
		{"511", spool.Failed},
		{"512", spool.Failed},
		{"521", spool.Failed},
		{"410", spool.Unknown},
		{"411", spool.Unknown},
		{"420", spool.Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			b := newPullBench(t, testMAC)
			j, _, err := b.sp.Enqueue("star", "k", "", []byte("x"), nil)
			require.NoError(t, err)
			code, _, _ := do(t, "GET", b.srv.URL+"/cloudprnt/"+testCPSecret+"?type=image/png&token="+j.ID, "")
			require.Equal(t, 200, code)
			code, _, _ = do(t, "DELETE", b.srv.URL+"/cloudprnt/"+testCPSecret+"?code="+tt.code+"&token="+j.ID, "")
			require.Equal(t, 200, code)
			assert.Equal(t, tt.want, b.state(t, j.ID))
		})
	}
}

func TestCloudPRNTPaperOutHoldsTheJob(t *testing.T) {
	b := newPullBench(t, testMAC)
	j, _, err := b.sp.Enqueue("star", "k", "", []byte("x"), nil)
	require.NoError(t, err)
	a := b.poll(t, `{"status":"23 86 00 00 00 08 00 00 00","printerMAC":"`+testMAC+`","statusCode":"410%20Out%20of%20paper"}`)
	assert.False(t, a.JobReady, "paper out: the job waits")
	assert.True(t, b.h.Status(b.star).Status.PaperEnd)
	assert.Equal(t, spool.Queued, b.state(t, j.ID))
	a = b.poll(t, pollOK)
	assert.True(t, a.JobReady, "paper back: offered")
}

func TestCloudPRNTUnconfirmedBecomesUnknown(t *testing.T) {
	b := newPullBench(t, testMAC)
	j, _, err := b.sp.Enqueue("star", "k", "", []byte("x"), nil)
	require.NoError(t, err)
	code, _, _ := do(t, "GET", b.srv.URL+"/cloudprnt/"+testCPSecret+"?type=application/vnd.star.starprnt", "")
	require.Equal(t, 200, code)
	assert.Equal(t, spool.Printing, b.state(t, j.ID))
	within := b.star.confirmWithin()
	assert.Equal(t, 2*time.Second+5*time.Second+PrintAllowance, within)
	b.advance(within + time.Second)
	// Printing in progress: not yet.
	b.poll(t, `{"printerMAC":"`+testMAC+`","statusCode":"200 OK","printingInProgress":true}`)
	assert.Equal(t, spool.Printing, b.state(t, j.ID))
	b.poll(t, pollOK)
	assert.Equal(t, spool.Unknown, b.state(t, j.ID), "never confirmed: a person decides")
}

func TestPulledPrinterGoesOffline(t *testing.T) {
	b := newPullBench(t, testMAC)
	assert.False(t, b.h.Status(b.star).Polling, "never polled")
	b.poll(t, pollOK)
	st := b.h.Status(b.star)
	assert.True(t, st.Polling)
	assert.True(t, st.Status.Online)
	b.advance(2*time.Second + 5*time.Second)
	assert.True(t, b.h.Status(b.star).Polling, "at 2 × interval + 5 s still online")
	b.advance(time.Millisecond)
	st = b.h.Status(b.star)
	assert.False(t, st.Polling)
	assert.False(t, st.Status.Online, "stopped polling: offline")
}

func TestCloudPRNTGuards(t *testing.T) {
	b := newPullBench(t, testMAC)
	j, _, err := b.sp.Enqueue("star", "k", "", []byte("x"), nil)
	require.NoError(t, err)
	base := b.srv.URL + "/cloudprnt"
	basic := func(pass string) []string {
		req, _ := http.NewRequest("GET", "/", nil)
		req.SetBasicAuth("star", pass)
		return []string{"Authorization", req.Header.Get("Authorization")}
	}
	tests := []struct {
		name, method, url, body string
		hdr                     []string
		want                    int
	}{
		{"unknown MAC", "POST", base, `{"printerMAC":"00:11:62:00:00:01","statusCode":"200 OK"}`, basic(testCPSecret), 404},
		{"unknown MAC, no auth", "POST", base, `{"printerMAC":"00:11:62:00:00:01","statusCode":"200 OK"}`, nil, 404},
		{"no MAC, no secret", "POST", base, `{"statusCode":"200 OK"}`, nil, 404},
		{"wrong secret in path", "POST", base + "/nope-nope-nope-nope", pollOK, nil, 404},
		{"secret of another MAC", "POST", base + "/" + testCPSecret, `{"printerMAC":"00:11:62:00:00:01","statusCode":"200 OK"}`, nil, 404},
		{"SDP secret", "POST", base + "/" + testSDPSecret, pollOK, nil, 404},
		{"no password", "POST", base, pollOK, nil, 401},
		{"wrong password", "POST", base, pollOK, basic("wrong"), 401},
		{"malformed JSON", "POST", base + "/" + testCPSecret, `{"statusCode":`, nil, 400},
		{"huge body", "POST", base + "/" + testCPSecret, `{"statusCode":"200 OK","x":"` + strings.Repeat("a", cloudprnt.MaxPollBody) + `"}`, nil, 413},
		{"bad type", "GET", base + "/" + testCPSecret + "?type=text/plain&token=" + j.ID, "", nil, 400},
		{"type not served", "GET", base + "/" + testCPSecret + "?type=application/vnd.star.line&token=" + j.ID, "", nil, 415},
		{"unknown token", "GET", base + "/" + testCPSecret + "?type=image/png&token=j999", "", nil, 404},
		{"confirm not fetched", "DELETE", base + "/" + testCPSecret + "?code=200&token=" + j.ID, "", nil, 404},
		{"confirm no code", "DELETE", base + "/" + testCPSecret + "?token=" + j.ID, "", nil, 400},
		{"method", "PUT", base + "/" + testCPSecret, "", nil, 405},
		{"deeper path", "POST", base + "/" + testCPSecret + "/x", pollOK, nil, 404},
		{"settings (MQTT) request", "GET", base + "/cloudprnt-setting.json?mac=" + testMAC, "", nil, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, body := do(t, tt.method, tt.url, tt.body, tt.hdr...)
			assert.Equal(t, tt.want, code, string(body))
			assert.Equal(t, spool.Queued, b.state(t, j.ID), "nothing changed")
		})
	}
	// Basic with the right password works.
	code, _, _ := do(t, "POST", base, pollOK, basic(testCPSecret)...)
	assert.Equal(t, 200, code)
	// Another printer's job cannot be fetched with this printer's secret.
	other, _, err := b.sp.Enqueue("epson", "k-epson", "", []byte("x"), nil)
	require.NoError(t, err)
	code, _, _ = do(t, "GET", base+"/"+testCPSecret+"?type=image/png&token="+other.ID, "")
	assert.Equal(t, 404, code)
	assert.Equal(t, spool.Queued, b.state(t, other.ID))
}

func TestCloudPRNTPNG(t *testing.T) {
	b := newPullBench(t, testMAC)
	j, _, err := b.sp.Enqueue("star", "k", "", []byte("bytes"), nil)
	require.NoError(t, err)
	code, hdr, body := do(t, "GET", b.srv.URL+"/cloudprnt/"+testCPSecret+"?type=image/png&token="+j.ID, "")
	require.Equal(t, 200, code)
	assert.Equal(t, "image/png", hdr.Get("Content-Type"))
	assert.Equal(t, "\x89PNG drawn:bytes", string(body))
}

func TestPullTableRefuses(t *testing.T) {
	for name, ps := range map[string][]*PulledPrinter{
		"short secret": {{Name: "a", Kind: PullSDP, ID: "x", Secret: "short"}},
		"bad MAC":      {{Name: "a", Kind: PullCloudPRNT, MAC: "nope", Secret: testCPSecret, Media: []cloudprnt.MediaType{cloudprnt.MediaPNG}}},
		"no media":     {{Name: "a", Kind: PullCloudPRNT, MAC: testMAC, Secret: testCPSecret}},
		"same secret":  {{Name: "a", Kind: PullSDP, ID: "x", Secret: testSDPSecret}, {Name: "b", Kind: PullSDP, ID: "y", Secret: testSDPSecret}},
		"same ID":      {{Name: "a", Kind: PullSDP, ID: "x", Secret: testSDPSecret}, {Name: "b", Kind: PullSDP, ID: "x", Secret: testCPSecret}},
	} {
		if _, err := NewPullTable(ps); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestPulledJobsGiveUpAtTheDeadline(t *testing.T) {
	b := newPullBench(t, testMAC)
	b.h.Deadline = time.Millisecond
	j, _, err := b.sp.Enqueue("star", "k", "", []byte("x"), nil)
	require.NoError(t, err)
	e, _, err := b.sp.Enqueue("epson", "k-epson", "", []byte("x"), nil)
	require.NoError(t, err)
	time.Sleep(5 * time.Millisecond)
	// Paper out: the job is not offered, and the deadline passes.
	a := b.poll(t, `{"status":"23 86 00 00 00 08 00 00 00","printerMAC":"`+testMAC+`","statusCode":"410"}`)
	assert.False(t, a.JobReady)
	got, err := b.sp.Get(j.ID)
	require.NoError(t, err)
	assert.Equal(t, spool.Failed, got.State)
	assert.Contains(t, got.Reason, "gave up after 1ms")
	// A printer that never polls: Sweep.
	b.h.Sweep([]*PulledPrinter{b.star, b.epson})
	assert.Equal(t, spool.Failed, b.state(t, e.ID))
}

func TestCloudPRNTMedia(t *testing.T) {
	for model, want := range map[string][]cloudprnt.MediaType{
		"mC-Print3": {cloudprnt.MediaStarPRNT, cloudprnt.MediaPNG},
		"TSP650II":  {cloudprnt.MediaStarLine, cloudprnt.MediaPNG},
		"TM-T88V":   {cloudprnt.MediaPNG},
	} {
		p, err := printers.Lookup(model)
		require.NoError(t, err)
		assert.Equal(t, want, station.CloudPRNTMedia(p), model)
	}
}
