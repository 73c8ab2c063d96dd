package usb

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/transport"
	"github.com/secuprint/receipt/transport/transporttest"
)

func TestOpenPicksInterfaceAndDetaches(t *testing.T) {
	tests := []struct {
		name  string
		dev   Device
		calls []string
		in    bool
		chunk int
	}{
		{"printer class with IN", tmT88("A1", 5), []string{"open 1.5", "autodetach true", "claim cfg1 if0 alt0"}, true, 64 * 64},
		{"vendor interface without IN", cheap(), []string{"open 2.7", "autodetach true", "claim cfg1 if1 alt0"}, false, 64 * 64},
		{"alternate setting with IN", highSpeed(), []string{"open 3.2", "autodetach true", "claim cfg1 if0 alt1"}, true, 512 * 64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeBus{devs: []Device{mouse(), tt.dev}}
			c, err := OpenWith(f, transport.USBAddress{VID: tt.dev.VID, PID: tt.dev.PID, Timeout: 20 * time.Millisecond})
			require.NoError(t, err)
			assert.Equal(t, tt.calls, f.Calls(), "usblp is detached before the claim")
			assert.Equal(t, tt.chunk, c.chunk)
			_, err = c.Read(make([]byte, 1))
			if tt.in {
				assert.ErrorIs(t, err, transport.ErrTimeout, "IN endpoint present, nothing sent")
			} else {
				assert.ErrorIs(t, err, transport.ErrUnsupported)
			}
			require.NoError(t, c.Close())
			assert.Zero(t, f.handles, "the handle is closed")
		})
	}
}

func TestMatch(t *testing.T) {
	twins := []Device{tmT88("A1", 5), tmT88("B2", 6)}
	noSerial := []Device{tmT88("", 5), tmT88("", 6)}
	tests := []struct {
		name    string
		devs    []Device
		addr    transport.USBAddress
		want    int // Address of the device picked, or 0
		err     error
		message string
	}{
		{"one", []Device{mouse(), tmT88("", 5)}, transport.USBAddress{VID: 0x04b8, PID: 0x0202}, 5, nil, ""},
		{"none", []Device{mouse()}, transport.USBAddress{VID: 0x04b8, PID: 0x0202}, 0, transport.ErrNotFound, "plugged in"},
		{"two alike", twins, transport.USBAddress{VID: 0x04b8, PID: 0x0202}, 0, transport.ErrAmbiguous,
			"usb://04b8:0202?serial=A1, usb://04b8:0202?serial=B2"},
		{"two alike without serials", noSerial, transport.USBAddress{VID: 0x04b8, PID: 0x0202}, 0, transport.ErrAmbiguous,
			"usb://04b8:0202?bus=1&addr=5, usb://04b8:0202?bus=1&addr=6"},
		{"by serial", twins, transport.USBAddress{VID: 0x04b8, PID: 0x0202, Serial: "B2"}, 6, nil, ""},
		{"by bus address", noSerial, transport.USBAddress{VID: 0x04b8, PID: 0x0202, Bus: 1, Addr: 5}, 5, nil, ""},
		{"wrong serial", twins, transport.USBAddress{VID: 0x04b8, PID: 0x0202, Serial: "C3"}, 0, transport.ErrNotFound, "serial=A1"},
		{"wrong bus", twins, transport.USBAddress{VID: 0x04b8, PID: 0x0202, Bus: 4}, 0, transport.ErrNotFound, "attached"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := match(tt.devs, tt.addr)
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				assert.Contains(t, err.Error(), tt.message)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, d.Address)
		})
	}
}

