package main

import (
	"bytes"
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
		"virtual  virtual://                                   the built-in virtual printer",
	}, "\n")+"\n", stdout)
}

func TestPrintersWithUSB(t *testing.T) {
	fakeDiscovery(t, []usb.DeviceInfo{{VID: 0x04b8, PID: 0x0202, Vendor: "Epson", Product: "TM-T88V", Serial: "X1", Address: "usb://04b8:0202"}},
		nil, nil, nil)
	code, stdout, stderr := runCLI(t, "", "printers", "-json")
	require.Equal(t, exitOK, code)
	assert.Empty(t, stderr, "no note when USB works")
	var got []map[string]string
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	assert.Equal(t, []map[string]string{
		{"kind": "usb", "address": "usb://04b8:0202", "detail": "04b8:0202 Epson TM-T88V serial X1"},
		{"kind": "virtual", "address": "virtual://", "detail": "the built-in virtual printer"},
	}, got)
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
