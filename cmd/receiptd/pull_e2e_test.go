package main

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/receipt/epos"
)

// Pulled printers through the real binaries: receiptd serving /cloudprnt
// and /sdp, and `receipt virtual-printer` processes in pull mode as the
// printers (docs/pull-printers.md).

const (
	e2eMAC       = "00:11:62:1a:2b:3c"
	e2eStarKey   = "star-secret-0123456789"
	e2eEpsonKey  = "epson-secret-0123456789"
	e2eEpsonID   = "shop-1"
	e2ePollEvery = 200 * time.Millisecond
)

// receiptBinary builds the receipt command (the virtual printer) once,
// beside receiptd.
var receiptBinary = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(filepath.Dir(binary), "receipt")
	build := exec.Command("go", "build", "-o", bin, "../receipt")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build receipt: %w\n%s", err, out)
	}
	return bin, nil
})

// pullConfig is a receiptd configuration with a CloudPRNT mC-Print3
// ("star") and an SDP TM-m30II ("epson").
func pullConfig(t *testing.T, data string, poll time.Duration) string {
	t.Helper()
	config := filepath.Join(t.TempDir(), "receiptd.toml")
	require.NoError(t, os.WriteFile(config, []byte(`
data_dir = "`+data+`"
job_deadline = "2m"

[[printer]]
name = "star"
address = "cloudprnt://`+e2eMAC+`"
model = "mC-Print3"
secret = "`+e2eStarKey+`"
poll_interval = "`+poll.String()+`"

[[printer]]
name = "epson"
address = "sdp://`+e2eEpsonID+`"
model = "TM-m30II"
secret = "`+e2eEpsonKey+`"
poll_interval = "`+poll.String()+`"
`), 0o600))
	return config
}

// puller is a `receipt virtual-printer` process in pull mode.
type puller struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   string
	logs  *daemonLog
}

func startPuller(t *testing.T, args ...string) *puller {
	t.Helper()
	bin, err := receiptBinary()
	require.NoError(t, err)
	p := &puller{out: t.TempDir(), logs: &daemonLog{}}
	p.cmd = exec.Command(bin, append([]string{"virtual-printer", "-listen", "", "-out", p.out,
		"-poll-interval", e2ePollEvery.String()}, args...)...)
	p.cmd.Stderr = p.logs
	p.cmd.Stdout = io.Discard
	p.stdin, err = p.cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	t.Cleanup(p.kill)
	return p
}

func (p *puller) kill() {
	_ = p.cmd.Process.Kill() // already gone is fine
	_, _ = p.cmd.Process.Wait()
}

// control sends a control command (fault paper-end, clear …).
func (p *puller) control(t *testing.T, line string) {
	t.Helper()
	_, err := io.WriteString(p.stdin, line+"\n")
	require.NoError(t, err)
}

// tickets are the texts of the tickets the printer printed, in order.
func (p *puller) tickets(t *testing.T) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(p.out, "*.txt"))
	require.NoError(t, err)
	sort.Strings(names)
	var out []string
	for _, n := range names {
		b, err := os.ReadFile(n)
		require.NoError(t, err)
		out = append(out, string(b))
	}
	return out
}

// pulledView is a printer of GET /v1/printers, pull fields included.
type pulledView struct {
	Name   string `json:"name"`
	Ready  bool   `json:"ready"`
	Error  string `json:"error"`
	Queued int    `json:"queued"`
	Status *struct {
		Online   bool `json:"online"`
		PaperEnd bool `json:"paper_end"`
	} `json:"status"`
	Pull *struct {
		Protocol      string `json:"protocol"`
		Polling       bool   `json:"polling"`
		LastPoll      string `json:"last_poll"`
		ClientType    string `json:"client_type"`
		PrintableDots int    `json:"printable_dots"`
	} `json:"pull"`
}

