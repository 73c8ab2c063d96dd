// Package usb talks to USB receipt printers through libusb (gousb).
//
// The device logic — choosing the printer, its interface and bulk
// endpoints, detaching usblp, chunking, deadlines, and turning libusb
// failures into advice — is pure Go over a small seam (Backend, Handle), so
// it is tested without hardware or cgo. The gousb backend is compiled only
// with `-tags usb` and cgo, keeping the rest of the project cgo-free;
// without it Open and List return an error wrapping ErrUnsupported.
package usb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/secuprint/receipt/transport"
)

// DefaultTimeout bounds each bulk transfer (one read, one chunk of a
// write) when neither the address nor a deadline says otherwise.
const DefaultTimeout = 5 * time.Second

// UdevRule is the rule file that grants access to printers, and
// UdevReload the command that makes udev apply it.
const (
	UdevRule   = "docs/udev/60-receipt-printers.rules"
	UdevReload = "sudo udevadm control --reload-rules && sudo udevadm trigger"
)

// ClassPrinter is the USB printer class (device or interface).
const ClassPrinter = 7

// classVendor is the vendor-specific class many cheap printers declare.
const classVendor = 0xFF

// packetsPerChunk: a write step is this many max-size packets (4 KiB at
// full speed, 32 KiB at high speed): large enough for throughput, small
// enough that with no deadline a stalled printer trips the step timeout.
const packetsPerChunk = 64

// Backend is the seam to libusb: enumerate and open devices.
type Backend interface {
	// Devices describes every attached device. Strings are empty where the
	// device could not be opened to read them (permissions).
	Devices() ([]Device, error)
	// Open opens a device Devices described.
	Open(d Device) (Handle, error)
	Close() error
}

// Handle is an open device.
type Handle interface {
	// SetAutoDetach makes Claim detach a kernel driver (usblp) from the
	// interface, and Close give it back.
	SetAutoDetach(on bool) error
	// Claim selects configuration config and claims interface iface with
	// alternate setting alt.
	Claim(config, iface, alt int) error
	// BulkWrite and BulkRead transfer on endpoint ep (with its direction
	// bit) until done or ctx ends; n counts what was transferred even then.
	BulkWrite(ctx context.Context, ep uint8, p []byte) (n int, err error)
	BulkRead(ctx context.Context, ep uint8, p []byte) (n int, err error)
	// Close releases the interface and closes the device.
	Close() error
}

// Device describes one attached USB device.
type Device struct {
	Bus, Address int
	VID, PID     uint16
	Class        uint8
	Manufacturer string
	Product      string
	Serial       string
	Configs      []Config
}

// Config is one configuration's interfaces (alternate settings flattened).
type Config struct {
	Number     int
	Interfaces []Interface
}

// Interface is one alternate setting of an interface.
type Interface struct {
	Number, Alt int
	Class       uint8
	Endpoints   []Endpoint
}

// Endpoint is an endpoint descriptor.
type Endpoint struct {
	Address   uint8 // with the direction bit (0x80 = IN)
	Bulk      bool
	MaxPacket int
}

// In reports whether the endpoint sends to the host.
func (e Endpoint) In() bool { return e.Address&0x80 != 0 }

// Vendor is a USB vendor known to make ESC/POS printers (or the USB chips
// inside cheap ones); its devices are listed even when they do not declare
// the printer class.
type Vendor struct {
	ID   uint16
	Name string
	// Generic marks a chip maker whose ID many small printer brands reuse;
	// its other devices (debuggers, serial adapters) may show up too.
	Generic bool
}

// Vendors is sorted by ID.
var Vendors = []Vendor{
	{0x0416, "Winbond (generic printers)", true},
	{0x0483, "STMicroelectronics (generic printers)", true},
	{0x04b8, "Seiko Epson", false},
	{0x0519, "Star Micronics", false},
	{0x0525, "Netchip (generic printers)", true},
	{0x0dd4, "Custom Engineering", false},
	{0x0fe6, "ICS Advent (generic printers)", true},
	{0x1504, "Bixolon", false},
	{0x154f, "SNBC", false},
	{0x1d90, "Citizen", false},
	{0x1fc9, "NXP (generic printers)", true},
	{0x20d1, "Rongta", false},
	{0x2730, "Citizen", false},
	{0x28e9, "GigaDevice (generic printers)", true},
	{0x6868, "Zjiang (generic printers)", true},
}

// LookupVendor finds a vendor in Vendors.
func LookupVendor(id uint16) (Vendor, bool) {
	i, ok := slices.BinarySearchFunc(Vendors, id, func(v Vendor, id uint16) int { return int(v.ID) - int(id) })
	if !ok {
		return Vendor{}, false
	}
	return Vendors[i], true
}

