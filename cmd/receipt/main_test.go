package main

import (
	"bytes"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos/escpostest"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/printers/virtual/virtualtest"
)

var _ = flag.Bool("update", false, "rewrite golden files (accepted so `go test ./... -update` runs)")

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

const topup = "../../testdata/secuconnect/card-topup.json"

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		in   string
		code int
		err  string
	}{
		{"no command", nil, "", exitUsage, ""},
		{"help", []string{"help"}, "", exitOK, ""},
		{"unknown command", []string{"frobnicate"}, "", exitUsage, `unknown command "frobnicate"`},
		{"unknown model", []string{"render", "-printer-model", "nope", topup}, "", exitUsage, `unknown printer model "nope"`},
		{"bad flag", []string{"render", "-bogus"}, "", exitUsage, "flag provided but not defined"},
		{"bad font", []string{"render", "-font", "Q", topup}, "", exitUsage, "unknown font"},
		{"bad cut", []string{"text", "-cut", "half", topup}, "", exitUsage, "unknown cut mode"},
		{"columns out of range", []string{"text", "-columns", "999", topup}, "", exitUsage, "out of range"},
		{"two files", []string{"render", topup, topup}, "", exitUsage, "want one FILE"},
		{"missing file", []string{"render", "does-not-exist.json"}, "", exitFailure, "no such file"},
		{"rejected input", []string{"render", "-"}, `[{"type":"space"},{"type":"barcode"}]`, exitInput,
			`error: receipt: receipt[1].type: unknown line type "barcode"`},
		{"not JSON", []string{"text"}, `{`, exitInput, "not valid JSON"},
		// Issue 23 item 4: a code too wide for the head rejects the
		// document (found while encoding), naming the block.
		{"code too wide", []string{"render", "-printer-model", "TM-T88V", "-"},
			`{"receipt":[],"footer":[{"type":"barcode","value":{"symbology":"code128","data":"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"}}]}`,
			exitInput, "footer[0]: bad value: escpos: code128: 994 dots wide exceeds the 512-dot head of TM-T88V"},
		{"code page without a slot", []string{"render", "-printer-model", "ZJ-5870", "-code-pages", "CP858", topup}, "", exitUsage, "has no slot for code page CP858"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.in, tt.args...)
			assert.Equal(t, tt.code, code, stderr)
			assert.Contains(t, stderr, tt.err)
		})
	}
}

func TestRenderMatchesGolden(t *testing.T) {
	out := filepath.Join(t.TempDir(), "ticket.bin")
	code, _, stderr := runCLI(t, "", "render", "-printer-model", "TM-T88V", "-o", out, topup)
	require.Equal(t, exitOK, code, stderr)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	want, err := os.ReadFile("../../testdata/golden/card-topup/TM-T88V-42col.bin")
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

// A printer pinned to CP437 gets no other table, and the euro sign it
// cannot print is reported.
func TestRenderPinnedCodePage(t *testing.T) {
	const umlauts = "../../testdata/receipts/umlauts.json"
	code, out, stderr := runCLI(t, "", "render", "-printer-model", "TM-T88V", "-code-pages", "CP437", umlauts)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, "\x1bt\x00")
	assert.NotContains(t, out, "\x1bt\x10", "CP1252 is not used")
	assert.Contains(t, stderr, "U+20AC")
}

func TestTextFromStdin(t *testing.T) {
	code, stdout, stderr := runCLI(t, `{"receipt":[{"type":"name-value","value":{"name":"TA Code:","value":"29008410","decoration":["blink"]}}]}`,
		"text", "-columns", "20", "-cut", "off")
	require.Equal(t, exitOK, code)
	assert.Equal(t, "TA Code:    29008410\n", stdout)
	assert.Equal(t, "warning: receipt[0].value.decoration: unknown decoration \"blink\"\n", stderr)
}

func TestModels(t *testing.T) {
	code, stdout, _ := runCLI(t, "", "models")
	require.Equal(t, exitOK, code)
	assert.Regexp(t, `(?m)^TM-T88V\s+Epson\s+escpos\s+80mm\s+180 A:42 B:56$`, stdout)
	assert.Regexp(t, `(?m)^mC-Print3\s+Star Micronics\s+star-prnt\s+72mm\s+203 A:48 B:64$`, stdout)
	assert.Regexp(t, `(?m)^TSP100III\s+Star Micronics\s+star-graphic\s`, stdout)
	code, stdout, _ = runCLI(t, "", "models", "-json")
	require.Equal(t, exitOK, code)
	assert.Contains(t, stdout, `"id": "ZJ-5870"`)
}

