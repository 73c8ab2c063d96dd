// Package usb talks to USB receipt printers through libusb (gousb). The
// device logic — choosing the printer, its interface and bulk endpoints,
// chunking, timeouts and error advice — is pure Go over a small seam
// (Backend) so it is tested without hardware; the gousb backend is compiled
// only with `-tags usb` and cgo, keeping the rest of the project cgo-free.
package usb

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/secuprint/receipt/transport"
)

// DefaultTimeout bounds each bulk transfer when no deadline is set.
const DefaultTimeout = 5 * time.Second

// UdevRule is the file that grants access to printers (docs/udev).
const UdevRule = "docs/udev/60-receipt-printers.rules"

// ClassPrinter is the USB printer device class.
const ClassPrinter = 7

// Backend is the seam to libusb: enumerate, open, claim, transfer.
type Backend interface {
	// Devices describes every attached device (strings may be empty when
	// the device cannot be opened to read them).
	Devices() ([]Device, error)
	// Open opens dev and claims interface (config, iface, alt), detaching a
	// kernel driver (usblp) first.
	Open(dev Device, config, iface, alt int) (Handle, error)
	Close() error
}

// Handle is a claimed interface.
type Handle interface {
	Write(ctx context.Context, ep uint8, p []byte) (int, error)
	Read(ctx context.Context, ep uint8, p []byte) (int, error)
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

// Vendors are USB vendors known to make ESC/POS printers; a device of theirs
// is listed even when it does not declare the printer class.
var Vendors = map[uint16]string{
	0x04b8: "Seiko Epson",
	0x0519: "Star Micronics",
	0x1d90: "Citizen",
	0x2730: "Citizen",
	0x1504: "Bixolon",
	0x0dd4: "Custom Engineering",
	0x154f: "SNBC",
	0x0fe6: "ICS Advent (generic)",
	0x0416: "Winbond (generic)",
	0x0483: "STMicroelectronics (generic)",
	0x28e9: "GigaDevice (generic)",
	0x1fc9: "NXP (generic)",
	0x6868: "Zjiang (generic)",
	0x20d1: "Rongta",
	0x0525: "Netchip (generic)",
}

// Info is a printer found on the bus.
type Info struct {
	VID, PID     uint16
	Vendor       string // from the table above when the device does not say
	Manufacturer string
	Product      string
	Serial       string
	Bus, Address int
	Addr         string // the address to print to, usb://vvvv:pppp[?serial=…]
}

func isPrinter(d Device) bool {
	if d.Class == ClassPrinter {
		return true
	}
	if _, ok := Vendors[d.VID]; ok {
		return true
	}
	for _, c := range d.Configs {
		for _, i := range c.Interfaces {
			if i.Class == ClassPrinter {
				return true
			}
		}
	}
	return false
}

// ListWith lists the printers a backend sees.
func ListWith(b Backend) ([]Info, error) {
	devs, err := b.Devices()
	if err != nil {
		return nil, fmt.Errorf("usb: %w", err)
	}
	var out []Info
	same := map[[2]uint16]int{}
	for _, d := range devs {
		if isPrinter(d) {
			same[[2]uint16{d.VID, d.PID}]++
		}
	}
	for _, d := range devs {
		if !isPrinter(d) {
			continue
		}
		a := transport.USBAddress{VID: d.VID, PID: d.PID}
		if same[[2]uint16{d.VID, d.PID}] > 1 {
			if d.Serial != "" {
				a.Serial = d.Serial
			} else {
				a.Bus, a.Addr = d.Bus, d.Address
			}
		}
		out = append(out, Info{VID: d.VID, PID: d.PID, Vendor: Vendors[d.VID], Manufacturer: d.Manufacturer,
			Product: d.Product, Serial: d.Serial, Bus: d.Bus, Address: d.Address, Addr: a.String()})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Bus != out[j].Bus {
			return out[i].Bus < out[j].Bus
		}
		return out[i].Address < out[j].Address
	})
	return out, nil
}

// List lists attached USB printers (needs the usb build tag).
func List() ([]Info, error) {
	b, err := NewBackend()
	if err != nil {
		return nil, err
	}
	defer b.Close()
	return ListWith(b)
}

// Open opens the printer at a (needs the usb build tag).
func Open(a transport.USBAddress) (*Conn, error) {
	b, err := NewBackend()
	if err != nil {
		return nil, err
	}
	c, err := OpenWith(b, a)
	if err != nil {
		b.Close()
		return nil, err
	}
	c.backend = b
	return c, nil
}