// DeviceInfo is a printer found on the bus.
type DeviceInfo struct {
	VID, PID     uint16
	Vendor       string // from Vendors, for devices that do not name themselves
	Manufacturer string // the device's own strings; empty without permission
	Product      string
	Serial       string
	Bus, Device  int // as lsusb shows them: "Bus 001 Device 005"
	// Address is the address to print to: usb://vvvv:pppp, with ?serial=
	// (or ?bus=&addr= without a serial) when several alike are attached.
	Address string
}

// isCandidate reports whether d looks like a receipt printer: it declares
// the printer class, or comes from a known vendor and has a bulk OUT
// endpoint on a vendor-specific interface (as the udev rule has it).
func isCandidate(d Device) bool {
	if d.Class == ClassPrinter {
		return true
	}
	_, known := LookupVendor(d.VID)
	for _, c := range d.Configs {
		for _, i := range c.Interfaces {
			if i.Class == ClassPrinter {
				return true
			}
			if known && i.Class == classVendor && hasBulkOut(i) {
				return true
			}
		}
	}
	return false
}

func hasBulkOut(i Interface) bool {
	return slices.ContainsFunc(i.Endpoints, func(e Endpoint) bool { return e.Bulk && !e.In() })
}

// addressOf is the shortest address that picks d among devs.
func addressOf(d Device, devs []Device) transport.USBAddress {
	a := transport.USBAddress{VID: d.VID, PID: d.PID}
	alike, sameSerial := 0, 0
	for _, o := range devs {
		if o.VID == d.VID && o.PID == d.PID {
			alike++
			if o.Serial == d.Serial {
				sameSerial++
			}
		}
	}
	switch {
	case alike <= 1:
	case d.Serial != "" && sameSerial == 1:
		a.Serial = d.Serial
	default:
		// Bus addresses change when the printer is plugged again; serials
		// do not, but these printers have none (or share one).
		a.Bus, a.Addr = d.Bus, d.Address
	}
	return a
}

// ListWith lists the printers a backend sees, by bus and device number.
func ListWith(b Backend) ([]DeviceInfo, error) {
	devs, err := b.Devices()
	if err != nil {
		return nil, fmt.Errorf("usb: list: %w", classify(err))
	}
	var printers []Device
	for _, d := range devs {
		if isCandidate(d) {
			printers = append(printers, d)
		}
	}
	out := make([]DeviceInfo, 0, len(printers))
	for _, d := range printers {
		v, _ := LookupVendor(d.VID)
		addr := addressOf(d, printers).String()
		out = append(out, DeviceInfo{VID: d.VID, PID: d.PID, Vendor: v.Name, Manufacturer: d.Manufacturer,
			Product: d.Product, Serial: d.Serial, Bus: d.Bus, Device: d.Address, Address: addr})
	}
	slices.SortFunc(out, func(a, b DeviceInfo) int {
		if a.Bus != b.Bus {
			return a.Bus - b.Bus
		}
		return a.Device - b.Device
	})
	return out, nil
}

// List lists attached USB printers (needs the usb build tag).
func List() ([]DeviceInfo, error) {
	b, err := NewBackend()
	if err != nil {
		return nil, err
	}
	defer b.Close()
	return ListWith(b)
}

// Open opens the printer at a (needs the usb build tag; without it the
// error wraps ErrUnsupported).
func Open(a transport.USBAddress) (*Conn, error) {
	b, err := NewBackend()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a, err)
	}
	c, err := OpenWith(b, a)
	if err != nil {
		b.Close()
		return nil, err
	}
	c.backend = b
	return c, nil
}

// OpenWith opens the printer at a through backend b: it finds the one
// matching device (ErrNotFound when none, ErrAmbiguous when several),
// picks its printer interface's bulk endpoints, detaches usblp and claims
// the interface. Access and busy failures carry what to do about them.
func OpenWith(b Backend, a transport.USBAddress) (*Conn, error) {
	timeout := a.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	if timeout < 0 {
		return nil, fmt.Errorf("usb: %w: negative timeout", transport.ErrInvalidAddress)
	}
	name := a.String()
	devs, err := b.Devices()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, classify(err))
	}
	d, err := match(devs, a)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	cfg, intf, out, in, ok := pickEndpoints(d)
	if !ok {
		return nil, fmt.Errorf("%s: %w: the device has no interface with a bulk OUT endpoint (not a printer?)", name, transport.ErrNotFound)
	}
	h, err := b.Open(d)
	if err != nil {
		return nil, fmt.Errorf("%s: open: %w", name, advise(classify(err)))
	}
	if err := h.SetAutoDetach(true); err != nil {
		h.Close()
		return nil, fmt.Errorf("%s: detach kernel driver: %w", name, advise(classify(err)))
	}
	if err := h.Claim(cfg, intf.Number, intf.Alt); err != nil {
		h.Close()
		return nil, fmt.Errorf("%s: claim interface %d: %w", name, intf.Number, advise(classify(err)))
	}
	c := &Conn{h: h, name: name, out: out, in: in, timeout: timeout,
		chunk: max(out.MaxPacket, 8) * packetsPerChunk}
	c.base, c.cancel = context.WithCancel(context.Background())
	return c, nil
}