func TestDecodeCommand(t *testing.T) {
	golden := "../../testdata/golden/card-topup/TM-T88V-42col"
	want, err := os.ReadFile(golden + ".txt")
	require.NoError(t, err)
	code, out, stderr := runCLI(t, "", "decode", "-printer-model", "TM-T88V", golden+".bin")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, string(want), out, "the CLI shows the golden disassembly")

	code, out, _ = runCLI(t, "\x1b\x45\x01Hi\x1b", "decode", "-format", "json", "-strict")
	assert.Equal(t, exitFailure, code, "strict fails on a truncated command")
	assert.Contains(t, out, `"name": "ESC E"`)
	assert.Contains(t, out, `"error": "offset 5: ESC: input ends inside a command"`)

	code, _, _ = runCLI(t, "", "decode", "-format", "xml")
	assert.Equal(t, exitUsage, code)
}

func TestPreviewCommand(t *testing.T) {
	code, out, stderr := runCLI(t, "", "preview", "-printer-model", "TM-T88V", topup)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, "[2x2]**Kundenkarte**[/2x2]")
	assert.Contains(t, out, "Kartennummer:             9276004429942845")
	assert.Contains(t, out, "--- cut (partial) ---")

	code, out, stderr = runCLI(t, "", "preview", "-format", "png", "-printer-model", "ZJ-5870", topup)
	require.Equal(t, exitOK, code, stderr)
	assert.True(t, strings.HasPrefix(out, "\x89PNG\r\n"), "a PNG")

	code, out, _ = runCLI(t, "", "preview", "-format", "html", topup)
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "data:image/png;base64,")

	// A job cut into several tickets previews whole: one PNG, every ticket
	// one below the other with the cut marked between them.
	code, one, stderr := runCLI(t, "", "preview", "-format", "png", topup)
	require.Equal(t, exitOK, code, stderr)
	code, two, stderr := runCLI(t, "", "preview", "-format", "png", "-cut-sections", "partial", topup)
	require.Equal(t, exitOK, code, stderr)
	img1, err := png.Decode(strings.NewReader(one))
	require.NoError(t, err)
	img2, err := png.Decode(strings.NewReader(two))
	require.NoError(t, err)
	assert.Equal(t, img1.Bounds().Dx(), img2.Bounds().Dx())
	assert.Equal(t, 0, escpostest.CutMarks(img1))
	assert.Equal(t, 1, escpostest.CutMarks(img2), "two tickets and the cut mark between them")

	code, _, _ = runCLI(t, "", "preview", "-format", "gif", topup)
	assert.Equal(t, exitUsage, code)
}

func TestVirtualPrinterCommandUsage(t *testing.T) {
	code, _, stderr := runCLI(t, "", "virtual-printer", "-listen", "", "-fault", "jam")
	assert.Equal(t, exitUsage, code, stderr)
	code, _, stderr = runCLI(t, "", "virtual-printer", "-listen", "")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "nothing to listen on")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-cloudprnt", "http://127.0.0.1:1/cloudprnt"}, "-cloudprnt needs -mac"},
		{[]string{"-sdp", "http://127.0.0.1:1/sdp"}, "-sdp needs -id"},
		{[]string{"-sdp", "http://127.0.0.1:1/sdp", "-id", "a", "-cloudprnt", "http://127.0.0.1:1/cloudprnt", "-mac", "00:11:62:1a:2b:3c"}, "one protocol at a time"},
	} {
		code, _, stderr = runCLI(t, "", append([]string{"virtual-printer", "-listen", ""}, tt.args...)...)
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, stderr, tt.want)
	}
}

func TestPrintCommand(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "", "print", "-out", out, "-printer-model", "TM-T88V", topup)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, ": printed (417 bytes sent)")
	assert.Contains(t, stdout, "[2x2]**Kundenkarte**[/2x2]")
	bin, err := os.ReadFile(filepath.Join(out, "0001.bin"))
	require.NoError(t, err)
	golden, err := os.ReadFile("../../testdata/golden/card-topup/TM-T88V-42col.bin")
	require.NoError(t, err)
	assert.Equal(t, golden, bin, "the virtual printer got the golden bytes")
}

