package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/printers/virtual/virtualtest"
	"github.com/secuprint/receipt/receipt"
)

var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")

var binary string

// TestMain builds the real receiptd once; the tests run it as a process.
func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "receiptd-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "receiptd")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if raceBuild {
		build = exec.Command("go", "build", "-race", "-o", binary, ".")
		build.Env = append(os.Environ(), "CGO_ENABLED=1")
	}
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build receiptd: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// raceBuild is set under -race (race_test.go).
var raceBuild bool

type daemon struct {
	cmd  *exec.Cmd
	url  string
	logs *daemonLog
}

// start runs receiptd and waits until it answers /readyz.
func start(t testing.TB, args ...string) *daemon {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"-listen", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	logs := &daemonLog{}
	cmd.Stderr = logs
	require.NoError(t, cmd.Start())
	d := &daemon{cmd: cmd, logs: logs}
	t.Cleanup(func() {
		d.kill()
		if bytes.Contains(logs.Bytes(), []byte("WARNING: DATA RACE")) {
			t.Errorf("the daemon raced:\n%s", logs)
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, "receiptd did not start: %s", logs)
	go io.Copy(io.Discard, stdout)
	_, rest, ok := strings.Cut(line, "listening on ")
	require.True(t, ok, line)
	d.url = strings.Fields(rest)[0]
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(d.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return d
			}
		}
		require.True(t, time.Now().Before(deadline), "receiptd not ready")
		time.Sleep(10 * time.Millisecond)
	}
}

func (d *daemon) kill() {
	if d.cmd.Process != nil {
		_ = d.cmd.Process.Signal(syscall.SIGKILL) // already gone is fine
		_, _ = d.cmd.Process.Wait()
	}
}

// daemonLog is what a process wrote to its standard error, written by the
// goroutine exec copies it with and read by the test: every access locked.
type daemonLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *daemonLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// Bytes is a copy of what was written so far.
func (l *daemonLog) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.b.Bytes())
}

func (l *daemonLog) String() string { return string(l.Bytes()) }

func printerAt(t testing.TB) (*virtual.Device, string) {
	t.Helper()
	p, err := printers.Lookup("TM-T88V")
	require.NoError(t, err)
	return virtualtest.TCP(t, virtual.Options{Profile: p})
}

type jobView struct {
	ID     string `json:"id"`
	State  string `json:"state"`
	Reason string `json:"reason"`
	Key    string `json:"idempotency_key"`
}

func post(url, body, key string) (int, jobView, error) {
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		return 0, jobView{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, jobView{}, err
	}
	defer resp.Body.Close()
	var j jobView
	err = json.NewDecoder(resp.Body).Decode(&j)
	return resp.StatusCode, j, err
}

// TestDocumentedTransactionsPrint posts every documented transaction to the
// real binary, printing over TCP to the virtual printer: each is printed and
// the ticket is byte-identical to the golden file.
func TestDocumentedTransactionsPrint(t *testing.T) {
	dev, addr := printerAt(t)
	// A real configuration file, as deployed (the listen flag picks a free
	// port over the file's).
	config := filepath.Join(t.TempDir(), "receiptd.toml")
	require.NoError(t, os.WriteFile(config, []byte(`
listen = "127.0.0.1:8080"
data_dir = "`+filepath.Join(t.TempDir(), "data")+`"
job_deadline = "1m"

[[printer]]
name = "front"
address = "`+addr+`"
model = "TM-T88V"
cut = "partial"
section_cut = "off"
`), 0o600))
	d := start(t, "-config", config)
	for i, doc := range []string{"cash-start", "pay-missing-sum", "card-topup", "capture-step4"} {
		body, err := os.ReadFile(filepath.Join("..", "..", "testdata", "secuconnect", doc+".json"))
		require.NoError(t, err)
		// No Idempotency-Key, as an ECR would post: cash-start,
		// pay-missing-sum and capture-step4 document one transaction id,
		// and the default key (id and content) keeps them three jobs.
		status, j, err := post(d.url+"/v1/printers/front/jobs?wait=10s", string(body), "")
		require.NoError(t, err)
		require.Equal(t, 200, status)
		require.Equal(t, "printed", j.State, "%s: %s\n%s", doc, j.Reason, d.logs)
		want, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", doc, "TM-T88V-42col.bin"))
		require.NoError(t, err)
		tickets := dev.Tickets()
		require.Len(t, tickets, i+1)
		assert.Equal(t, want, tickets[i].Raw, doc)
	}

	// A reprint is the same bytes headed by a copy banner on the paper.
	req, err := http.NewRequest("POST", d.url+"/v1/jobs/j1000000000003/reprint", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var c jobView
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&c))
	resp.Body.Close()
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	resp, err = http.Get(d.url + "/v1/jobs/" + c.ID + "?wait=10s")
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&c))
	resp.Body.Close()
	require.Equal(t, "printed", c.State, c.Reason)
	tickets := dev.Tickets()
	require.Len(t, tickets, 5)
	mark, err := receipt.AppendCopyMark(nil)
	require.NoError(t, err)
	orig := tickets[2].Raw
	assert.Equal(t, append(mark, orig...), tickets[4].Raw)
	require.NotNil(t, tickets[4].Paper)
	assert.Equal(t, "*** KOPIE / COPY ***", strings.TrimSpace(tickets[4].Paper.Lines()[0]))
}