// match picks the one device a names.
func match(devs []Device, a transport.USBAddress) (Device, error) {
	var hits, sameID []Device
	for _, d := range devs {
		if d.VID != a.VID || d.PID != a.PID {
			continue
		}
		sameID = append(sameID, d)
		if (a.Serial == "" || a.Serial == d.Serial) && (a.Bus == 0 || a.Bus == d.Bus) && (a.Addr == 0 || a.Addr == d.Address) {
			hits = append(hits, d)
		}
	}
	switch {
	case len(hits) == 1:
		return hits[0], nil
	case len(hits) > 1:
		return Device{}, fmt.Errorf("%w: %s; pick one by address", transport.ErrAmbiguous, describe(hits, devs))
	case len(sameID) > 0:
		return Device{}, fmt.Errorf("%w: no device with this ID matches the serial or bus address; attached: %s",
			transport.ErrNotFound, describe(sameID, devs))
	}
	return Device{}, fmt.Errorf("%w: no device with this ID is attached (is it plugged in and on? 'receipt printers' lists what is there)",
		transport.ErrNotFound)
}

// describe lists devices by the addresses that pick them.
func describe(ds, all []Device) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = addressOf(d, all).String()
		if d.Serial != "" {
			a := transport.USBAddress{VID: d.VID, PID: d.PID, Serial: d.Serial}
			if parts[i] != a.String() {
				parts[i] += " (serial " + d.Serial + ")"
			}
		}
	}
	return strings.Join(parts, ", ")
}

// pickEndpoints prefers the printer-class interface (the first alternate
// setting with bulk OUT, and IN for status); cheap printers often use a
// vendor-specific one, so any interface with bulk OUT will do.
func pickEndpoints(d Device) (cfg int, intf Interface, out, in Endpoint, ok bool) {
	best := -1
	for _, c := range d.Configs {
		for _, i := range c.Interfaces {
			var o, n Endpoint
			var hasOut, hasIn bool
			for _, e := range i.Endpoints {
				switch {
				case e.Bulk && !e.In() && !hasOut:
					o, hasOut = e, true
				case e.Bulk && e.In() && !hasIn:
					n, hasIn = e, true
				}
			}
			if !hasOut {
				continue
			}
			score := 1
			if i.Class == ClassPrinter {
				score += 2
			}
			if hasIn {
				score++
			}
			if score > best {
				best, cfg, intf, out, in, ok = score, c.Number, i, o, n, true
			}
		}
	}
	return
}

// advise adds what to do to access and busy failures.
func advise(err error) error {
	switch {
	case errors.Is(err, transport.ErrAccessDenied):
		return fmt.Errorf("%w; install the udev rule %s into /etc/udev/rules.d/, run '%s', re-plug the printer, and add the user to group lp",
			err, UdevRule, UdevReload)
	case errors.Is(err, transport.ErrBusy):
		return fmt.Errorf("%w; another program holds the printer, or the kernel's usblp driver could not be detached ('sudo rmmod usblp', or blacklist it: see %s)",
			err, UdevRule)
	}
	return err
}

// inflight is a transfer in progress, cancelled when its deadline passes.
type inflight struct {
	cancel context.CancelFunc
	timer  *time.Timer
}

// Conn is a claimed USB printer. One Read and one Write may run
// concurrently; Close may be called at any time and aborts transfers.
type Conn struct {
	h       Handle
	backend Backend // owned when opened by Open
	name    string
	out, in Endpoint
	timeout time.Duration
	chunk   int

	base   context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // transfers in progress

	rmu  sync.Mutex // one Read at a time; guards rbuf, rest
	rbuf []byte
	rest []byte // received but not yet returned

	mu     sync.Mutex
	rd, wd time.Time
	ops    [2]*inflight // [0] write, [1] read
	closed bool
}

var _ transport.Conn = (*Conn)(nil)

// Name is the printer's canonical address.
func (c *Conn) Name() string { return c.name }

