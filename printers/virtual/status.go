package virtual

import (
	"encoding/hex"
	"strconv"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
)

// Flow-control bytes the printer sends on a serial link.
const (
	xon  = 0x11
	xoff = 0x13
)

// stoppedLocked reports whether printing is held.
func (d *Device) stoppedLocked() bool {
	return d.stalled || d.faults[PaperEnd] || d.faults[CoverOpen] || d.faults[Offline] || d.faults[AutocutterError]
}

// offlineLocked is the printer's own idea of offline (a stall is a hang,
// not a state it reports).
func (d *Device) offlineLocked() bool {
	return d.faults[PaperEnd] || d.faults[CoverOpen] || d.faults[Offline] || d.faults[AutocutterError]
}

// paperLocked is the one model of the roll's two sensors every status path
// reports (DLE EOT 4, GS r 1, the ASB, Star's ASB and EOT): at paper end
// the near-end sensor sees no paper either, so end implies near end.
func (d *Device) paperLocked() (nearEnd, end bool) {
	return d.faults[PaperNearEnd] || d.faults[PaperEnd], d.faults[PaperEnd]
}

// statusLocked is the device's state as its status answers report it; the
// bytes come from escpos's status codec (and escpos/star's for a Star
// profile), the one the driver decodes them with.
func (d *Device) statusLocked() escpos.Status {
	near, end := d.paperLocked()
	return escpos.Status{
		Online:          !d.offlineLocked(),
		CoverOpen:       d.faults[CoverOpen],
		PaperEnd:        end,
		PaperNearEnd:    near,
		AutocutterError: d.faults[AutocutterError],
		Error:           d.faults[AutocutterError],
	}
}

// realtimeStatusLocked is the answer to DLE EOT n, 1 ≤ n ≤ 4.
func (d *Device) realtimeStatusLocked(n int) byte {
	return escpos.RealtimeStatus(d.statusLocked(), escpos.StatusKind(n))
}

// asbPacketLocked is the 4-byte Automatic Status Back packet.
func (d *Device) asbPacketLocked() [4]byte { return escpos.ASBPacket(d.statusLocked()) }

// asbChangedLocked sends the ASB packet when a watched bit differs from
// before.
func (d *Device) asbChangedLocked(before [4]byte) {
	if d.asb == 0 {
		return
	}
	now, m := d.asbPacketLocked(), escpos.ASBWatch(escpos.ASB(d.asb))
	for i := range now {
		if (now[i]^before[i])&m[i] != 0 {
			d.sendASBLocked(now)
			return
		}
	}
}

// sendASBLocked sends p to every open link: the printer does not know which
// host is listening.
func (d *Device) sendASBLocked(p [4]byte) {
	if len(d.links) == 0 {
		return
	}
	d.event(nil, "ASB "+hex.EncodeToString(p[:]))
	for l := range d.links {
		l.send(p[:])
	}
}

// printerID is the answer to GS I n, nil for an n it does not know.
func (d *Device) printerID(n int) []byte {
	p := d.opt.Profile
	info := idText // profile text never carries control bytes to the host
	switch n {
	case 1, 49: // printer model ID
		return []byte{0x20}
	case 2, 50: // type ID: bit 1 autocutter fitted
		if p == nil || p.Features.PaperFullCut || p.Features.PaperPartCut {
			return []byte{0x02}
		}
		return []byte{0x00}
	case 3, 51: // ROM version ID
		return []byte{0x40}
	case 65: // firmware version
		return info("1.00 virtual")
	case 66: // maker
		if p != nil && p.Vendor != "" {
			return info(p.Vendor)
		}
		return info("virtual")
	case 67: // model
		if p != nil && p.Name != "" {
			return info(p.Name)
		}
		return info("virtual")
	case 68: // serial number
		return info("0000000001")
	case 69: // character set: the table in slot 0
		if p != nil && len(p.CodePages) > 0 {
			return info(p.CodePages[0].Encoding)
		}
		return info("CP437")
	}
	return nil
}

// realtimeLocked answers DLE EOT n, DLE ENQ n and DLE DC4 fn at once.
func (d *Device) realtimeLocked(l *link, c *decode.Command) {
	n := c.Arg(0)
	switch c.Op {
	case decode.OpRealtimeStatus:
		if n < 1 || n > 4 {
			d.event(l, "DLE EOT "+strconv.Itoa(n)+": not answered")
			return
		}
		b := d.realtimeStatusLocked(n)
		if d.wrong >= 0 {
			b = byte(d.wrong)
			if d.wrongOnce {
				d.wrong, d.wrongOnce = -1, false
			}
		}
		l.send([]byte{b})
		d.event(l, "DLE EOT "+strconv.Itoa(n)+" -> "+hex.EncodeToString([]byte{b}))
	case decode.OpRealtimeRequest:
		// DLE ENQ 1 recovers from a recoverable error and goes on; 2 also
		// clears the receive buffer. Without such an error it is ignored.
		if !d.faults[AutocutterError] || (n != 1 && n != 2) {
			d.event(l, "DLE ENQ "+strconv.Itoa(n)+": ignored")
			return
		}
		d.event(l, "DLE ENQ "+strconv.Itoa(n)+": recover")
		if n == 2 {
			d.clearBufferLocked(l)
		}
		d.setFaultLocked(l, AutocutterError, false)
	case decode.OpRealtimeCommand:
		switch c.Name {
		case "DLE DC4 1":
			d.event(l, "DLE DC4 1: drawer pulse on pin "+strconv.Itoa(decode.DrawerPin(c.Arg(0)))+", "+strconv.Itoa(c.Arg(1)*100)+" ms")
		case "DLE DC4 7":
			// Transmit specified status in real time: m = 1 is the basic
			// ASB status, sent now whatever GS a says (and however the
			// engine is held); other m are not modelled.
			if n != 1 {
				d.event(l, "DLE DC4 7 "+strconv.Itoa(n)+": ignored")
				return
			}
			p := d.asbPacketLocked()
			l.send(p[:])
			d.event(l, "DLE DC4 7 1 -> "+hex.EncodeToString(p[:]))
		default:
			d.event(l, c.Name+": ignored")
		}
	}
}

// clearBufferLocked drops the data in the receive buffer; a hung-up link's
// tear-off mark stays.
func (d *Device) clearBufferLocked(l *link) {
	var kept fifo
	dropped := 0
	for d.queue.len() > 0 {
		j := d.queue.pop()
		if j.tear {
			kept.push(j)
			continue
		}
		dropped += len(j.raw)
		j.from.queued -= len(j.raw)
	}
	d.queue = kept
	d.used -= dropped
	d.releaseLocked()
	d.event(l, "cleared "+strconv.Itoa(dropped)+" buffered bytes")
	d.flowLocked()
	d.changed()
}
