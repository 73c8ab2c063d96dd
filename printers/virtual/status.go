package virtual

import (
	"encoding/hex"
	"strconv"

	"github.com/secuprint/receipt/escpos/decode"
)

// Status bytes as the Epson ESC/POS reference documents them (DLE EOT,
// GS r, GS a, GS I). A DLE EOT answer always has bits 1 and 4 set and bits
// 0 and 7 clear; the first ASB byte has bit 4 set and bits 0, 1 and 7
// clear; GS r and GS I answers have bits 4 and 7 clear — how a host tells
// them apart.
const (
	rtFixed  = 0x12 // DLE EOT: bits 1 and 4
	asbFixed = 0x10 // ASB first byte: bit 4

	xon  = 0x11
	xoff = 0x13
)

// GS a n event bits.
const (
	asbDrawer = 1 << 0
	asbOnline = 1 << 1
	asbError  = 1 << 2
	asbPaper  = 1 << 3
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
// reports (DLE EOT 4, GS r 1, the ASB, Star's ASB): at paper end the
// near-end sensor sees no paper either, so end implies near end.
func (d *Device) paperLocked() (nearEnd, end bool) {
	return d.faults[PaperNearEnd] || d.faults[PaperEnd], d.faults[PaperEnd]
}

// realtimeStatusLocked is the answer to DLE EOT n, 1 ≤ n ≤ 4.
func (d *Device) realtimeStatusLocked(n int) byte {
	b := byte(rtFixed)
	switch n {
	case 1: // printer status; bit 2 (drawer pin 3) stays low
		if d.offlineLocked() {
			b |= 0x08
		}
	case 2: // offline cause
		if d.faults[CoverOpen] {
			b |= 0x04
		}
		if d.faults[PaperEnd] {
			b |= 0x20 // printing stopped by paper end
		}
		if d.faults[AutocutterError] {
			b |= 0x40 // error occurred
		}
	case 3: // error cause
		if d.faults[AutocutterError] {
			b |= 0x08
		}
	case 4: // roll paper sensors: near end bits 2–3, end bits 5–6
		near, end := d.paperLocked()
		if near {
			b |= 0x0C
		}
		if end {
			b |= 0x60
		}
	}
	return b
}

// paperSensorLocked is the GS r 1 answer: near end bits 0–1, end bits 2–3.
func (d *Device) paperSensorLocked() byte {
	var b byte
	near, end := d.paperLocked()
	if near {
		b |= 0x03
	}
	if end {
		b |= 0x0C
	}
	return b
}

// asbPacketLocked is the 4-byte Automatic Status Back packet.
func (d *Device) asbPacketLocked() [4]byte {
	p := [4]byte{asbFixed, 0, 0, 0}
	if d.offlineLocked() {
		p[0] |= 0x08
	}
	if d.faults[CoverOpen] {
		p[0] |= 0x20
	}
	if d.faults[AutocutterError] {
		p[1] |= 0x08
	}
	near, end := d.paperLocked()
	if near {
		p[2] |= 0x03
	}
	if end {
		p[2] |= 0x0C
	}
	return p
}

// asbMask is the part of an ASB packet each GS a event bit watches.
func asbMask(n uint8) [4]byte {
	var m [4]byte
	if n&asbDrawer != 0 {
		m[0] |= 0x04
	}
	if n&asbOnline != 0 {
		m[0] |= 0x68 // offline, cover, feed button
		m[1] |= 0x01 // waiting for online recovery
	}
	if n&asbError != 0 {
		m[1] |= 0x6C
	}
	if n&asbPaper != 0 {
		m[2] |= 0x0F
	}
	return m
}

// asbChangedLocked sends the ASB packet when a watched bit differs from
// before.
func (d *Device) asbChangedLocked(before [4]byte) {
	if d.asb == 0 {
		return
	}
	now, m := d.asbPacketLocked(), asbMask(d.asb)
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
	info := func(s string) []byte {
		// Header 0x5F, printable ASCII, NUL: profile text never carries
		// control bytes to the host.
		b := append(make([]byte, 0, len(s)+2), '_')
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c < 0x20 || c >= 0x7F {
				c = '?'
			}
			b = append(b, c)
		}
		return append(b, 0)
	}
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
