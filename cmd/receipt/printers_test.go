package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/transport"
	"github.com/secuprint/receipt/transport/usb"
)

// updating reports the -update flag main_test.go declares.
func updating(t *testing.T) bool {
	t.Helper()
	f := flag.Lookup("update")
	require.NotNil(t, f)
	return f.Value.(flag.Getter).Get().(bool)
}

func checkCLIGolden(t *testing.T, path, got string) {
	t.Helper()
	if updating(t) {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Fatalf("golden %s is missing; run go test ./... -update to create it", path)
	}
	require.NoError(t, err)
	assert.Equal(t, string(want), got, "%s differs (go test ./... -update if intended)", path)
}

func fakeDiscovery(t *testing.T, devs []usb.DeviceInfo, usbErr error, ports, lps []string) {
	t.Helper()
	old := discover
	t.Cleanup(func() { discover = old })
	discover.usb = func() ([]usb.DeviceInfo, error) { return devs, usbErr }
	discover.serial = func() ([]string, error) { return ports, nil }
	discover.lp = func() ([]string, error) { return lps, nil }
}

func TestPrintersWithoutUSB(t *testing.T) {
	fakeDiscovery(t, nil, fmt.Errorf("usb: %w", transport.ErrNoUSB),
		[]string{"/dev/ttyUSB0", "/dev/ttyACM1", "/dev/serial/by-id/usb-Prolific-if00-port0", "/dev/ttyS4"}, []string{"/dev/usb/lp0"})
	code, stdout, stderr := runCLI(t, "", "printers")
	require.Equal(t, exitOK, code)
	assert.Equal(t, 1, strings.Count(stderr, "built without USB"), "one note: %s", stderr)
	assert.Equal(t, "note: "+transport.ErrNoUSB.Error()+"\n", stderr)
	assert.Equal(t, strings.Join([]string{
		"serial   serial:///dev/ttyUSB0?baud=9600              USB-serial adapter",
		"serial   serial:///dev/ttyACM1?baud=9600              USB serial device (CDC-ACM)",
		"serial   serial:///dev/serial/by-id/usb-Prolific-if00-port0?baud=9600 stable name of a USB-serial port",
		"serial   serial:///dev/ttyS4?baud=9600                on-board serial port (RS-232)",
		"file     file:///dev/usb/lp0                          kernel usblp device",
		"virtual  virtual://                                   the built-in virtual printer  [default]",
	}, "\n")+"\n", stdout)
}

func TestPrintersWithUSB(t *testing.T) {
	fakeDiscovery(t, []usb.DeviceInfo{{VID: 0x04b8, PID: 0x0202, Vendor: "Epson", Product: "TM-T88V", Serial: "X1", Address: "usb://04b8:0202"}},
		nil, nil, nil)
	code, stdout, stderr := runCLI(t, "", "printers", "-json")
	require.Equal(t, exitOK, code)
	assert.Empty(t, stderr, "no note when USB works")
	var got []map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	assert.Equal(t, []map[string]any{
		{"kind": "usb", "address": "usb://04b8:0202", "detail": "04b8:0202 Epson TM-T88V serial X1",
			"model": "TM-T88V", "match": map[string]any{"kind": "exact", "reason": "the printer says it is a TM-T88V"}},
		{"kind": "virtual", "address": "virtual://", "detail": "the built-in virtual printer", "model": "default"},
	}, got)
}

// The USB strings name the model beside the address; a device that names
// none gets no guess.
func TestPrintersShowModel(t *testing.T) {
	fakeDiscovery(t, []usb.DeviceInfo{
		{VID: 0x04b8, PID: 0x0202, Manufacturer: "EPSON", Product: "TM-T88VI-iHUB", Address: "usb://04b8:0202"},
		{VID: 0x0519, PID: 0x0003, Manufacturer: "Star Micronics", Product: "mC-Print2", Address: "usb://0519:0003"},
		{VID: 0x0416, PID: 0x5011, Vendor: "Winbond (generic printers)", Product: "POS58 Printer", Address: "usb://0416:5011"},
		{VID: 0x0fe6, PID: 0x811e, Vendor: "ICS Advent (generic printers)", Address: "usb://0fe6:811e"},
	}, nil, nil, nil)
	code, stdout, stderr := runCLI(t, "", "printers")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, strings.Join([]string{
		"usb      usb://04b8:0202                              04b8:0202 EPSON TM-T88VI-iHUB  [TM-T88VI, family]",
		"usb      usb://0519:0003                              0519:0003 Star Micronics mC-Print2  [mC-Print2, exact]",
		"usb      usb://0416:5011                              0416:5011 Winbond (generic printers) POS58 Printer  [POS-58, exact]",
		"usb      usb://0fe6:811e                              0fe6:811e ICS Advent (generic printers) ",
		"virtual  virtual://                                   the built-in virtual printer  [default]",
	}, "\n")+"\n", stdout)
}