func TestOpenErrors(t *testing.T) {
	access := fmt.Errorf("failed to claim interface 0 on config 1: libusb: bad access [code -3]") // gousb wraps with %v
	tests := []struct {
		name     string
		f        *fakeBus
		addr     transport.USBAddress
		want     error
		messages []string
	}{
		{"no device", &fakeBus{devs: []Device{mouse()}}, transport.USBAddress{VID: 0x04b8, PID: 0x0202}, transport.ErrNotFound, []string{"usb://04b8:0202"}},
		{"listing fails", &fakeBus{listErr: ErrorNoMem}, transport.USBAddress{VID: 0x04b8, PID: 0x0202}, ErrorNoMem, nil},
		{"open: access", &fakeBus{devs: []Device{tmT88("", 5)}, openErr: ErrorAccess},
			transport.USBAddress{VID: 0x04b8, PID: 0x0202}, transport.ErrAccessDenied,
			[]string{"LIBUSB_ERROR_ACCESS", UdevRule, "udevadm control --reload-rules", "udevadm trigger"}},
		{"claim: access in a %v-wrapped message", &fakeBus{devs: []Device{tmT88("", 5)}, claimErr: access},
			transport.USBAddress{VID: 0x04b8, PID: 0x0202}, transport.ErrAccessDenied, []string{UdevRule, "bad access"}},
		{"claim: busy", &fakeBus{devs: []Device{tmT88("", 5)}, claimErr: ErrorBusy},
			transport.USBAddress{VID: 0x04b8, PID: 0x0202}, transport.ErrBusy, []string{"LIBUSB_ERROR_BUSY", "usblp"}},
		{"detach: busy", &fakeBus{devs: []Device{tmT88("", 5)}, detachErr: fmt.Errorf("Can't detach kernel driver: libusb: device or resource busy [code -6]")},
			transport.USBAddress{VID: 0x04b8, PID: 0x0202}, transport.ErrBusy, []string{"rmmod usblp"}},
		{"no bulk out", &fakeBus{devs: []Device{{VID: 1, PID: 2}}}, transport.USBAddress{VID: 1, PID: 2}, transport.ErrNotFound, []string{"bulk OUT"}},
		{"negative timeout", &fakeBus{}, transport.USBAddress{VID: 1, PID: 2, Timeout: -1}, transport.ErrInvalidAddress, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenWith(tt.f, tt.addr)
			require.ErrorIs(t, err, tt.want)
			for _, m := range tt.messages {
				assert.Contains(t, err.Error(), m)
			}
			assert.Zero(t, tt.f.handles, "a failed open closes what it opened")
		})
	}
}

func TestChunkedWrites(t *testing.T) {
	tests := []struct {
		name string
		size int
		want []int
	}{
		{"empty", 0, nil},
		{"one packet", 10, []int{10}},
		{"exactly one chunk", 4096, []int{4096}},
		{"two chunks and a tail", 4096*2 + 10, []int{4096, 4096, 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeBus{devs: []Device{tmT88("", 5)}}
			c, err := OpenWith(f, transport.USBAddress{VID: 0x04b8, PID: 0x0202})
			require.NoError(t, err)
			defer c.Close()
			job := make([]byte, tt.size)
			for i := range job {
				job[i] = byte(i)
			}
			n, err := c.Write(job)
			require.NoError(t, err)
			assert.Equal(t, len(job), n)
			var sizes []int
			var got []byte
			for _, w := range f.writes {
				assert.Equal(t, byte(0x01), w[0], "bulk OUT endpoint")
				sizes = append(sizes, len(w)-1)
				got = append(got, w[1:]...)
			}
			assert.Equal(t, tt.want, sizes, "max packet 64 × 64 per transfer")
			assert.Equal(t, job, append([]byte{}, got...)[:len(job)])
		})
	}
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name string
		f    *fakeBus
		job  int
		sent int
		want error
	}{
		{"timeout", &fakeBus{stall: true}, 10, 0, transport.ErrTimeout},
		{"unplugged in the second chunk", &fakeBus{writeErr: TransferNoDevice, accept: 4096}, 5000, 4096, transport.ErrDisconnected},
		{"unplugged mid-chunk", &fakeBus{writeErr: TransferNoDevice, accept: 100}, 5000, 100, transport.ErrDisconnected},
		{"stall", &fakeBus{writeErr: TransferStall}, 10, 0, transport.ErrDisconnected},
		{"pipe, in gousb's words", &fakeBus{writeErr: fmt.Errorf("libusb: pipe error [code -9]")}, 10, 0, transport.ErrDisconnected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.f.devs = []Device{tmT88("", 5)}
			c, err := OpenWith(tt.f, transport.USBAddress{VID: 0x04b8, PID: 0x0202, Timeout: 20 * time.Millisecond})
			require.NoError(t, err)
			defer c.Close()
			n, err := c.Write(make([]byte, tt.job))
			assert.ErrorIs(t, err, tt.want)
			assert.Equal(t, tt.sent, n, "the count says how much the printer took")
		})
	}
}

