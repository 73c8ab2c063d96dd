//go:build usb && cgo

package usb

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/google/gousb"

	"github.com/secuprint/receipt/transport"
)

// libusb is the Backend over gousb.
type libusb struct{ ctx *gousb.Context }

// NewBackend opens libusb. gousb panics when libusb cannot start (no
// usbfs, say); that becomes an error here.
func NewBackend() (b Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("usb: %w: libusb failed to start: %v", transport.ErrUnsupported, r)
		}
	}()
	return &libusb{ctx: gousb.NewContext()}, nil
}

func (l *libusb) Close() error { return fromGousb(l.ctx.Close()) }

// descriptor copies a gousb descriptor, endpoints in address order (gousb
// keeps them in a map).
func descriptor(desc *gousb.DeviceDesc) Device {
	d := Device{Bus: desc.Bus, Address: desc.Address, VID: uint16(desc.Vendor), PID: uint16(desc.Product), Class: uint8(desc.Class)}
	cfgs := make([]int, 0, len(desc.Configs))
	for n := range desc.Configs {
		cfgs = append(cfgs, n)
	}
	slices.Sort(cfgs)
	for _, n := range cfgs {
		c := desc.Configs[n]
		cfg := Config{Number: c.Number}
		for _, i := range c.Interfaces {
			for _, s := range i.AltSettings {
				intf := Interface{Number: s.Number, Alt: s.Alternate, Class: uint8(s.Class)}
				for _, e := range s.Endpoints {
					intf.Endpoints = append(intf.Endpoints, Endpoint{Address: uint8(e.Address),
						Bulk: e.TransferType == gousb.TransferTypeBulk, MaxPacket: e.MaxPacketSize})
				}
				slices.SortFunc(intf.Endpoints, func(a, b Endpoint) int { return int(a.Address) - int(b.Address) })
				cfg.Interfaces = append(cfg.Interfaces, intf)
			}
		}
		d.Configs = append(d.Configs, cfg)
	}
	return d
}

func (l *libusb) Devices() ([]Device, error) {
	var out []Device
	devs, err := l.ctx.OpenDevices(func(desc *gousb.DeviceDesc) bool {
		d := descriptor(desc)
		out = append(out, d)
		return isCandidate(d) // open printers only, to read their strings
	})
	for _, dev := range devs {
		for i := range out {
			if out[i].Bus == dev.Desc.Bus && out[i].Address == dev.Desc.Address {
				// Strings are a courtesy: a device that will not say keeps
				// them empty.
				out[i].Manufacturer, _ = dev.Manufacturer()
				out[i].Product, _ = dev.Product()
				out[i].Serial, _ = dev.SerialNumber()
			}
		}
		dev.Close()
	}
	// OpenDevices reports the last device it could not open (usually no
	// permission) next to the ones it could: not a listing failure.
	if err != nil && out == nil {
		return nil, fromGousb(err)
	}
	return out, nil
}

func (l *libusb) Open(d Device) (Handle, error) {
	devs, err := l.ctx.OpenDevices(func(desc *gousb.DeviceDesc) bool {
		return desc.Bus == d.Bus && desc.Address == d.Address
	})
	if len(devs) == 0 {
		if err == nil {
			err = ErrorNotFound // unplugged since it was listed
		}
		return nil, fromGousb(err)
	}
	for _, extra := range devs[1:] {
		extra.Close()
	}
	return &handle{dev: devs[0], outs: map[uint8]*gousb.OutEndpoint{}, ins: map[uint8]*gousb.InEndpoint{}}, nil
}

type handle struct {
	dev  *gousb.Device
	cfg  *gousb.Config
	intf *gousb.Interface
	outs map[uint8]*gousb.OutEndpoint
	ins  map[uint8]*gousb.InEndpoint
}

func (h *handle) SetAutoDetach(on bool) error { return fromGousb(h.dev.SetAutoDetach(on)) }

func (h *handle) Claim(config, iface, alt int) error {
	cfg, err := h.dev.Config(config)
	if err != nil {
		return fromGousb(err)
	}
	intf, err := cfg.Interface(iface, alt)
	if err != nil {
		cfg.Close()
		return fromGousb(err)
	}
	h.cfg, h.intf = cfg, intf
	return nil
}

// endpoints are looked up once each: Read and Write each use their own
// map, so concurrent Read and Write do not race.
func (h *handle) BulkWrite(ctx context.Context, ep uint8, p []byte) (int, error) {
	o, ok := h.outs[ep]
	if !ok {
		var err error
		if o, err = h.intf.OutEndpoint(int(ep & 0x0F)); err != nil {
			return 0, fromGousb(err)
		}
		h.outs[ep] = o
	}
	n, err := o.WriteContext(ctx, p)
	return n, fromGousb(err)
}

func (h *handle) BulkRead(ctx context.Context, ep uint8, p []byte) (int, error) {
	in, ok := h.ins[ep]
	if !ok {
		var err error
		if in, err = h.intf.InEndpoint(int(ep & 0x0F)); err != nil {
			return 0, fromGousb(err)
		}
		h.ins[ep] = in
	}
	n, err := in.ReadContext(ctx, p)
	return n, fromGousb(err)
}

func (h *handle) Close() error {
	var errs []error
	if h.intf != nil {
		h.intf.Close()
	}
	if h.cfg != nil {
		errs = append(errs, h.cfg.Close())
	}
	errs = append(errs, h.dev.Close())
	return fromGousb(errors.Join(errs...))
}

// fromGousb puts the pure Code or TransferStatus into gousb's errors, so
// classify sees them; messages gousb wrapped without %w still carry
// "[code N]", which classify reads.
func fromGousb(err error) error {
	var ge gousb.Error
	var ts gousb.TransferStatus
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ge):
		return fmt.Errorf("%w: %w", Code(ge), err)
	case errors.As(err, &ts):
		return fmt.Errorf("%w: %w", TransferStatus(ts), err)
	}
	return err
}
