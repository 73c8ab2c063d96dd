//go:build usb && cgo

package usb

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/gousb"

	"github.com/secuprint/receipt/transport"
)

// libusb is the Backend over gousb.
type libusb struct{ ctx *gousb.Context }

// NewBackend opens libusb.
func NewBackend() (Backend, error) { return &libusb{ctx: gousb.NewContext()}, nil }

func (l *libusb) Close() error { return l.ctx.Close() }

func (l *libusb) Devices() ([]Device, error) {
	var out []Device
	devs, err := l.ctx.OpenDevices(func(desc *gousb.DeviceDesc) bool {
		d := Device{Bus: desc.Bus, Address: desc.Address, VID: uint16(desc.Vendor), PID: uint16(desc.Product), Class: uint8(desc.Class)}
		for _, c := range desc.Configs {
			cfg := Config{Number: c.Number}
			for _, i := range c.Interfaces {
				for _, s := range i.AltSettings {
					intf := Interface{Number: s.Number, Alt: s.Alternate, Class: uint8(s.Class)}
					for _, e := range s.Endpoints {
						intf.Endpoints = append(intf.Endpoints, Endpoint{Address: uint8(e.Address),
							Bulk: e.TransferType == gousb.TransferTypeBulk, MaxPacket: e.MaxPacketSize})
					}
					cfg.Interfaces = append(cfg.Interfaces, intf)
				}
			}
			d.Configs = append(d.Configs, cfg)
		}
		out = append(out, d)
		// Open printers only, to read their strings.
		return isPrinter(d)
	})
	// OpenDevices reports devices it could not open (access) alongside the
	// ones it did: strings then stay empty, which is not a listing error.
	for _, dev := range devs {
		desc := dev.Desc
		for i := range out {
			if out[i].Bus == desc.Bus && out[i].Address == desc.Address {
				out[i].Manufacturer, _ = dev.Manufacturer()
				out[i].Product, _ = dev.Product()
				out[i].Serial, _ = dev.SerialNumber()
			}
		}
		dev.Close()
	}
	if err != nil && len(out) == 0 {
		return nil, mapError(err)
	}
	return out, nil
}

type handle struct {
	dev  *gousb.Device
	cfg  *gousb.Config
	intf *gousb.Interface
	outs map[uint8]*gousb.OutEndpoint
	ins  map[uint8]*gousb.InEndpoint
}

func (l *libusb) Open(d Device, config, iface, alt int) (Handle, error) {
	devs, err := l.ctx.OpenDevices(func(desc *gousb.DeviceDesc) bool {
		return desc.Bus == d.Bus && desc.Address == d.Address
	})
	if len(devs) == 0 {
		if err == nil {
			err = fmt.Errorf("%w: device went away", transport.ErrNotFound)
		}
		return nil, mapError(err)
	}
	dev := devs[0]
	for _, extra := range devs[1:] {
		extra.Close()
	}
	if err := dev.SetAutoDetach(true); err != nil {
		dev.Close()
		return nil, mapError(err)
	}
	cfg, err := dev.Config(config)
	if err != nil {
		dev.Close()
		return nil, mapError(err)
	}
	intf, err := cfg.Interface(iface, alt)
	if err != nil {
		cfg.Close()
		dev.Close()
		return nil, mapError(err)
	}
	return &handle{dev: dev, cfg: cfg, intf: intf, outs: map[uint8]*gousb.OutEndpoint{}, ins: map[uint8]*gousb.InEndpoint{}}, nil
}

func (h *handle) Write(ctx context.Context, ep uint8, p []byte) (int, error) {
	o, ok := h.outs[ep]
	if !ok {
		var err error
		if o, err = h.intf.OutEndpoint(int(ep & 0x0F)); err != nil {
			return 0, mapError(err)
		}
		h.outs[ep] = o
	}
	n, err := o.WriteContext(ctx, p)
	return n, mapError(err)
}

func (h *handle) Read(ctx context.Context, ep uint8, p []byte) (int, error) {
	in, ok := h.ins[ep]
	if !ok {
		var err error
		if in, err = h.intf.InEndpoint(int(ep & 0x0F)); err != nil {
			return 0, mapError(err)
		}
		h.ins[ep] = in
	}
	n, err := in.ReadContext(ctx, p)
	return n, mapError(err)
}

func (h *handle) Close() error {
	h.intf.Close()
	return errors.Join(h.cfg.Close(), h.dev.Close())
}

// mapError classifies libusb errors with the transport sentinels.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var ue gousb.Error
	var ts gousb.TransferStatus
	switch {
	case errors.As(err, &ue):
		switch ue {
		case gousb.ErrorAccess:
			return fmt.Errorf("%w: %w", transport.ErrAccessDenied, err)
		case gousb.ErrorBusy:
			return fmt.Errorf("%w: %w", transport.ErrBusy, err)
		case gousb.ErrorNoDevice, gousb.ErrorNotFound:
			return fmt.Errorf("%w: %w", transport.ErrDisconnected, err)
		case gousb.ErrorTimeout:
			return fmt.Errorf("%w: %w", transport.ErrTimeout, err)
		}
	case errors.As(err, &ts):
		switch ts {
		case gousb.TransferTimedOut, gousb.TransferCancelled:
			return fmt.Errorf("%w: %w", transport.ErrTimeout, err)
		case gousb.TransferNoDevice:
			return fmt.Errorf("%w: %w", transport.ErrDisconnected, err)
		}
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: %w", transport.ErrTimeout, err)
	}
	return err
}