// TestFaultWaitsThenPrints: a fault at the printer keeps the job queued,
// with the reason on show, and it prints once the fault clears.
func TestFaultWaitsThenPrints(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("..", "..", "testdata", "secuconnect", "card-topup.json"))
	require.NoError(t, err)
	for _, tt := range []struct {
		fault  virtual.Fault
		reason string
	}{
		{virtual.PaperEnd, "waiting: paper end"},
		{virtual.CoverOpen, "waiting: cover open"},
		{virtual.Offline, "waiting: offline"},
	} {
		t.Run(tt.fault.String(), func(t *testing.T) {
			dev, addr := printerAt(t)
			d := start(t, "-data-dir", t.TempDir(), "-printer", "front="+addr+",model=TM-T88V")
			dev.SetFault(tt.fault, true)
			status, j, err := post(d.url+"/v1/printers/front/jobs?wait=500ms", string(body), "")
			require.NoError(t, err)
			assert.Equal(t, 202, status)
			assert.Equal(t, "queued", j.State)
			assert.Equal(t, tt.reason, j.Reason)
			assert.Empty(t, dev.Tickets())
			dev.SetFault(tt.fault, false)
			status, j, err = post(d.url+"/v1/printers/front/jobs?wait=10s", string(body), "")
			require.NoError(t, err)
			assert.Equal(t, 200, status)
			assert.Equal(t, "printed", j.State)
			assert.Len(t, dev.Tickets(), 1)
		})
	}
}

// TestHeldJobIsUnknown: paper that runs out in the middle of a job leaves
// the rest in the printer, which prints it after recovery; the job is
// "unknown" (a person checks), never "failed" (which invites a copy).
func TestHeldJobIsUnknown(t *testing.T) {
	dev, addr := printerAt(t)
	dir := t.TempDir()
	// A cut before every section: one job, two tickets, and the paper
	// runs out after the first.
	config := filepath.Join(dir, "receiptd.toml")
	require.NoError(t, os.WriteFile(config, []byte(`[[printer]]
name = "front"
address = "`+addr+`"
model = "TM-T88V"
section_cut = "partial"
`), 0o644))
	d := start(t, "-data-dir", dir, "-config", config)
	dev.FaultAfterTicket(1, virtual.PaperEnd)
	job := `{"id":"two-sections","receipt":[{"type":"textline","value":{"text":"eins"}},` +
		`{"type":"separator","value":{"caption":"zwei"}},{"type":"textline","value":{"text":"zwei"}}]}`
	status, j, err := post(d.url+"/v1/printers/front/jobs?wait=10s", job, "")
	require.NoError(t, err)
	require.Equal(t, 200, status)
	assert.Equal(t, "unknown", j.State)
	assert.Contains(t, j.Reason, "held in the printer by paper end")
	assert.Len(t, dev.Tickets(), 1)
	dev.SetFault(virtual.PaperEnd, false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, dev.WaitTickets(ctx, 2), "the held rest prints after recovery")
}