func pulledPrinters(t *testing.T, url string) map[string]pulledView {
	t.Helper()
	resp, err := http.Get(url + "/v1/printers")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	var body struct {
		Printers []pulledView `json:"printers"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	out := map[string]pulledView{}
	for _, p := range body.Printers {
		out[p.Name] = p
	}
	return out
}

func textJob(id, text string) string {
	return `{"id":"` + id + `","receipt":[{"type":"textline","value":{"text":"` + text + `"}}]}`
}

// TestPulledPrintersThroughTheBinary: a CloudPRNT and an SDP virtual
// printer, each its own process, poll receiptd and print the jobs posted
// to its JSON API; paper out holds a job until it is back; a printer that
// stops polling shows offline; the printers' endpoints answer a LAN name
// while the JSON API keeps to loopback names.
func TestPulledPrintersThroughTheBinary(t *testing.T) {
	d := start(t, "-config", pullConfig(t, filepath.Join(t.TempDir(), "data"), e2ePollEvery))
	star := startPuller(t, "-printer-model", "mC-Print3", "-cloudprnt", d.url+"/cloudprnt/"+e2eStarKey, "-mac", e2eMAC)
	// The SDP printer proves itself by Digest, not by a secret in its URL.
	epson := startPuller(t, "-printer-model", "TM-m30II", "-sdp", d.url+"/sdp", "-id", e2eEpsonID, "-password", e2eEpsonKey)

	for _, c := range []struct {
		printer string
		p       *puller
	}{{"star", star}, {"epson", epson}} {
		status, j, err := post(d.url+"/v1/printers/"+c.printer+"/jobs?wait=30s", textJob("P-"+c.printer, "pulled by "+c.printer), "")
		require.NoError(t, err)
		require.Equal(t, 200, status)
		require.Equal(t, "printed", j.State, "%s: %s\n%s\n%s", c.printer, j.Reason, d.logs, c.p.logs)
		tk := c.p.tickets(t)
		require.Len(t, tk, 1, c.printer)
		assert.Contains(t, tk[0], "pulled by "+c.printer)
	}
	ps := pulledPrinters(t, d.url)
	require.NotNil(t, ps["star"].Pull)
	assert.Equal(t, "cloudprnt", ps["star"].Pull.Protocol)
	assert.True(t, ps["star"].Pull.Polling)
	assert.True(t, ps["star"].Ready, ps["star"].Error)
	assert.Equal(t, "receipt virtual-printer", ps["star"].Pull.ClientType, "clientAction answered")
	assert.Equal(t, 576, ps["star"].Pull.PrintableDots)
	require.NotNil(t, ps["epson"].Pull)
	assert.Equal(t, "sdp", ps["epson"].Pull.Protocol)
	assert.True(t, ps["epson"].Ready, ps["epson"].Error)

	// Paper out while a job waits: shown, the job stays queued; paper
	// back, it prints once.
	star.control(t, "fault paper-end")
	require.Eventually(t, func() bool {
		p := pulledPrinters(t, d.url)["star"]
		return p.Status != nil && p.Status.PaperEnd && !p.Ready
	}, 10*time.Second, 50*time.Millisecond)
	status, j, err := post(d.url+"/v1/printers/star/jobs", textJob("P-paper", "after the paper"), "")
	require.NoError(t, err)
	require.Equal(t, 202, status)
	time.Sleep(5 * e2ePollEvery)
	assert.Equal(t, "queued", getJob(t, d.url+"/v1/jobs/"+j.ID).State, "waits while the paper is out")
	star.control(t, "clear paper-end")
	got := getJob(t, d.url+"/v1/jobs/"+j.ID+"?wait=30s")
	require.Equal(t, "printed", got.State, got.Reason)
	tk := star.tickets(t)
	require.Len(t, tk, 2)
	assert.Contains(t, tk[1], "after the paper")

	// The printers' endpoints are not behind the loopback host guard: a
	// printer on the LAN names receiptd by its LAN address. The JSON API
	// is.
	poll := `{"status":"23 86 00 00 00 00 00 00 00","printerMAC":"` + e2eMAC + `","statusCode":"200%20OK","printingInProgress":false}`
	req, err := http.NewRequest("POST", d.url+"/cloudprnt/"+e2eStarKey, strings.NewReader(poll))
	require.NoError(t, err)
	req.Host = "192.0.2.7:8080"
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, "a poll by a LAN name")
	req, err = http.NewRequest("GET", d.url+"/v1/printers", nil)
	require.NoError(t, err)
	req.Host = "192.0.2.7:8080"
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 403, resp.StatusCode, "the JSON API by a LAN name")
	// A wrong secret: nothing disclosed, nothing changed.
	resp, err = http.Post(d.url+"/cloudprnt/wrong-secret-0123456789", "application/json", strings.NewReader(poll))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 404, resp.StatusCode)

	// A printer that stops polling shows offline after 2 × its poll
	// interval + 5 s; its jobs wait.
	epson.kill()
	status, j, err = post(d.url+"/v1/printers/epson/jobs", textJob("P-gone", "never fetched"), "")
	require.NoError(t, err)
	require.Equal(t, 202, status)
	require.Eventually(t, func() bool {
		p := pulledPrinters(t, d.url)["epson"]
		return p.Pull != nil && !p.Pull.Polling && p.Status != nil && !p.Status.Online && !p.Ready
	}, 2*e2ePollEvery+5*time.Second+5*time.Second, 100*time.Millisecond)
	p := pulledPrinters(t, d.url)["epson"]
	assert.Contains(t, p.Error, "stopped polling")
	assert.Equal(t, 1, p.Queued)
	assert.Equal(t, "queued", getJob(t, d.url+"/v1/jobs/"+j.ID).State)
}

// cpClient is a hand-driven CloudPRNT printer: it polls, fetches and
// confirms when told, so a kill can fall between fetch and confirmation.
type cpClient struct {
	t    *testing.T
	base string
}

func (c cpClient) poll() (ready bool, token string) {
	c.t.Helper()
	body := `{"status":"23 86 00 00 00 00 00 00 00","printerMAC":"` + e2eMAC + `","statusCode":"200%20OK","printingInProgress":false}`
	for range 2 { // the first answer may ask for clientAction
		resp, err := http.Post(c.base, "application/json", strings.NewReader(body))
		require.NoError(c.t, err)
		var a struct {
			JobReady     bool              `json:"jobReady"`
			JobToken     string            `json:"jobToken"`
			ClientAction []json.RawMessage `json:"clientAction"`
		}
		err = json.NewDecoder(resp.Body).Decode(&a)
		resp.Body.Close()
		require.NoError(c.t, err)
		require.Equal(c.t, 200, resp.StatusCode)
		if len(a.ClientAction) == 0 || a.JobReady {
			return a.JobReady, a.JobToken
		}
	}
	return false, ""
}

func (c cpClient) call(method, query string) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+"?mac="+e2eMAC+"&"+query, nil)
	require.NoError(c.t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp.StatusCode, b
}

// TestPulledKill9BetweenFetchAndConfirm kills receiptd with SIGKILL after
// a CloudPRNT printer fetched a job and before it confirmed it. After the
// restart the fetched job is unknown and not offered again, the printer's
// late confirmation settles it, the others print: 0 lost, 0 doubled.
func TestPulledKill9BetweenFetchAndConfirm(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	config := pullConfig(t, data, time.Second)
	d := start(t, "-config", config)
	const jobs = 3
	ids := map[string]bool{}
	for i := range jobs {
		status, j, err := post(d.url+"/v1/printers/star/jobs", textJob(fmt.Sprint("K-", i), fmt.Sprint("kill job ", i)), "")
		require.NoError(t, err)
		require.Equal(t, 202, status)
		ids[j.ID] = true
	}
	fetched := map[string]int{}
	fetch := func(c cpClient) string {
		ready, token := c.poll()
		if !ready {
			return ""
		}
		code, b := c.call("GET", "type=application/vnd.star.starprnt&token="+token)
		require.Equal(t, 200, code, string(b))
		require.NotEmpty(t, b)
		fetched[token]++
		return token
	}
	c := cpClient{t, d.url + "/cloudprnt/" + e2eStarKey}
	first := fetch(c)
	require.True(t, ids[first], "a job of ours is offered: %q", first)
	assert.Equal(t, "printing", getJob(t, d.url+"/v1/jobs/"+first).State, "the fetch is recorded")
	d.kill() // SIGKILL, before the confirmation

	d = start(t, "-config", config)
	c = cpClient{t, d.url + "/cloudprnt/" + e2eStarKey}
	j := getJob(t, d.url+"/v1/jobs/"+first)
	assert.Equal(t, "unknown", j.State, "cut off between fetch and confirmation: %s", j.Reason)
	// Not offered again by itself; the others are.
	var rest []string
	for id := fetch(c); id != ""; id = fetch(c) {
		require.NotEqual(t, first, id, "the fetched job is never offered again")
		code, b := c.call("DELETE", "code=200%20OK&token="+id)
		require.Equal(t, 200, code, string(b))
		rest = append(rest, id)
	}
	assert.Len(t, rest, jobs-1)
	// The printer's late confirmation settles the job it had.
	code, b := c.call("DELETE", "code=200%20OK&token="+first)
	assert.Equal(t, 200, code, string(b))

	all := listAll(t, d.url)
	require.Len(t, all, jobs, "0 lost, none added by the restart")
	for _, j := range all {
		assert.Equal(t, 1, fetched[j.ID], "job %s fetched once", j.ID)
		assert.Equal(t, "printed", j.State, "job %s: %s", j.ID, j.Reason)
	}
}

// TestPulledConfigRefused: a pulled printer without a usable secret, or
// pull keys on a printer receiptd connects to, stop the start with the
// usage exit code and say why.
func TestPulledConfigRefused(t *testing.T) {
	star := "star=cloudprnt://" + e2eMAC + ",model=mC-Print3"
	for _, c := range []struct {
		name    string
		printer []string
		want    string
	}{
		{"no secret", []string{star}, "secret of at least 16 characters required"},
		{"short secret", []string{star + ",secret=short"}, "secret of at least 16 characters required"},
		{"shared secret", []string{star + ",secret=" + e2eStarKey, "epson=sdp://shop-1,model=TM-m30II,secret=" + e2eStarKey}, "its secret is another printer's"},
		{"secret on a tcp printer", []string{"front=tcp://127.0.0.1:9,model=TM-T88V,secret=" + e2eStarKey}, "are for cloudprnt:// and sdp:// printers"},
		{"sdp_version on cloudprnt", []string{star + ",secret=" + e2eStarKey + ",sdp_version=1"}, "sdp_version is for sdp:// printers"},
		{"sdp_version 3", []string{"epson=sdp://shop-1,secret=" + e2eEpsonKey + ",sdp_version=3"}, "sdp_version 3: want 1 or 2"},
		{"model auto", []string{"star=cloudprnt://" + e2eMAC + ",model=auto,secret=" + e2eStarKey}, "needs its model named"},
		{"bad poll_interval", []string{star + ",secret=" + e2eStarKey + ",poll_interval=soon"}, "poll_interval \"soon\""},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"-data-dir", t.TempDir(), "-listen", "127.0.0.1:0"}
			for _, p := range c.printer {
				args = append(args, "-printer", p)
			}
			code, _, errOut := runReceiptd(t, args...)
			assert.Equal(t, exitUsage, code, errOut)
			assert.Contains(t, errOut, c.want)
		})
	}
}

// TestPulledOverHTTPSWithTokens: with tokens configured and the HTTPS
// listener on, a printer polls over HTTPS with HTTP Basic and no bearer
// token, while the JSON API still wants its token.
func TestPulledOverHTTPSWithTokens(t *testing.T) {
	const token = "till-token-0123456789abcdef"
	config := pullConfig(t, filepath.Join(t.TempDir(), "data"), time.Second)
	b, err := os.ReadFile(config)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(config, append([]byte(`tokens = ["`+token+`"]`+"\n"), b...), 0o600))
	plain, secure, logs := startBoth(t, "-config", config, "-listen-tls", "127.0.0.1:0", "-tls", "self-signed")
	require.NotEmpty(t, secure, logs)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: insecureTLS()}}
	poll := `{"status":"23 86 00 00 00 00 00 00 00","printerMAC":"` + e2eMAC + `","statusCode":"200%20OK","printingInProgress":false}`
	for _, base := range []string{secure, plain} {
		req, err := http.NewRequest("POST", base+"/cloudprnt", strings.NewReader(poll))
		require.NoError(t, err)
		req.SetBasicAuth("printer", e2eStarKey)
		resp, err := client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode, "%s: a poll with Basic, no bearer token", base)
		resp, err = client.Get(base + "/v1/printers")
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 401, resp.StatusCode, "%s: the JSON API wants its token", base)
	}
}

// insecureTLS accepts the test's own self-signed certificate on loopback.
func insecureTLS() *tls.Config { return &tls.Config{InsecureSkipVerify: true} }

// TestEposToAPulledPrinter: Odoo's ePOS-Print picture to receiptd for an
// SDP printer, which fetches it: answered success once it printed; out of
// paper (as its status notification says), the till hears the paper end
// and the job never prints later.
func TestEposToAPulledPrinter(t *testing.T) {
	const origin = "http://192.168.1.20:8069"
	data := filepath.Join(t.TempDir(), "data")
	config := pullConfig(t, data, e2ePollEvery)
	b, err := os.ReadFile(config)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(config, append([]byte(`epos_default = "epson"`+"\n"+`allowed_origins = ["`+origin+`"]`+"\n"), b...), 0o600))
	d := start(t, "-config", config)
	epson := startPuller(t, "-printer-model", "TM-m30II", "-sdp", d.url+"/sdp/"+e2eEpsonKey, "-id", e2eEpsonID)
	body, err := os.ReadFile("../../testdata/epos/odoo-receipt.xml")
	require.NoError(t, err)
	url := d.url + "/cgi-bin/epos/service.cgi?devid=local_printer&timeout=20000"

	status, r := postEpos(t, url, body, origin)
	require.Equal(t, 200, status)
	require.True(t, r.Success, "%+v\n%s\n%s", r, d.logs, epson.logs)
	require.Len(t, epson.tickets(t), 1)

	epson.control(t, "fault paper-end")
	require.Eventually(t, func() bool {
		p := pulledPrinters(t, d.url)["epson"]
		return p.Status != nil && p.Status.PaperEnd
	}, 10*time.Second, 50*time.Millisecond)
	status, r = postEpos(t, url, body, origin)
	require.Equal(t, 200, status)
	assert.False(t, r.Success)
	assert.Equal(t, epos.CodeRecEmpty, r.Code, "%s", d.logs)
	epson.control(t, "clear paper-end")
	time.Sleep(5 * e2ePollEvery)
	assert.Len(t, epson.tickets(t), 1, "the job answered 'not printed' never prints")
}
