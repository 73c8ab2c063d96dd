package printers

import (
	"context"
	"fmt"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/transport"
	"github.com/secuprint/receipt/transport/usb"
)

// Identification is an identity with the profile chosen for it.
type Identification struct {
	Address  string          `json:"address"`
	Identity Identity        `json:"identity"`
	Profile  *escpos.Profile `json:"-"`
	Match    Match           `json:"match"`
	// Err is why the printer said nothing (it may still have been matched
	// by its USB strings); nil when it answered.
	Err error `json:"-"`
}

// IdentifyAddress connects to the printer at address only to identify
// it, and chooses its profile. USB strings are read from the bus first,
// without claiming the printer interface. model is the profile the
// built-in virtual printer plays (virtual://?model= wins); other links
// ignore it. A printer that answers nothing is no error: Err says so and
// Match names the fallback. Errors are for addresses that cannot be
// opened at all.
func IdentifyAddress(ctx context.Context, address string, model *escpos.Profile, opt IdentifyOptions) (Identification, error) {
	a, err := transport.ParseAddress(address)
	if err != nil {
		return Identification{}, err
	}
	res := Identification{Address: a.String()}
	var c transport.Conn
	if s, ok := registered(a.Kind); ok && s.Conn != nil {
		// The built-in virtual printer, when the program registered it.
		if c, err = s.Conn(ctx, a, model); err != nil {
			return res, err
		}
	} else {
		if a.Kind == transport.KindUSB && opt.USB == nil {
			opt.USB = usbIdentity(a.USB)
		}
		dial, err := dialerFor(a)
		if err != nil {
			return res, err
		}
		if c, err = dial(ctx); err != nil {
			if opt.USB == nil {
				return res, err
			}
			res.Err = err // the bus still named it
		}
	}
	if c != nil {
		defer c.Close()
		res.Identity, res.Err = Identify(ctx, c, opt)
	} else {
		res.Identity.USB = opt.USB
	}
	res.Profile, res.Match = ProfileFor(res.Identity)
	return res, nil
}

// usbIdentity finds the device a usb:// address names on the bus, from
// the descriptors alone; nil when it is not there or USB is not built in.
func usbIdentity(a transport.USBAddress) *USBIdentity {
	devs, err := usb.List()
	if err != nil {
		return nil
	}
	return USBIdentityOf(devs, a)
}

// USBIdentityOf picks the device a names from a bus listing.
func USBIdentityOf(devs []usb.DeviceInfo, a transport.USBAddress) *USBIdentity {
	for _, d := range devs {
		if d.VID != a.VID || d.PID != a.PID ||
			a.Serial != "" && d.Serial != a.Serial ||
			a.Bus != 0 && d.Bus != a.Bus || a.Addr != 0 && d.Device != a.Addr {
			continue
		}
		return &USBIdentity{VID: d.VID, PID: d.PID, Manufacturer: d.Manufacturer, Product: d.Product, Serial: d.Serial}
	}
	return nil
}

// ProfileForUSB chooses a profile from what the bus says alone, for
// listings that must not talk to the printer.
func ProfileForUSB(d usb.DeviceInfo) (*escpos.Profile, Match) {
	return ProfileFor(Identity{USB: &USBIdentity{VID: d.VID, PID: d.PID, Manufacturer: d.Manufacturer, Product: d.Product, Serial: d.Serial}})
}

// Summary is the identification in one line for people: what the printer
// said, and the profile chosen and why.
func (r Identification) Summary() string {
	s := r.Address + ": " + r.Identity.String()
	if r.Err != nil {
		s += " (" + r.Err.Error() + ")"
	}
	return fmt.Sprintf("%s -> profile %s (%s: %s)", s, r.Profile.ID, r.Match.Kind, r.Match.Reason)
}