func TestDeadlines(t *testing.T) {
	t.Run("write deadline moved while blocked", func(t *testing.T) {
		f := &fakeBus{devs: []Device{tmT88("", 5)}, stall: true}
		c, err := OpenWith(f, transport.USBAddress{VID: 0x04b8, PID: 0x0202, Timeout: time.Minute})
		require.NoError(t, err)
		defer c.Close()
		go func() {
			time.Sleep(20 * time.Millisecond)
			c.SetWriteDeadline(time.Now())
		}()
		done := make(chan error, 1)
		go func() { _, err := c.Write([]byte("x")); done <- err }()
		select {
		case err := <-done:
			assert.ErrorIs(t, err, transport.ErrTimeout)
		case <-time.After(5 * time.Second):
			t.Fatal("the new deadline did not reach the blocked transfer")
		}
	})
	t.Run("past read deadline", func(t *testing.T) {
		f := &fakeBus{devs: []Device{tmT88("", 5)}}
		c, err := OpenWith(f, transport.USBAddress{VID: 0x04b8, PID: 0x0202, Timeout: time.Minute})
		require.NoError(t, err)
		defer c.Close()
		require.NoError(t, c.SetReadDeadline(time.Now().Add(-time.Second)))
		_, err = c.Read(make([]byte, 1))
		assert.ErrorIs(t, err, transport.ErrTimeout)
	})
	t.Run("close aborts both directions", func(t *testing.T) {
		f := &fakeBus{devs: []Device{tmT88("", 5)}, stall: true}
		c, err := OpenWith(f, transport.USBAddress{VID: 0x04b8, PID: 0x0202, Timeout: time.Minute})
		require.NoError(t, err)
		werr, rerr := make(chan error, 1), make(chan error, 1)
		go func() { _, err := c.Write([]byte("x")); werr <- err }()
		go func() { _, err := c.Read(make([]byte, 1)); rerr <- err }()
		time.Sleep(20 * time.Millisecond)
		require.NoError(t, c.Close())
		assert.ErrorIs(t, <-werr, transport.ErrClosed)
		assert.ErrorIs(t, <-rerr, transport.ErrClosed)
		assert.Zero(t, f.handles)
		assert.ErrorIs(t, c.Close(), transport.ErrClosed)
		_, err = c.Write([]byte("x"))
		assert.ErrorIs(t, err, transport.ErrClosed)
	})
}