// TestCrashLosesNothingAndPrintsNothingTwice submits jobs while killing the
// service with SIGKILL at random moments and restarting it. Afterwards every
// accepted job is printed exactly once or reported unknown (printed at most
// once) — counted at the virtual printer.
func TestCrashLosesNothingAndPrintsNothingTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test in -short mode")
	}
	const jobs = 1000
	dev, addr := printerAt(t)
	dataDir := t.TempDir()
	args := []string{"-data-dir", dataDir, "-printer", "front=" + addr + ",model=TM-T88V"}
	var mu sync.Mutex
	d := start(t, args...)
	current := func() string { mu.Lock(); defer mu.Unlock(); return d.url }

	accepted := make([]string, jobs) // job id per transaction
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= jobs {
					return
				}
				tx := fmt.Sprintf(`{"id":"TX-%04d","receipt":[{"type":"textline","value":{"text":"JOB TX-%04d"}}]}`, i, i)
				// An ECR retries with the same key until the service answers.
				for try := 0; ; try++ {
					status, j, err := post(current()+"/v1/printers/front/jobs", tx, "")
					if err == nil && (status == 200 || status == 202) {
						accepted[i] = j.ID
						break
					}
					if try > 2000 {
						t.Errorf("TX-%04d never accepted: %v %d", i, err, status)
						return
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
		}()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for kill := 0; kill < 4; kill++ {
		target := int64(jobs/5*(kill+1)) + rng.Int64N(jobs/10)
		for next.Load() < target {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
		mu.Lock()
		d.kill()
		d = start(t, args...)
		mu.Unlock()
	}
	wg.Wait()

	// Wait for the queue to drain.
	deadline := time.Now().Add(60 * time.Second)
	var final map[string]jobView
	for {
		final = map[string]jobView{}
		pending := 0
		for _, j := range listAll(t, current()) {
			final[j.ID] = j
			if j.State == "queued" || j.State == "printing" {
				pending++
			}
		}
		if pending == 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "%d jobs still pending", pending)
		time.Sleep(50 * time.Millisecond)
	}
	var all []byte
	for _, tk := range dev.Tickets() {
		all = append(all, tk.Raw...)
	}
	printed, unknown := 0, 0
	for i, id := range accepted {
		require.NotEmpty(t, id, "TX-%04d was never accepted", i)
		j, ok := final[id]
		require.True(t, ok, "accepted job %s (TX-%04d) is lost", id, i)
		n := bytes.Count(all, fmt.Appendf(nil, "JOB TX-%04d", i))
		switch j.State {
		case "printed":
			printed++
			assert.Equal(t, 1, n, "TX-%04d printed %d times", i, n)
		case "unknown":
			unknown++
			assert.LessOrEqual(t, n, 1, "TX-%04d (unknown) printed %d times", i, n)
		default:
			t.Errorf("TX-%04d ended %s: %s", i, j.State, j.Reason)
		}
	}
	assert.Len(t, final, jobs, "one job per transaction, whatever the retries")
	t.Logf("%d jobs: %d printed once, %d unknown (cut off by a kill), 0 lost, 0 doubled", jobs, printed, unknown)
}

// stop sends SIGTERM and returns the exit code, failing after 10 s.
func (d *daemon) stop(t *testing.T) int {
	t.Helper()
	require.NoError(t, d.cmd.Process.Signal(syscall.SIGTERM))
	exited := make(chan error, 1)
	go func() { exited <- d.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, "%s", d.logs)
			return ee.ExitCode()
		}
		return 0
	case <-time.After(10 * time.Second):
		t.Fatalf("receiptd did not stop on SIGTERM:\n%s", d.logs)
		return -1
	}
}