// SetReadDeadline sets an absolute read deadline; zero restores the
// per-transfer timeout. It affects a Read already blocked.
func (c *Conn) SetReadDeadline(t time.Time) error { c.setDeadline(1, t); return nil }

// SetWriteDeadline sets an absolute write deadline; zero restores the
// per-chunk timeout. It affects a Write already blocked.
func (c *Conn) SetWriteDeadline(t time.Time) error { c.setDeadline(0, t); return nil }

func (c *Conn) setDeadline(dir int, t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if dir == 1 {
		c.rd = t
	} else {
		c.wd = t
	}
	if op := c.ops[dir]; op != nil {
		op.timer.Reset(time.Until(c.effective(t)))
	}
}

func (c *Conn) effective(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now().Add(c.timeout)
	}
	return t
}

// begin starts a transfer in direction dir (0 write, 1 read) with a
// context that ends at the deadline or Close.
func (c *Conn) begin(dir int) (context.Context, func(), error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, nil, transport.ErrClosed
	}
	t := c.wd
	if dir == 1 {
		t = c.rd
	}
	ctx, cancel := context.WithCancel(c.base)
	op := &inflight{cancel: cancel, timer: time.AfterFunc(time.Until(c.effective(t)), cancel)}
	c.ops[dir] = op
	c.wg.Add(1)
	end := func() {
		c.mu.Lock()
		op.timer.Stop()
		c.ops[dir] = nil
		c.mu.Unlock()
		cancel()
		c.wg.Done()
	}
	return ctx, end, nil
}

// failure classifies a transfer error: ended by Close, by the deadline, or
// by the device.
func (c *Conn) failure(ctx context.Context, err error) error {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	switch {
	case closed:
		return transport.ErrClosed
	case ctx.Err() != nil:
		return fmt.Errorf("%w: %w", transport.ErrTimeout, err)
	}
	return classify(err)
}

// Write sends p on the bulk OUT endpoint in chunks of max-size packets,
// each bounded by the deadline or the timeout. On an error the count says
// how much the printer took.
func (c *Conn) Write(p []byte) (int, error) {
	sent := 0
	for sent < len(p) {
		ctx, end, err := c.begin(0)
		if err != nil {
			return sent, fmt.Errorf("%s: write: %w", c.name, err)
		}
		n, err := c.h.BulkWrite(ctx, c.out.Address, p[sent:min(sent+c.chunk, len(p))])
		if err != nil {
			err = c.failure(ctx, err)
		}
		end()
		sent += n
		if err != nil {
			return sent, fmt.Errorf("%s: write: %w", c.name, err)
		}
	}
	return sent, nil
}

// Read reads status bytes from the bulk IN endpoint. Transfers are whole
// packets, so bytes beyond len(p) are kept for the next Read. A printer
// without a bulk IN endpoint reports ErrUnsupported.
func (c *Conn) Read(p []byte) (int, error) {
	if c.in.Address == 0 {
		return 0, fmt.Errorf("%s: read: %w: the printer has no bulk IN endpoint", c.name, transport.ErrUnsupported)
	}
	if len(p) == 0 {
		return 0, nil
	}
	c.rmu.Lock()
	defer c.rmu.Unlock()
	start := time.Now()
	for len(c.rest) == 0 {
		if time.Since(start) > c.timeout {
			// Only empty packets came: as good as none.
			return 0, fmt.Errorf("%s: read: %w", c.name, transport.ErrTimeout)
		}
		ctx, end, err := c.begin(1)
		if err != nil {
			return 0, fmt.Errorf("%s: read: %w", c.name, err)
		}
		if c.rbuf == nil {
			c.rbuf = make([]byte, max(c.in.MaxPacket, 8))
		}
		n, err := c.h.BulkRead(ctx, c.in.Address, c.rbuf)
		if err != nil {
			err = c.failure(ctx, err)
		}
		end()
		c.rest = c.rbuf[:n]
		if err != nil && n == 0 {
			return 0, fmt.Errorf("%s: read: %w", c.name, err)
		}
		// An empty packet (a zero-length status) is no answer: read again.
	}
	n := copy(p, c.rest)
	c.rest = c.rest[n:]
	return n, nil
}

// Close aborts transfers in progress, waits for them to end, gives the
// interface back (reattaching usblp) and closes the device.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return fmt.Errorf("%s: close: %w", c.name, transport.ErrClosed)
	}
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait() // libusb must not free a device with transfers pending
	err := c.h.Close()
	if c.backend != nil {
		err = errors.Join(err, c.backend.Close())
	}
	if err != nil {
		return fmt.Errorf("%s: close: %w", c.name, err)
	}
	return nil
}