// OpenWith opens the printer at a through backend b.
func OpenWith(b Backend, a transport.USBAddress) (*Conn, error) {
	name := a.String()
	devs, err := b.Devices()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var match []Device
	for _, d := range devs {
		if d.VID == a.VID && d.PID == a.PID && (a.Serial == "" || a.Serial == d.Serial) &&
			(a.Bus == 0 || a.Bus == d.Bus) && (a.Addr == 0 || a.Addr == d.Address) {
			match = append(match, d)
		}
	}
	switch len(match) {
	case 0:
		return nil, fmt.Errorf("%s: %w: no attached device has this ID (see 'receipt printers')", name, transport.ErrNotFound)
	case 1:
	default:
		var which []string
		for _, d := range match {
			which = append(which, "serial="+strconv.Quote(d.Serial)+" bus="+strconv.Itoa(d.Bus)+" addr="+strconv.Itoa(d.Address))
		}
		return nil, fmt.Errorf("%s: %w: %v; add ?serial=… or ?bus=…&addr=…", name, transport.ErrAmbiguous, which)
	}
	d := match[0]
	cfg, intf, out, in, ok := pickEndpoints(d)
	if !ok {
		return nil, fmt.Errorf("%s: %w: the device has no interface with a bulk OUT endpoint", name, transport.ErrNotFound)
	}
	h, err := b.Open(d, cfg, intf.Number, intf.Alt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, advise(err))
	}
	timeout := a.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Conn{h: h, name: name, out: out, in: in, timeout: timeout, chunk: max(out.MaxPacket, 8) * 64}, nil
}

// pickEndpoints prefers the printer-class interface; cheap printers often
// use a vendor-specific one, so any interface with bulk OUT will do.
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

// advise turns libusb failures into what to do about them.
func advise(err error) error {
	switch {
	case errors.Is(err, transport.ErrAccessDenied):
		return fmt.Errorf("%w; install %s into /etc/udev/rules.d/ and run 'udevadm control --reload && udevadm trigger' (then re-plug the printer)", err, UdevRule)
	case errors.Is(err, transport.ErrBusy):
		return fmt.Errorf("%w; another program or the kernel's usblp driver holds it (stop the other program, or 'rmmod usblp')", err)
	}
	return err
}

// Conn is a claimed USB printer.
type Conn struct {
	h       Handle
	backend Backend
	name    string
	out, in Endpoint
	timeout time.Duration
	chunk   int

	mu     sync.Mutex
	rd, wd time.Time
	closed bool
}

// Name is the printer's address.
func (c *Conn) Name() string { return c.name }

// SetReadDeadline sets an absolute read deadline (zero: per-transfer timeout).
func (c *Conn) SetReadDeadline(t time.Time) error { c.mu.Lock(); c.rd = t; c.mu.Unlock(); return nil }

// SetWriteDeadline sets an absolute write deadline (zero: per-chunk timeout).
func (c *Conn) SetWriteDeadline(t time.Time) error { c.mu.Lock(); c.wd = t; c.mu.Unlock(); return nil }

func (c *Conn) ctx(read bool) (context.Context, context.CancelFunc, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, nil, transport.ErrClosed
	}
	dl := c.wd
	if read {
		dl = c.rd
	}
	if dl.IsZero() {
		dl = time.Now().Add(c.timeout)
	}
	ctx, cancel := context.WithDeadline(context.Background(), dl)
	return ctx, cancel, nil
}

// Write sends p on the bulk OUT endpoint in chunks, each bounded by the
// timeout or the deadline.
func (c *Conn) Write(p []byte) (int, error) {
	sent := 0
	for sent < len(p) {
		ctx, cancel, err := c.ctx(false)
		if err != nil {
			return sent, fmt.Errorf("%s: write: %w", c.name, err)
		}
		end := min(sent+c.chunk, len(p))
		n, err := c.h.Write(ctx, c.out.Address, p[sent:end])
		cancel()
		sent += n
		if err != nil {
			return sent, fmt.Errorf("%s: write: %w", c.name, err)
		}
	}
	return sent, nil
}

// Read reads status from the bulk IN endpoint.
func (c *Conn) Read(p []byte) (int, error) {
	if c.in.Address == 0 {
		return 0, fmt.Errorf("%s: read: %w: the printer has no bulk IN endpoint", c.name, transport.ErrUnsupported)
	}
	ctx, cancel, err := c.ctx(true)
	if err != nil {
		return 0, fmt.Errorf("%s: read: %w", c.name, err)
	}
	defer cancel()
	// Bulk IN transfers are whole packets: read into one and copy.
	buf := p
	if len(buf) < c.in.MaxPacket {
		buf = make([]byte, c.in.MaxPacket)
	}
	n, err := c.h.Read(ctx, c.in.Address, buf)
	if n > len(p) {
		n = len(p) // the rest of a short status packet is lost, as with usblp
	}
	copy(p, buf[:n])
	if err != nil {
		return n, fmt.Errorf("%s: read: %w", c.name, err)
	}
	return n, nil
}

// Close releases the interface and the backend.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	err := c.h.Close()
	if c.backend != nil {
		err = errors.Join(err, c.backend.Close())
	}
	if err != nil {
		return fmt.Errorf("%s: %w", c.name, err)
	}
	return nil
}

var _ transport.Conn = (*Conn)(nil)