func TestIdentifyCLI(t *testing.T) {
	for _, model := range []string{"TM-T88VI", "TM-T88VII", "TM-m30II", "TM-m30II-H", "TM-m50", "TM-T20IV", "TM-L100",
		"SRP-350plusIII", "SRP-Q300", "CT-S310II", "CT-E351", "TSP143IV", "mC-Print2", "POS-58", "POS-80"} {
		code, stdout, stderr := runCLI(t, "", "identify", "-timeout", "150ms", "-json", "-printer", "virtual://?model="+model)
		require.Equal(t, exitOK, code, stderr)
		var got struct {
			Profile string                `json:"profile"`
			Match   struct{ Kind string } `json:"match"`
		}
		require.NoError(t, json.Unmarshal([]byte(stdout), &got), stdout)
		assert.Equal(t, model, got.Profile)
		assert.Equal(t, "exact", got.Match.Kind)
	}
	code, stdout, stderr := runCLI(t, "", "identify", "-timeout", "150ms", "-printer-model", "TM-T88VI", "virtual://")
	require.Equal(t, exitOK, code, stderr)
	checkCLIGolden(t, "testdata/golden/identify-tm-t88vi.txt", stdout)
}

func TestIdentifyCLIUsage(t *testing.T) {
	for _, args := range [][]string{{"identify"}, {"identify", "-printer", "virtual://", "tcp://x"}, {"identify", "nope://x"}} {
		code, stdout, _ := runCLI(t, "", args...)
		assert.Equal(t, exitUsage, code, "%v", args)
		assert.Empty(t, stdout)
	}
}

func TestPrintersOtherUSBErrorsAreWarnings(t *testing.T) {
	fakeDiscovery(t, nil, fmt.Errorf("usb: list: %w", transport.ErrAccessDenied), nil, nil)
	code, _, stderr := runCLI(t, "", "printers")
	require.Equal(t, exitOK, code)
	assert.Equal(t, "warning: usb: list: access denied\n", stderr)
}

// TestModelsGolden pins `receipt models` and `receipt models -json`: every
// profile, with snake_case JSON names like the rest of the project's JSON.
func TestModelsGolden(t *testing.T) {
	for _, tt := range []struct{ args, golden string }{
		{"models", "models.txt"},
		{"models -json", "models.json"},
	} {
		t.Run(tt.args, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", strings.Fields(tt.args)...)
			require.Equal(t, exitOK, code, stderr)
			checkCLIGolden(t, filepath.Join("..", "..", "testdata", "golden", "models", tt.golden), stdout)
		})
	}
	_, stdout, _ := runCLI(t, "", "models", "-json")
	var models []map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &models))
	require.NotEmpty(t, models)
	for _, m := range models {
		for k := range m {
			assert.Equal(t, strings.ToLower(k), k, "snake_case key %q", k)
		}
	}
	assert.Contains(t, models[0], "width_mm")
	assert.True(t, bytes.Contains([]byte(stdout), []byte(`"id": "TM-T88V"`)))
}

// A printer that answers nothing: the output says so and names the
// fallback; exit 10.
func TestIdentifyCLISilent(t *testing.T) {
	p, err := printers.Lookup("TM-T88VI")
	require.NoError(t, err)
	d, err := virtual.New(virtual.Options{Profile: p})
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	d.Stall(true)
	t.Cleanup(func() { d.Stall(false) })
	a, err := d.ListenTCP(context.Background(), "127.0.0.1:0")
	require.NoError(t, err)
	code, stdout, stderr := runCLI(t, "", "identify", "-timeout", "100ms", "tcp://"+a.String())
	assert.Equal(t, exitTimeout, code)
	assert.Contains(t, stdout, "language: no answer to Star's or ESC/POS's status request\n")
	assert.Contains(t, stdout, "profile:  generic (fallback: the printer answered nothing; using the generic fallback generic (ASCII + CP437/CP858, raster QR, no NV graphics))\n")
	assert.Contains(t, stderr, "warning: printers: the printer answered no status or identity request")
}