func TestReadKeepsTheRestOfAPacket(t *testing.T) {
	f := &fakeBus{devs: []Device{tmT88("", 5)}, status: [][]byte{{}, {0x12, 0x16, 0x1e}, {0x12}}}
	c, err := OpenWith(f, transport.USBAddress{VID: 0x04b8, PID: 0x0202, Timeout: 50 * time.Millisecond})
	require.NoError(t, err)
	defer c.Close()
	var got []byte
	b := make([]byte, 1) // smaller than a packet: libusb would overflow
	for range 4 {
		n, err := c.Read(b)
		require.NoError(t, err)
		got = append(got, b[:n]...)
	}
	assert.Equal(t, []byte{0x12, 0x16, 0x1e, 0x12}, got, "an empty packet is skipped, none is lost")
	_, err = c.Read(b)
	assert.ErrorIs(t, err, transport.ErrTimeout)
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want error
	}{
		{ErrorAccess, transport.ErrAccessDenied},
		{fmt.Errorf("open: %w", ErrorBusy), transport.ErrBusy},
		{errors.New("Can't detach kernel driver of the device 1.5: libusb: bad access [code -3]"), transport.ErrAccessDenied},
		{errors.New("libusb_open: LIBUSB_ERROR_ACCESS"), transport.ErrAccessDenied},
		{ErrorNoDevice, transport.ErrDisconnected},
		{ErrorNotFound, transport.ErrNotFound},
		{ErrorTimeout, transport.ErrTimeout},
		{ErrorNotSupported, transport.ErrUnsupported},
		{TransferNoDevice, transport.ErrDisconnected},
		{TransferTimedOut, transport.ErrTimeout},
		{TransferCancelled, transport.ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			got := classify(tt.err)
			assert.ErrorIs(t, got, tt.want)
			assert.ErrorIs(t, got, tt.err, "the cause stays visible")
		})
	}
	plain := errors.New("something else")
	assert.Same(t, plain, classify(plain))
	assert.NoError(t, classify(nil))
	assert.Equal(t, "LIBUSB_ERROR_ACCESS", ErrorAccess.Error())
	assert.Equal(t, "LIBUSB_ERROR(-42)", Code(-42).Error())
	assert.Equal(t, "LIBUSB_TRANSFER_STALL", TransferStall.Error())
	assert.Equal(t, "LIBUSB_TRANSFER(9)", TransferStatus(9).Error())
}

func TestParseCode(t *testing.T) {
	tests := []struct {
		msg  string
		code Code
		ok   bool
	}{
		{"libusb: bad access [code -3]", ErrorAccess, true},
		{"failed to set active config 1: libusb: device or resource busy [code -6]", ErrorBusy, true},
		{"LIBUSB_ERROR_NO_DEVICE", ErrorNoDevice, true},
		{"LIBUSB_ERROR_NO_MEM then LIBUSB_ERROR_BUSY", ErrorBusy, true},
		{"[code -3] wrapped by LIBUSB_ERROR_TIMEOUT", ErrorTimeout, true},
		{"LIBUSB_ERROR_NOT_FOUNDX", 0, false},
		{"[code 3]", 0, false},
		{"[code -1000]", 0, false},
		{"[code -", 0, false},
		{"no code here", 0, false},
	}
	for _, tt := range tests {
		c, ok := parseCode(tt.msg)
		assert.Equal(t, tt.ok, ok, tt.msg)
		if tt.ok {
			assert.Equal(t, tt.code, c, tt.msg)
		}
	}
}

// FuzzParseCode: reading a libusb code out of any message never panics,
// and whatever it finds is a code the message names.
func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"libusb: bad access [code -3]", "LIBUSB_ERROR_BUSY", "[code -99]", "[code ]", "LIBUSB_ERROR_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		c, ok := parseCode(msg)
		if !ok {
			return
		}
		if c >= 0 || c < -99 {
			t.Fatalf("parseCode(%q) = %d", msg, c)
		}
		if !strings.Contains(msg, c.Error()) && !strings.Contains(msg, fmt.Sprintf("[code %d]", int(c))) {
			t.Fatalf("parseCode(%q) = %v, which the message does not name", msg, c)
		}
	})
}

func TestVendors(t *testing.T) {
	for i := 1; i < len(Vendors); i++ {
		require.Less(t, Vendors[i-1].ID, Vendors[i].ID, "sorted and unique: LookupVendor searches")
	}
	for _, id := range []uint16{0x04b8, 0x0519, 0x1d90, 0x2730, 0x1504, 0x0416, 0x0483, 0x28e9, 0x0fe6, 0x1fc9, 0x0dd4} {
		v, ok := LookupVendor(id)
		assert.True(t, ok, "%04x", id)
		assert.NotEmpty(t, v.Name)
	}
	v, _ := LookupVendor(0x04b8)
	assert.Equal(t, Vendor{0x04b8, "Seiko Epson", false}, v)
	_, ok := LookupVendor(0x046d)
	assert.False(t, ok)

	// The udev rule covers every vendor in the table.
	rules, err := os.ReadFile("../../" + UdevRule)
	require.NoError(t, err)
	for _, v := range Vendors {
		assert.Contains(t, string(rules), fmt.Sprintf(`ATTR{idVendor}=="%04x"`, v.ID), v.Name)
	}
}

