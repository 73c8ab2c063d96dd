package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/creack/pty"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
)

// TestExitForEveryReason: every outcome and reason has its documented exit
// code; 11 only when bytes went out unconfirmed (issue 22 item 9: a
// printer that accepts the connection and never answers, "failed, busy,
// sent 0", exited 11).
func TestExitForEveryReason(t *testing.T) {
	failed := func(r printers.Reason) printers.Result {
		return printers.Result{Outcome: printers.OutcomeFailed, Reason: r}
	}
	tests := []struct {
		res  printers.Result
		want int
	}{
		{printers.Result{Outcome: printers.OutcomePrinted, Sent: 900}, exitOK},
		{failed(printers.ReasonNone), exitFailure},
		{failed(printers.ReasonPaperEnd), exitPaperEnd},
		{failed(printers.ReasonCoverOpen), exitCoverOpen},
		{failed(printers.ReasonOffline), exitOffline},
		{failed(printers.ReasonDisconnected), exitDisconnected},
		{failed(printers.ReasonTimeout), exitTimeout},
		{failed(printers.ReasonPrinterError), exitPrinterError},
		{failed(printers.ReasonBusy), exitNoPrinter},
		{printers.Result{Outcome: printers.OutcomeFailed, Reason: printers.ReasonNoConfirmation, Sent: 900}, exitUnknown},
		// Bytes went out, nothing confirms them: check the paper.
		{printers.Result{Outcome: printers.OutcomeUnknown, Reason: printers.ReasonDisconnected, Sent: 10}, exitUnknown},
		{printers.Result{Outcome: printers.OutcomeUnknown, Reason: printers.ReasonTimeout, Sent: 10}, exitUnknown},
		{printers.Result{Outcome: printers.OutcomeUnknown, Reason: printers.ReasonNoConfirmation, Sent: 10}, exitUnknown},
		{printers.Result{Outcome: printers.OutcomeUnknown, Sent: 10}, exitUnknown},
		// Nothing went out: the reason decides.
		{printers.Result{Outcome: printers.OutcomeUnknown, Reason: printers.ReasonDisconnected}, exitDisconnected},
		{printers.Result{Outcome: printers.OutcomeUnknown, Reason: printers.ReasonBusy}, exitNoPrinter},
		{printers.Result{Outcome: printers.OutcomeUnknown}, exitUnknown},
	}
	covered := map[printers.Reason]bool{}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s/sent=%d", tt.res.Outcome, tt.res.Reason, tt.res.Sent), func(t *testing.T) {
			assert.Equal(t, tt.want, exitFor(tt.res))
		})
		covered[tt.res.Reason] = true
	}
	for r := printers.ReasonNone; r.String() != fmt.Sprintf("Reason(%d)", int(r)); r++ {
		assert.True(t, covered[r], "reason %q has no case", r)
	}
}

// TestPrintToAPrinterThatNeverAnswers: a TCP peer that takes the
// connection and never reads or answers gets nothing of the job; the exit
// code says "not reachable" (4), not "bytes were sent, check the paper" (11).
func TestPrintToAPrinterThatNeverAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}()
	code, stdout, stderr := runCLI(t, "", "print", "-printer", "tcp://"+ln.Addr().String(), "-timeout", "1s", topup)
	assert.Equal(t, exitNoPrinter, code, "%s%s", stdout, stderr)
}

// TestSmallCLIThings (issue 22 item 22): test-page on the virtual printer
// says where its ticket went; preview -format png refuses to write a
// picture to a terminal (and still writes it to a file or a pipe).
func TestSmallCLIThings(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "", "test-page", "-printer-model", "TM-T88V", "-out", out, "virtual://")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "ticket written to "+filepath.Join(out, "0001.png"))
	assert.FileExists(t, filepath.Join(out, "0001.png"))

	want := filepath.Join(t.TempDir(), "want.bin")
	code, _, stderr = runCLI(t, "", "render", "-printer-model", "TM-T88V", "-o", want, topup)
	require.Equal(t, exitOK, code, stderr)

	ptm, tty, err := pty.Open()
	require.NoError(t, err)
	defer ptm.Close()
	defer tty.Close()
	var errBuf bytes.Buffer
	code = run([]string{"preview", "-raw", "-format", "png", want}, strings.NewReader(""), tty, &errBuf)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errBuf.String(), "give -o FILE.png")

	code, png, stderr := runCLI(t, "", "preview", "-raw", "-format", "png", want)
	require.Equal(t, exitOK, code, stderr)
	assert.True(t, strings.HasPrefix(png, "\x89PNG"), "not a terminal: the PNG is written")
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	defer null.Close()
	errBuf.Reset()
	code = run([]string{"preview", "-raw", "-format", "png", want}, strings.NewReader(""), null, &errBuf)
	assert.Equal(t, exitOK, code, "/dev/null is no terminal: %s", errBuf.String())
}

// TestPictureBombIsRejectedInput (issue 22 item 1): a document whose
// pictures decode to more than the budget is rejected input (exit 3),
// naming the block.
func TestPictureBombIsRejectedInput(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewNRGBA64(image.Rect(0, 0, 1024, 512))))
	img := `{"type":"image","value":{"png":"` + base64.StdEncoding.EncodeToString(buf.Bytes()) + `"}}`
	doc := `{"receipt":[],"footer":[` + strings.TrimSuffix(strings.Repeat(img+",", 19), ",") + `]}`
	code, _, stderr := runCLI(t, doc, "render", "-printer-model", "TM-T88V")
	assert.Equal(t, exitInput, code)
	assert.Contains(t, stderr, "footer[2].value.png")
	assert.Contains(t, stderr, "memory budget")
}