func TestPrinterExitCodes(t *testing.T) {
	dev, printer := virtualtest.TCP(t, virtual.Options{})
	tests := []struct {
		fault virtual.Fault
		code  int
	}{{0, exitOK}, {virtual.PaperEnd, exitPaperEnd}, {virtual.CoverOpen, exitCoverOpen}, {virtual.Offline, exitOffline}, {virtual.AutocutterError, exitPrinterError}}
	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			if tt.fault != 0 {
				dev.SetFault(tt.fault, true)
				defer dev.SetFault(tt.fault, false)
			}
			code, _, stderr := runCLI(t, "", "print", "-printer", printer, "-timeout", "2s", topup)
			assert.Equal(t, tt.code, code, stderr)
			code, stdout, _ := runCLI(t, "", "status", "-json", printer)
			assert.Equal(t, tt.code, code, stdout)
			assert.Contains(t, stdout, `"ready": `+strconv.FormatBool(tt.fault == 0))
		})
	}
	code, _, _ := runCLI(t, "", "print", "-printer", "tcp://127.0.0.1:1", topup)
	assert.Equal(t, exitNoPrinter, code)
	code, _, _ = runCLI(t, "", "print", "-printer", "gopher://x", topup)
	assert.Equal(t, exitUsage, code)
	code, _, _ = runCLI(t, "", "test-page", "gopher://x")
	assert.Equal(t, exitUsage, code)
	path := filepath.Join(t.TempDir(), "lp0")
	code, _, _ = runCLI(t, "", "print", "-printer", "file://"+path, topup)
	assert.Equal(t, exitUnknown, code, "a write-only file cannot confirm")
}

func TestTestPageAndPrinters(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "test-page", "-printer-model", "ZJ-5870", "-out", t.TempDir(), "virtual://")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "test page printed")
	// Through the station, as receiptd makes it: drawn as raster for Star
	// Graphic, refused on Star Line Mode (it reads no ESC/POS).
	code, stdout, stderr = runCLI(t, "", "test-page", "-printer-model", "TSP100III", "-out", t.TempDir(), "virtual://")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "test page printed")
	code, _, stderr = runCLI(t, "", "test-page", "-printer-model", "TSP650II", "-out", t.TempDir(), "virtual://")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "the test page is ESC/POS")
	code, _, stderr = runCLI(t, "", "test-page", "-printer-model", "NOPE", "virtual://")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `error: station: printers: unknown printer model "NOPE"`)
	code, stdout, _ = runCLI(t, "", "printers", "-json")
	require.Equal(t, exitOK, code)
	assert.Contains(t, stdout, `"address": "virtual://"`)
}

// Star models render in their own language; Star Graphic as raster; decode
// reads them by the model's language; the ESC/POS-only virtual printer
// refuses them rather than misprinting.
func TestStarModels(t *testing.T) {
	const tx = "../../testdata/secuconnect/pay-missing-sum.json"
	for _, tc := range []struct {
		model, prefix string
	}{
		{"TSP100III", "\x1b*rA\x1b*rP0\x00"},
		{"mC-Print3", "\x1b@\x1b\x1da\x01\x1bi\x01\x01"},
		{"TSP650II", "\x1b@\x1b\x1da\x01\x1bi\x01\x01"},
		{"TSP600", "\x1b@\x1ba\x01\x1d!\x11"},
	} {
		code, out, stderr := runCLI(t, "", "render", "-printer-model", tc.model, tx)
		require.Equal(t, exitOK, code, stderr)
		assert.True(t, strings.HasPrefix(out, tc.prefix), "%s: %q", tc.model, out[:min(len(out), 16)])
		code, dis, stderr := runCLI(t, out, "decode", "-strict", "-printer-model", tc.model)
		require.Equal(t, exitOK, code, "%s: %s", tc.model, stderr)
		assert.NotContains(t, dis, "ERROR", tc.model)

		code, preview, stderr := runCLI(t, "", "preview", "-printer-model", tc.model, tx)
		require.Equal(t, exitOK, code, stderr)
		assert.Contains(t, preview, "Kundenkarte", tc.model)
	}
	// print confirms a Star printer by its ASB and ETB counter.
	for _, model := range []string{"mC-Print3", "TSP650II", "TSP100III"} {
		code, out, stderr := runCLI(t, "", "print", "-printer-model", model, "-out", t.TempDir(), tx)
		assert.Equal(t, exitOK, code, "%s: %s", model, stderr)
		assert.Contains(t, out, "printed", model)
	}
	code, out, stderr := runCLI(t, "", "status", "-printer-model", "mC-Print3", "virtual://")
	assert.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, "online")
	code, _, _ = runCLI(t, "x", "decode", "-language", "zpl")
	assert.Equal(t, exitUsage, code)
}
