//go:build usb && cgo && linux

package usb

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/transport"
)

// The emulated printer (testdata/umockdev/tm-t88v.py) sits behind umockdev's
// usbdevfs emulation, so these bytes go through real libusb and gousb: device
// enumeration from sysfs, open, claim, bulk OUT in chunks, bulk IN, a read
// timeout cancelling its transfer, release and close.

const umockdevChild = "RECEIPT_UMOCKDEV_CHILD"

// python3 with umockdev's GObject bindings, or "" (the pyenv shim on PATH
// may be a Python without Debian's gi).
func umockdevPython() string {
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(py, "-c", "import gi; gi.require_version('UMockdev', '1.0'); from gi.repository import UMockdev").Run() == nil {
			return py
		}
	}
	return ""
}

// runInEmulator runs the test named run of this binary inside the emulator
// and returns what the printer received.
func runInEmulator(t *testing.T, run string, env ...string) []byte {
	t.Helper()
	py := umockdevPython()
	if py == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("umockdev is missing: make test-deps installs umockdev, gir1.2-umockdev-1.0 and python3-gi")
		}
		t.Skip("umockdev not installed (apt-get install umockdev gir1.2-umockdev-1.0 python3-gi)")
	}
	out := filepath.Join(t.TempDir(), "received.bin")
	cmd := exec.Command(py, filepath.Join("testdata", "umockdev", "tm-t88v.py"), os.Args[0], "-test.run", "^"+run+"$", "-test.v")
	cmd.Env = append(os.Environ(), umockdevChild+"=1", "EMU_OUT="+out)
	cmd.Env = append(cmd.Env, env...)
	log, err := cmd.CombinedOutput()
	t.Logf("in the emulator:\n%s", log)
	require.NoError(t, err)
	require.Contains(t, string(log), "--- PASS: "+run, "the test ran inside")
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	return got
}

// job is bigger than one chunk (64-byte packets × packetsPerChunk), so it
// goes out in several bulk transfers, and ends with DLE EOT 4.
var umockdevJob = func() []byte {
	job := []byte("\x1b@")
	for i := 0; len(job) < 3*64*packetsPerChunk+17; i++ {
		job = append(job, "Kartennummer: 9276004429942845\n"...)
	}
	return append(job, 0x10, 0x04, 0x04)
}()

func TestUSBThroughLibusbAndUmockdev(t *testing.T) {
	if os.Getenv(umockdevChild) == "" {
		got := runInEmulator(t, t.Name())
		assert.True(t, bytes.Equal(umockdevJob, got), "the printer received the job byte for byte (%d of %d bytes)", len(got), len(umockdevJob))
		return
	}
	devs, err := List()
	require.NoError(t, err)
	require.Len(t, devs, 1)
	assert.Equal(t, DeviceInfo{VID: 0x04b8, PID: 0x0202, Vendor: "Seiko Epson", Bus: 1, Device: 2, Address: "usb://04b8:0202"}, devs[0])

	c, err := Open(transport.USBAddress{VID: 0x04b8, PID: 0x0202, Timeout: 2 * time.Second})
	require.NoError(t, err)
	n, err := c.Write(umockdevJob)
	require.NoError(t, err)
	assert.Equal(t, len(umockdevJob), n)
	b := make([]byte, 8)
	n, err = c.Read(b)
	require.NoError(t, err)
	assert.Equal(t, []byte{0x12}, b[:n], "DLE EOT 4: paper present")

	// Nothing more to say: the read times out, its transfer cancelled.
	require.NoError(t, c.SetReadDeadline(time.Now().Add(200*time.Millisecond)))
	_, err = c.Read(b)
	assert.ErrorIs(t, err, transport.ErrTimeout)
	require.NoError(t, c.Close())
}

func TestUSBPaperEndThroughUmockdev(t *testing.T) {
	if os.Getenv(umockdevChild) == "" {
		got := runInEmulator(t, t.Name(), "EMU_PAPER=end")
		assert.Equal(t, []byte{0x10, 0x04, 0x04}, got)
		return
	}
	c, err := Open(transport.USBAddress{VID: 0x04b8, PID: 0x0202, Timeout: 2 * time.Second})
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte{0x10, 0x04, 0x04})
	require.NoError(t, err)
	b := make([]byte, 1)
	_, err = c.Read(b)
	require.NoError(t, err)
	assert.Equal(t, byte(0x72), b[0], "roll paper end sensor bits 5 and 6")
}

// TestUSBUnplugThroughUmockdev: the printer is pulled out after the first
// chunk; the write says how much it took and that it is gone.
func TestUSBUnplugThroughUmockdev(t *testing.T) {
	chunk := 64 * packetsPerChunk
	if os.Getenv(umockdevChild) == "" {
		got := runInEmulator(t, t.Name(), "EMU_UNPLUG_AFTER="+strconv.Itoa(chunk))
		assert.Equal(t, umockdevJob[:chunk], got)
		return
	}
	c, err := Open(transport.USBAddress{VID: 0x04b8, PID: 0x0202, Timeout: 2 * time.Second})
	require.NoError(t, err)
	defer c.Close()
	n, err := c.Write(umockdevJob)
	assert.Equal(t, chunk, n, "the first chunk arrived")
	assert.ErrorIs(t, err, transport.ErrDisconnected)
	_, err = c.Read(make([]byte, 1))
	assert.ErrorIs(t, err, transport.ErrDisconnected)
}
