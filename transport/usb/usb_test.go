package usb

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/transport"
)

var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")

// fake is a Backend with scripted devices, recording transfers.
type fake struct {
	devs     []Device
	openErr  error
	opened   []string
	writes   [][]byte
	writeErr error
	stall    bool // writes block until their deadline
	status   []byte
	closed   bool
}

func (f *fake) Devices() ([]Device, error) { return f.devs, nil }
func (f *fake) Close() error               { f.closed = true; return nil }
func (f *fake) Open(d Device, cfg, intf, alt int) (Handle, error) {
	if f.openErr != nil {
		return nil, f.openErr
	}
	f.opened = append(f.opened, fmt.Sprintf("%04x:%04x cfg%d if%d alt%d", d.VID, d.PID, cfg, intf, alt))
	return &fakeHandle{f: f}, nil
}

type fakeHandle struct{ f *fake }

func (h *fakeHandle) Write(ctx context.Context, ep uint8, p []byte) (int, error) {
	if h.f.stall {
		<-ctx.Done()
		return 0, fmt.Errorf("%w: %w", transport.ErrTimeout, ctx.Err())
	}
	if h.f.writeErr != nil {
		return 0, h.f.writeErr
	}
	h.f.writes = append(h.f.writes, append([]byte{ep}, p...))
	return len(p), nil
}

func (h *fakeHandle) Read(ctx context.Context, ep uint8, p []byte) (int, error) {
	if len(h.f.status) == 0 {
		<-ctx.Done()
		return 0, fmt.Errorf("%w: %w", transport.ErrTimeout, ctx.Err())
	}
	n := copy(p, h.f.status)
	h.f.status = h.f.status[n:]
	return n, nil
}

func (h *fakeHandle) Close() error { return nil }

// tmT88 is an Epson TM-T88 as it describes itself: printer class interface
// with bulk OUT 0x01 and IN 0x82.
func tmT88(serial string, addr int) Device {
	return Device{Bus: 1, Address: addr, VID: 0x04b8, PID: 0x0202, Manufacturer: "EPSON", Product: "TM-T88V", Serial: serial,
		Configs: []Config{{Number: 1, Interfaces: []Interface{{Number: 0, Class: ClassPrinter,
			Endpoints: []Endpoint{{Address: 0x01, Bulk: true, MaxPacket: 64}, {Address: 0x82, Bulk: true, MaxPacket: 64}}}}}}}
}

// cheap is a generic printer with a vendor-specific interface and an
// interrupt endpoint before its bulk ones.
func cheap() Device {
	return Device{Bus: 2, Address: 7, VID: 0x0416, PID: 0x5011, Class: 0,
		Configs: []Config{{Number: 1, Interfaces: []Interface{
			{Number: 0, Class: 3, Endpoints: []Endpoint{{Address: 0x81, MaxPacket: 8}}},
			{Number: 1, Class: 0xFF, Endpoints: []Endpoint{{Address: 0x03, Bulk: true, MaxPacket: 64}}},
		}}}}
}

func mouse() Device { return Device{Bus: 1, Address: 2, VID: 0x046d, PID: 0xc077, Class: 0} }

func TestEndpointDiscovery(t *testing.T) {
	tests := []struct {
		name   string
		dev    Device
		opened string
		in     bool
	}{
		{"printer class with IN", tmT88("A1", 5), "04b8:0202 cfg1 if0 alt0", true},
		{"vendor interface without IN", cheap(), "0416:5011 cfg1 if1 alt0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fake{devs: []Device{mouse(), tt.dev}}
			c, err := OpenWith(f, transport.USBAddress{VID: tt.dev.VID, PID: tt.dev.PID, Timeout: 20 * time.Millisecond})
			require.NoError(t, err)
			defer c.Close()
			assert.Equal(t, []string{tt.opened}, f.opened)
			_, err = c.Read(make([]byte, 1))
			if tt.in {
				assert.ErrorIs(t, err, transport.ErrTimeout, "IN endpoint present, nothing sent")
			} else {
				assert.ErrorIs(t, err, transport.ErrUnsupported)
			}
		})
	}
}

func TestChunkedWrites(t *testing.T) {
	f := &fake{devs: []Device{tmT88("", 5)}}
	c, err := OpenWith(f, transport.USBAddress{VID: 0x04b8, PID: 0x0202})
	require.NoError(t, err)
	job := make([]byte, 64*64*2+10)
	n, err := c.Write(job)
	require.NoError(t, err)
	assert.Equal(t, len(job), n)
	require.Len(t, f.writes, 3, "max packet 64 × 64 per transfer")
	assert.Equal(t, []int{4097, 4097, 11}, []int{len(f.writes[0]), len(f.writes[1]), len(f.writes[2])})
	assert.Equal(t, byte(0x01), f.writes[0][0], "bulk OUT endpoint")
}

