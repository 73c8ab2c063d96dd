package main

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/cmd/internal/server"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/station"
)

// TestVirtualPrinterPullModeBinary runs the receipt binary's virtual
// printer in CloudPRNT pull mode, as a user would, against the /cloudprnt
// handlers over a real spool: the job is fetched, printed to -out and
// confirmed printed.
func TestVirtualPrinterPullModeBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "receipt")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	sp, err := spool.Open(filepath.Join(t.TempDir(), "spool.db"))
	require.NoError(t, err)
	defer sp.Close()
	prof, err := printers.Lookup("mC-Print3")
	require.NoError(t, err)
	const mac, secret = "00:11:62:1a:2b:3c", "cli-secret-0123456789"
	p := &server.PulledPrinter{Name: "star", Kind: server.PullCloudPRNT, MAC: mac, Secret: secret,
		Media: station.CloudPRNTMedia(prof), PollInterval: 50 * time.Millisecond, PNG: station.JobPNG(prof)}
	dir, err := server.NewPullTable([]*server.PulledPrinter{p})
	require.NoError(t, err)
	h := &server.PullHandlers{Dir: dir, Spool: sp}
	mux := http.NewServeMux()
	mux.Handle("/cloudprnt/", h.CloudPRNT())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	j, _, err := sp.Enqueue("star", "k", "", []byte("\x1b@Hello from the spool\n\x1bd\x03"), nil)
	require.NoError(t, err)

	tickets := t.TempDir()
	cmd := exec.Command(bin, "virtual-printer", "-listen", "", "-control=false", "-printer-model", "mC-Print3", "-out", tickets,
		"-cloudprnt", srv.URL+"/cloudprnt/"+secret, "-mac", mac, "-poll-interval", "50ms")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := bufio.NewScanner(stdout)
	require.True(t, lines.Scan())
	assert.Contains(t, lines.Text(), "tickets go to")
	require.True(t, lines.Scan())
	assert.Contains(t, lines.Text(), "polling "+srv.URL)

	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := sp.Get(j.ID)
		require.NoError(t, err)
		if got.State == spool.Printed || time.Now().After(deadline) {
			require.Equal(t, spool.Printed, got.State, got.Reason)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The ticket's files are written as it comes off: wait for them.
	var text []byte
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if text, err = os.ReadFile(filepath.Join(tickets, "0001.txt")); err == nil && len(text) > 0 {
			break
		}
	}
	assert.Contains(t, string(text), "Hello from the spool")
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	var rest strings.Builder
	for lines.Scan() {
		rest.WriteString(lines.Text() + "\n")
	}
	require.NoError(t, cmd.Wait())
	assert.Contains(t, rest.String(), "1 tickets printed")
}