func TestList(t *testing.T) {
	f := &fakeBus{devs: []Device{mouse(), tmT88("A1", 6), tmT88("A1", 5), cheap(), highSpeed(), stLink(), epsonHID()}}
	got, err := ListWith(f)
	require.NoError(t, err)
	var addrs []string
	for _, i := range got {
		addrs = append(addrs, i.Address)
	}
	assert.Equal(t, []string{
		"usb://04b8:0202?bus=1&addr=5", // same serial twice: only the bus address tells them apart
		"usb://04b8:0202?bus=1&addr=6",
		"usb://0483:3748", // a generic vendor's device with bulk OUT is a candidate
		"usb://0416:5011",
		"usb://1234:0001", // unknown vendor, printer class
	}, addrs)
	assert.Equal(t, DeviceInfo{VID: 0x04b8, PID: 0x0202, Vendor: "Seiko Epson", Manufacturer: "EPSON", Product: "TM-T88V",
		Serial: "A1", Bus: 1, Device: 5, Address: "usb://04b8:0202?bus=1&addr=5"}, got[0])

	_, err = ListWith(&fakeBus{listErr: ErrorAccess})
	assert.ErrorIs(t, err, transport.ErrAccessDenied)
}

func TestWithoutUSBSupport(t *testing.T) {
	if _, err := NewBackend(); err == nil {
		t.Skip("this binary has libusb")
	}
	_, err := Open(transport.USBAddress{VID: 0x04b8, PID: 0x0202})
	assert.ErrorIs(t, err, transport.ErrUnsupported)
	assert.True(t, errors.Is(err, errors.ErrUnsupported))
	assert.ErrorIs(t, err, transport.ErrNoUSB)
	assert.Contains(t, err.Error(), "built without USB: rebuild with make build (cgo + libusb-1.0")
	_, err = List()
	assert.ErrorIs(t, err, transport.ErrUnsupported)
}

// TestRealDevice asks a real printer named by RECEIPT_USB_TEST (vvvv:pppp,
// or a full usb:// address) for its status: nothing is printed. It needs
// the usb build tag.
func TestRealDevice(t *testing.T) {
	id := os.Getenv("RECEIPT_USB_TEST")
	if id == "" {
		t.Skip("set RECEIPT_USB_TEST=vvvv:pppp to test a real printer")
	}
	a, err := transport.ParseAddress("usb://" + strings.TrimPrefix(id, "usb://"))
	require.NoError(t, err)
	list, err := List()
	require.NoError(t, err)
	t.Logf("attached: %+v", list)
	c, err := Open(a.USB)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte{0x10, 0x04, 0x01}) // DLE EOT 1: printer status
	require.NoError(t, err)
	b := make([]byte, 1)
	_, err = c.Read(b)
	if errors.Is(err, transport.ErrUnsupported) {
		t.Skipf("the printer has no return channel: %v", err)
	}
	require.NoError(t, err)
	assert.Equal(t, byte(0x12), b[0]&0x93, "a DLE EOT 1 status byte (fixed bits 0b0xx1xx10)")
}

func BenchmarkWrite(b *testing.B) {
	f := &fakeBus{devs: []Device{tmT88("", 5)}}
	c, err := OpenWith(f, transport.USBAddress{VID: 0x04b8, PID: 0x0202})
	require.NoError(b, err)
	defer c.Close()
	transporttest.BenchmarkWrite(b, c, transporttest.Job(500), func() { f.writes = f.writes[:0] })
}