func TestWriteTimeoutAndStatus(t *testing.T) {
	f := &fake{devs: []Device{tmT88("", 5)}, stall: true, status: []byte{0x12}}
	c, err := OpenWith(f, transport.USBAddress{VID: 0x04b8, PID: 0x0202, Timeout: 30 * time.Millisecond})
	require.NoError(t, err)
	_, err = c.Write([]byte("x"))
	assert.ErrorIs(t, err, transport.ErrTimeout)
	b := make([]byte, 4)
	n, err := c.Read(b)
	require.NoError(t, err)
	assert.Equal(t, []byte{0x12}, b[:n])
	require.NoError(t, c.Close())
	_, err = c.Write([]byte("x"))
	assert.ErrorIs(t, err, transport.ErrClosed)
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name    string
		f       *fake
		addr    transport.USBAddress
		want    error
		message string
	}{
		{"no device", &fake{devs: []Device{mouse()}}, transport.USBAddress{VID: 0x04b8, PID: 0x0202}, transport.ErrNotFound, "receipt printers"},
		{"two alike", &fake{devs: []Device{tmT88("A1", 5), tmT88("B2", 6)}}, transport.USBAddress{VID: 0x04b8, PID: 0x0202}, transport.ErrAmbiguous, `serial="B2"`},
		{"access denied", &fake{devs: []Device{tmT88("", 5)}, openErr: fmt.Errorf("%w: LIBUSB_ERROR_ACCESS", transport.ErrAccessDenied)},
			transport.USBAddress{VID: 0x04b8, PID: 0x0202}, transport.ErrAccessDenied, UdevRule},
		{"busy", &fake{devs: []Device{tmT88("", 5)}, openErr: fmt.Errorf("%w: LIBUSB_ERROR_BUSY", transport.ErrBusy)},
			transport.USBAddress{VID: 0x04b8, PID: 0x0202}, transport.ErrBusy, "usblp"},
		{"no bulk out", &fake{devs: []Device{{VID: 1, PID: 2}}}, transport.USBAddress{VID: 1, PID: 2}, transport.ErrNotFound, "bulk OUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenWith(tt.f, tt.addr)
			assert.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.message)
		})
	}
	// Picking one of two by serial or by bus address works.
	f := &fake{devs: []Device{tmT88("A1", 5), tmT88("B2", 6)}}
	_, err := OpenWith(f, transport.USBAddress{VID: 0x04b8, PID: 0x0202, Serial: "B2"})
	require.NoError(t, err)
	_, err = OpenWith(f, transport.USBAddress{VID: 0x04b8, PID: 0x0202, Bus: 1, Addr: 5})
	require.NoError(t, err)
}

func TestList(t *testing.T) {
	f := &fake{devs: []Device{mouse(), tmT88("A1", 5), tmT88("B2", 6), cheap()}}
	got, err := ListWith(f)
	require.NoError(t, err)
	var addrs []string
	for _, i := range got {
		addrs = append(addrs, i.Addr)
	}
	assert.Equal(t, []string{"usb://04b8:0202?serial=A1", "usb://04b8:0202?serial=B2", "usb://0416:5011"}, addrs)
	assert.Equal(t, "Seiko Epson", got[0].Vendor)
}

func TestWithoutUSBSupport(t *testing.T) {
	_, err := NewBackend()
	if err == nil {
		t.Skip("this binary has libusb")
	}
	assert.ErrorIs(t, err, transport.ErrUnsupported)
	assert.True(t, errors.Is(err, errors.ErrUnsupported))
	assert.Contains(t, err.Error(), "-tags usb")
}

// TestRealDevice prints a line on a real printer named by RECEIPT_USB_TEST
// (vvvv:pppp); it needs the usb build tag.
func TestRealDevice(t *testing.T) {
	id := os.Getenv("RECEIPT_USB_TEST")
	if id == "" {
		t.Skip("set RECEIPT_USB_TEST=vvvv:pppp to test a real printer")
	}
	a, err := transport.ParseAddress("usb://" + strings.TrimPrefix(id, "usb://"))
	require.NoError(t, err)
	c, err := Open(a.USB)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte("\x1b@receipt USB test\n\n\n\x1dV\x42\x00\x10\x04\x01"))
	require.NoError(t, err)
	b := make([]byte, 1)
	_, err = c.Read(b)
	require.NoError(t, err)
	assert.Equal(t, byte(0x12), b[0]&0x93, "a DLE EOT 1 status byte")
}

func BenchmarkWrite(b *testing.B) {
	f := &fake{devs: []Device{tmT88("", 5)}}
	c, err := OpenWith(f, transport.USBAddress{VID: 0x04b8, PID: 0x0202})
	require.NoError(b, err)
	job := make([]byte, 16<<10)
	b.SetBytes(int64(len(job)))
	for b.Loop() {
		f.writes = f.writes[:0]
		if _, err := c.Write(job); err != nil {
			b.Fatal(err)
		}
	}
}
