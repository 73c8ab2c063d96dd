package main

import (
	"bytes"
	bin "encoding/binary"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/transport"
)

func runReceiptd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("RECEIPTD_CONFIG", "")
	t.Setenv("RECEIPTD_TOKENS", "")
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestHelpAndVersion(t *testing.T) {
	code, out, errOut := runReceiptd(t, "-h")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "receiptd is the print service")
	assert.Contains(t, out, "RECEIPTD_TOKENS")
	assert.Contains(t, out, "-check")
	assert.Contains(t, out, "drawer")
	assert.Empty(t, errOut, "help goes to standard output")

	code, out, _ = runReceiptd(t, "-version")
	assert.Equal(t, exitOK, code)
	assert.Regexp(t, `^receiptd \S+`, out)

	code, out, errOut = runReceiptd(t, "-no-such-flag")
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "receiptd -h")
}

// TestRefusesAddressItCannotOpen: a usb:// printer in a build without USB
// is refused at start, naming the fix, instead of every job waiting out
// its deadline as "printer not reachable".
func TestRefusesAddressItCannotOpen(t *testing.T) {
	if transport.Supported("usb://04b8:0202") == nil {
		t.Skip("this build opens USB")
	}
	code, _, errOut := runReceiptd(t, "-data-dir", t.TempDir(), "-listen", "127.0.0.1:0", "-printer", "front=usb://04b8:0202,model=TM-T88V")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "built without USB")
	assert.Contains(t, errOut, "make build")
}

// TestSpoolFaultsAtStart: a spool that was there and is now empty, or one
// another receiptd holds, stops the start with its own exit code and a
// message that says what to do; -check says the same without starting.
func TestSpoolFaultsAtStart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "spool.db")
	sp, err := spool.Open(path)
	require.NoError(t, err)
	_, _, err = sp.Enqueue("virtual", "k1", "STX_1", []byte("\x1b@hello\n"), nil)
	require.NoError(t, err)

	code, _, errOut := runReceiptd(t, "-data-dir", dir, "-listen", "127.0.0.1:0")
	assert.Equal(t, exitSpoolBusy, code, errOut)
	assert.Contains(t, errOut, "another receiptd")
	code, _, _ = runReceiptd(t, "-data-dir", dir, "-check")
	assert.Equal(t, exitSpoolBusy, code)
	require.NoError(t, sp.Close())

	code, out, _ := runReceiptd(t, "-data-dir", dir, "-check")
	assert.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "1")

	require.NoError(t, os.Truncate(path, 0))
	code, _, errOut = runReceiptd(t, "-data-dir", dir, "-listen", "127.0.0.1:0")
	assert.Equal(t, exitSpoolBad, code)
	assert.Contains(t, errOut, "empty")
	assert.Contains(t, errOut, "start afresh on purpose (receiptd -fresh; docs/spool.md)", "the flag a user types, not the Go option")
	assert.NotContains(t, errOut, "Options.Fresh")
	code, _, _ = runReceiptd(t, "-data-dir", dir, "-check")
	assert.Equal(t, exitSpoolBad, code)
}

// TestTemplateCheckedAtStart: a printer's template that names a field a
// transaction does not have ({{.Nope}}), or loops, stops the start naming
// the printer, the block and the field, instead of failing every receipt.
func TestTemplateCheckedAtStart(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{`{{.Nope}}`, "can't evaluate field Nope"},
		{`{{range 1000000000000}}{{end}}`, "range is not allowed"},
	} {
		tpl := filepath.Join(t.TempDir(), "shop.json")
		require.NoError(t, os.WriteFile(tpl, []byte(`{"header":[{"type":"space"},{"type":"name-value","value":{"name":"Beleg","value":"`+tc.text+`"}}]}`), 0o600))
		code, _, errOut := runReceiptd(t, "-data-dir", t.TempDir(), "-listen", "127.0.0.1:0",
			"-printer", "front=virtual://,model=TM-T88V,template="+tpl)
		assert.Equal(t, exitUsage, code, errOut)
		assert.Contains(t, errOut, "template.header[1].value.value")
		assert.Contains(t, errOut, tc.want)
		assert.Contains(t, errOut, "front")
	}
}

// TestHelpShowsPrinterKeysAndExamples: receiptd -h names every key of the
// -printer form and shows examples, and each example's -printer parses.
func TestHelpShowsPrinterKeysAndExamples(t *testing.T) {
	code, out, _ := runReceiptd(t, "-h")
	require.Equal(t, exitOK, code)
	for _, k := range []string{"template=", "drawer=", "logo=", "locale=", "drawer_pin=", "copies=", "code_page=", "keep_open"} {
		assert.Contains(t, out, k)
	}
	_, examples, ok := strings.Cut(out, "Examples:\n")
	require.True(t, ok, out)
	assert.Contains(t, examples, "deploy/receiptd.toml")
	n := 0
	for _, line := range strings.Split(examples, "\n") {
		_, arg, ok := strings.Cut(line, "-printer ")
		if !ok {
			continue
		}
		var pf printerFlags
		assert.NoError(t, pf.Set(strings.Fields(arg)[0]), line)
		n++
	}
	assert.GreaterOrEqual(t, n, 2)
}

// TestLostCommitShown (issue 22 item 23): a spool whose last commit's meta
// page was zeroed starts (as bbolt does, from the commit before); -check
// and /readyz say that jobs accepted in the last commit may be missing,
// /readyz until the file named is removed.
func TestLostCommitShown(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "spool.db")
	sp, err := spool.Open(path)
	require.NoError(t, err)
	for i := range 3 {
		_, _, err = sp.Enqueue("virtual", "k"+strconv.Itoa(i), "STX_1", []byte("\x1b@hello\n"), nil)
		require.NoError(t, err)
	}
	require.NoError(t, sp.Close())
	zeroLastMeta(t, path)

	code, out, _ := runReceiptd(t, "-data-dir", dir, "-check")
	assert.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "jobs accepted in it may be missing")

	d := start(t, "-data-dir", dir)
	body := readyz(t, d.url)
	assert.Contains(t, body, `"status": "ready"`)
	assert.Contains(t, body, "jobs accepted in the last commit may be missing")
	assert.Contains(t, body, spool.LostCommitFile(path))
	require.NoError(t, os.Remove(spool.LostCommitFile(path)))
	assert.NotContains(t, readyz(t, d.url), "warning")
}

func readyz(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url + "/readyz")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	return string(b)
}

// zeroLastMeta zeroes the bbolt meta page that holds the file's last
// commit: page txid%2, the one with the higher transaction id.
func zeroLastMeta(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	const pageHeader, txidAt = 16, 48
	ps := int(bin.LittleEndian.Uint32(b[pageHeader+8:]))
	last := 0
	if bin.LittleEndian.Uint64(b[ps+pageHeader+txidAt:]) > bin.LittleEndian.Uint64(b[pageHeader+txidAt:]) {
		last = 1
	}
	clear(b[last*ps : (last+1)*ps])
	require.NoError(t, os.WriteFile(path, b, 0o600))
}
