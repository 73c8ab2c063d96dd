package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers/pull/cloudprnt"
	"github.com/secuprint/receipt/printers/spool"
)

// pullHelperEnv makes the test binary a small pull server: the spool in
// the directory it names, /cloudprnt on a loopback port (printed first),
// and the jobs of pullHelperJobs queued (by key: a restart adds none).
const (
	pullHelperEnv  = "RECEIPT_PULL_HELPER_DIR"
	pullHelperJobs = 5
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(pullHelperEnv); dir != "" {
		os.Exit(pullHelper(dir))
	}
	os.Exit(m.Run())
}

func pullHelper(dir string) int {
	sp, err := spool.Open(filepath.Join(dir, "spool.db"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for i := range pullHelperJobs {
		if _, _, err := sp.Enqueue("star", "k"+strconv.Itoa(i), "", []byte("job "+strconv.Itoa(i)), nil); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	p := &PulledPrinter{Name: "star", Kind: PullCloudPRNT, MAC: testMAC, Secret: testCPSecret,
		Media: []cloudprnt.MediaType{cloudprnt.MediaStarPRNT}, PollInterval: time.Second}
	tab, err := NewPullTable([]*PulledPrinter{p})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	h := &PullHandlers{Dir: tab, Spool: sp}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(l.Addr().String())
	mux := http.NewServeMux()
	mux.Handle("/cloudprnt/", h.CloudPRNT())
	_ = http.Serve(l, mux) // until killed
	return 0
}

type helperProc struct {
	cmd  *exec.Cmd
	base string
}

func startHelper(t *testing.T, dir string) *helperProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), pullHelperEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	addr, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	return &helperProc{cmd: cmd, base: "http://" + strings.TrimSpace(addr) + "/cloudprnt/" + testCPSecret}
}

func (h *helperProc) kill9(t *testing.T) {
	require.NoError(t, h.cmd.Process.Signal(syscall.SIGKILL))
	_ = h.cmd.Wait()
}

func (h *helperProc) poll(t *testing.T) cloudprnt.Answer {
	res, err := http.Post(h.base, "application/json", strings.NewReader(pollOK))
	require.NoError(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	require.Equal(t, 200, res.StatusCode, string(b))
	var a cloudprnt.Answer
	require.NoError(t, json.Unmarshal(b, &a))
	return a
}

func (h *helperProc) call(t *testing.T, method, query string) (int, string) {
	req, err := http.NewRequest(method, h.base+"?"+query, nil)
	require.NoError(t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestPullKill9 kills the serving process with SIGKILL between a fetch
// and its confirmation: after the restart nothing is lost and nothing
// printed twice. The printer's late confirmation settles the job it had;
// a job fetched by a printer that never confirms stays unknown for a
// person, never offered again.
func TestPullKill9(t *testing.T) {
	dir := t.TempDir()
	h := startHelper(t, dir)
	printed := map[string]int{} // job id -> times the "printer" printed it
	fetch := func(h *helperProc) string {
		a := h.poll(t)
		if len(a.ClientAction) > 0 {
			a = h.poll(t)
		}
		if !a.JobReady {
			return ""
		}
		code, body := h.call(t, "GET", "type=application/vnd.star.starprnt&mac="+testMAC+"&token="+a.JobToken)
		require.Equal(t, 200, code, body)
		printed[a.JobToken]++
		return a.JobToken
	}
	first := fetch(h)
	require.NotEmpty(t, first)
	h.kill9(t) // before the confirmation

	h = startHelper(t, dir)
	code, body := h.call(t, "DELETE", "code=200%20OK&mac="+testMAC+"&token="+first)
	require.Equal(t, 200, code, "the late confirmation settles the job: %s", body)
	second := fetch(h)
	require.NotEmpty(t, second)
	assert.NotEqual(t, first, second)
	h.kill9(t) // and this printer never confirms

	h = startHelper(t, dir)
	for id := fetch(h); id != ""; id = fetch(h) {
		code, _ := h.call(t, "DELETE", "code=200%20OK&mac="+testMAC+"&token="+id)
		require.Equal(t, 200, code)
	}
	h.kill9(t)

	sp, err := spool.Open(filepath.Join(dir, "spool.db"))
	require.NoError(t, err)
	defer sp.Close()
	jobs, err := sp.List("star", "", 100)
	require.NoError(t, err)
	require.Len(t, jobs, pullHelperJobs, "0 lost, none added by the restarts")
	for _, j := range jobs {
		assert.Equal(t, 1, printed[j.ID], "job %s printed once", j.ID)
		want := spool.Printed
		if j.ID == second {
			want = spool.Unknown // fetched, never confirmed: a person decides
		}
		assert.Equal(t, want, j.State, "job %s: %s", j.ID, j.Reason)
	}
}