// listAll reads every job, a page at a time.
func listAll(t *testing.T, url string) []jobView {
	t.Helper()
	var all []jobView
	for before := ""; ; {
		resp, err := http.Get(url + "/v1/jobs?limit=1000&before=" + before)
		require.NoError(t, err)
		var page struct {
			Jobs []jobView
			Next string `json:"next_before"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
		resp.Body.Close()
		all = append(page.Jobs, all...)
		if page.Next == "" {
			return all
		}
		before = page.Next
	}
}

func getJob(t *testing.T, url string) jobView {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	var j jobView
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&j))
	return j
}

// TestGracefulShutdown: SIGTERM parks a job that waits for the printer (it
// prints after the restart) and ends a client's wait with the job as it
// stands; a job already going to the printer is finished first.
func TestGracefulShutdown(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("..", "..", "testdata", "secuconnect", "card-topup.json"))
	require.NoError(t, err)

	t.Run("a waiting job is parked", func(t *testing.T) {
		dev, addr := printerAt(t)
		dev.SetFault(virtual.PaperEnd, true)
		data := t.TempDir()
		args := []string{"-data-dir", data, "-printer", "front=" + addr + ",model=TM-T88V"}
		d := start(t, args...)
		type answer struct {
			status int
			job    jobView
			err    error
			took   time.Duration
		}
		answered := make(chan answer, 1)
		go func() {
			began := time.Now()
			status, j, err := post(d.url+"/v1/printers/front/jobs?wait=60s", string(body), "")
			answered <- answer{status, j, err, time.Since(began)}
		}()
		require.Eventually(t, func() bool {
			return strings.HasPrefix(getJob(t, d.url+"/v1/jobs/j1000000000001").Reason, "waiting")
		}, 10*time.Second, 10*time.Millisecond)

		sigterm := time.Now()
		require.Equal(t, 0, d.stop(t), "a clean exit:\n%s", d.logs)
		a := <-answered
		require.NoError(t, a.err)
		assert.Equal(t, http.StatusAccepted, a.status, "the wait ends with the job as it stands")
		// Queued, or printing if SIGTERM came during a retry's status check;
		// either way nothing was sent and the job is parked (it prints below).
		assert.Contains(t, []string{"queued", "printing"}, a.job.State)
		assert.Less(t, time.Since(sigterm), 5*time.Second, "no wait for the 60 s the client asked")
		assert.Empty(t, dev.Tickets())

		dev.SetFault(virtual.PaperEnd, false)
		d = start(t, args...)
		j := getJob(t, d.url+"/v1/jobs/j1000000000001?wait=10s")
		assert.Equal(t, "printed", j.State, j.Reason)
		assert.Len(t, dev.Tickets(), 1)
	})

	t.Run("a job going out is finished", func(t *testing.T) {
		prof, err := printers.Lookup("TM-T88V")
		require.NoError(t, err)
		// A slow printer with a small buffer: the job takes a while to go.
		dev, addr := virtualtest.TCP(t, virtual.Options{Profile: prof, Speed: 2000, BufferSize: 64})
		data := t.TempDir()
		args := []string{"-data-dir", data, "-printer", "front=" + addr + ",model=TM-T88V"}
		d := start(t, args...)
		firstByte := make(chan struct{}, 1)
		dev.OnTicketStart(func(time.Time) {
			select {
			case firstByte <- struct{}{}:
			default:
			}
		})
		status, _, err := post(d.url+"/v1/printers/front/jobs", string(body), "")
		require.NoError(t, err)
		require.Equal(t, http.StatusAccepted, status)
		<-firstByte
		require.Equal(t, 0, d.stop(t), "a clean exit:\n%s", d.logs)
		require.Len(t, dev.Tickets(), 1, "finished before the exit")
		want, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", "card-topup", "TM-T88V-42col.bin"))
		require.NoError(t, err)
		assert.Equal(t, want, dev.Tickets()[0].Raw)

		d = start(t, args...)
		j := getJob(t, d.url+"/v1/jobs/j1000000000001")
		assert.Equal(t, "printed", j.State, "recorded as printed, not unknown: %s", j.Reason)
		time.Sleep(100 * time.Millisecond)
		assert.Len(t, dev.Tickets(), 1, "not printed again")
	})
}
