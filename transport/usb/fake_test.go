package usb

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// fakeBus is a Backend with scripted devices, in the spirit of gousb's
// fakelibusb: it records what the logic asks of libusb.
type fakeBus struct {
	mu        sync.Mutex
	devs      []Device
	listErr   error
	openErr   error
	detachErr error
	claimErr  error
	calls     []string
	writes    [][]byte
	writeErr  error
	accept    int // with writeErr: bytes taken in all before writes fail
	took      int
	stall     bool // writes block until their context ends
	status    [][]byte
	closed    bool
	handles   int // open handles
}

func (f *fakeBus) Devices() ([]Device, error) { return f.devs, f.listErr }
func (f *fakeBus) Close() error               { f.closed = true; return nil }

func (f *fakeBus) Open(d Device) (Handle, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("open %d.%d", d.Bus, d.Address))
	if f.openErr != nil {
		return nil, f.openErr
	}
	f.handles++
	return &fakeHandle{f: f}, nil
}

func (f *fakeBus) log(s string) { f.mu.Lock(); f.calls = append(f.calls, s); f.mu.Unlock() }

func (f *fakeBus) Calls() []string { f.mu.Lock(); defer f.mu.Unlock(); return slices.Clone(f.calls) }

type fakeHandle struct {
	f      *fakeBus
	closed bool
}

func (h *fakeHandle) SetAutoDetach(on bool) error {
	h.f.log(fmt.Sprintf("autodetach %v", on))
	return h.f.detachErr
}

func (h *fakeHandle) Claim(cfg, intf, alt int) error {
	h.f.log(fmt.Sprintf("claim cfg%d if%d alt%d", cfg, intf, alt))
	return h.f.claimErr
}

func (h *fakeHandle) BulkWrite(ctx context.Context, ep uint8, p []byte) (int, error) {
	f := h.f
	f.mu.Lock()
	stall, werr, accept := f.stall, f.writeErr, f.accept
	f.mu.Unlock()
	if stall {
		<-ctx.Done()
		return 0, TransferCancelled
	}
	f.mu.Lock()
	n := len(p)
	if werr != nil {
		n = min(n, max(accept-f.took, 0))
	}
	f.took += n
	f.writes = append(f.writes, append([]byte{ep}, p[:n]...))
	f.mu.Unlock()
	if n < len(p) {
		return n, werr
	}
	return n, nil
}

func (h *fakeHandle) BulkRead(ctx context.Context, ep uint8, p []byte) (int, error) {
	f := h.f
	f.mu.Lock()
	if len(f.status) == 0 {
		f.mu.Unlock()
		<-ctx.Done()
		return 0, TransferCancelled
	}
	pkt := f.status[0]
	f.status = f.status[1:]
	f.mu.Unlock()
	if len(pkt) > len(p) {
		return 0, ErrorOverflow // as libusb: the buffer must take a whole packet
	}
	return copy(p, pkt), nil
}

func (h *fakeHandle) Close() error {
	h.f.mu.Lock()
	defer h.f.mu.Unlock()
	if !h.closed {
		h.closed = true
		h.f.handles--
		h.f.calls = append(h.f.calls, "close")
	}
	return nil
}

// tmT88 is an Epson TM-T88 as it describes itself: a printer-class
// interface with bulk OUT 0x01 and IN 0x82.
func tmT88(serial string, addr int) Device {
	return Device{Bus: 1, Address: addr, VID: 0x04b8, PID: 0x0202, Manufacturer: "EPSON", Product: "TM-T88V", Serial: serial,
		Configs: []Config{{Number: 1, Interfaces: []Interface{{Number: 0, Class: ClassPrinter,
			Endpoints: []Endpoint{{Address: 0x01, Bulk: true, MaxPacket: 64}, {Address: 0x82, Bulk: true, MaxPacket: 64}}}}}}}
}

// cheap is a generic printer with a HID interface first and a
// vendor-specific one with bulk OUT only.
func cheap() Device {
	return Device{Bus: 2, Address: 7, VID: 0x0416, PID: 0x5011,
		Configs: []Config{{Number: 1, Interfaces: []Interface{
			{Number: 0, Class: 3, Endpoints: []Endpoint{{Address: 0x81, MaxPacket: 8}}},
			{Number: 1, Class: classVendor, Endpoints: []Endpoint{{Address: 0x03, Bulk: true, MaxPacket: 64}}},
		}}}}
}

// highSpeed is a printer-class device of an unknown vendor with 512-byte
// packets and two alternate settings, the second with IN.
func highSpeed() Device {
	return Device{Bus: 3, Address: 2, VID: 0x1234, PID: 0x0001,
		Configs: []Config{{Number: 1, Interfaces: []Interface{
			{Number: 0, Alt: 0, Class: ClassPrinter, Endpoints: []Endpoint{{Address: 0x02, Bulk: true, MaxPacket: 512}}},
			{Number: 0, Alt: 1, Class: ClassPrinter, Endpoints: []Endpoint{{Address: 0x02, Bulk: true, MaxPacket: 512}, {Address: 0x81, Bulk: true, MaxPacket: 512}}},
		}}}}
}

func mouse() Device {
	return Device{Bus: 1, Address: 2, VID: 0x046d, PID: 0xc077,
		Configs: []Config{{Number: 1, Interfaces: []Interface{{Class: 3, Endpoints: []Endpoint{{Address: 0x81, MaxPacket: 4}}}}}}}
}

// stLink is a debugger from a generic vendor: vendor-specific bulk
// endpoints, so it is listed as a candidate (the table says why).
func stLink() Device {
	return Device{Bus: 1, Address: 9, VID: 0x0483, PID: 0x3748,
		Configs: []Config{{Number: 1, Interfaces: []Interface{{Class: classVendor, Endpoints: []Endpoint{{Address: 0x02, Bulk: true, MaxPacket: 64}}}}}}}
}

// epsonScannerHID is a known vendor's device with no bulk OUT: not listed.
func epsonHID() Device {
	return Device{Bus: 1, Address: 11, VID: 0x04b8, PID: 0x0001,
		Configs: []Config{{Number: 1, Interfaces: []Interface{{Class: 3, Endpoints: []Endpoint{{Address: 0x81, MaxPacket: 8}}}}}}}
}
