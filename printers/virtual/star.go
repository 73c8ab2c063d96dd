package virtual

import (
	"encoding/hex"
	"strconv"
	"time"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/escpos/star"
)

// A virtual printer whose profile speaks a Star language (StarPRNT, Star
// Line Mode, Star Graphic) reads Star commands: it answers ESC ACK SOH with
// an automatic status (ASB) at once, answers ETB with an ASB once what came
// before it has printed (counting the ETB counter up), and prints the rest
// through star.Translator as the ESC/POS the paper engine draws. Faults act
// as on the Epson path: printing holds, and the ASB says why.

// starASBVersion is the ASB version header 2 carries (bits 1–3, and 5
// from 8 on; Star's "automatic status version and header 2" table:
// version 3 is 0x06, 6 is 0x0C). Hosts such as receipt-printer-status tell
// the language by it: StarPRNT models (mC-Print3, TSP100IV) report 6, Star
// Line and Star Graphic ones 3 (issue 23, from those models' answers).
// Every version from 3 on has the nine bytes modelled here.
func starASBVersion(p *escpos.Profile) byte {
	if p != nil && p.Language == escpos.LanguageStarPRNT {
		return 6
	}
	return 3
}

// starASBLocked is the 9-byte ASB of the device's state, as star.DecodeASB
// reads it.
func (d *Device) starASBLocked(etbExecuted bool) []byte {
	return star.AppendASB(nil, star.ASB{Status: d.statusLocked(), Version: int(starASBVersion(d.opt.Profile)), ETBExecuted: etbExecuted, ETBCounter: d.etb, HasETB: true})
}

// starEnqEOTLocked is the answer to ENQ (bit 5 data in the receive buffer,
// 3 paper end, 2 mechanical error — the autocutter here; 7 the drawer
// switch, 6 overflow, 1–0 serial errors stay 0) or EOT (bit 4 fixed, 3
// paper end, 2 near end, 1 black mark error stays 0).
func (d *Device) starEnqEOTLocked(enq bool) byte {
	near, end := d.paperLocked()
	if !enq {
		b := byte(0x10)
		if end {
			b |= 0x08
		}
		if near {
			b |= 0x04
		}
		return b
	}
	var b byte
	if d.used > 0 {
		b |= 0x20
	}
	if end {
		b |= 0x08
	}
	if d.faults[AutocutterError] {
		b |= 0x04
	}
	return b
}

// starASBChangedLocked sends Star's ASB to every open link when ESC RS a
// enabled it and the status differs from before.
func (d *Device) starASBChangedLocked(before []byte) {
	if !d.starASB || !d.opt.Profile.SpeaksStar() || len(d.links) == 0 {
		return
	}
	now := d.starASBLocked(false)
	if string(now) == string(before) {
		return
	}
	d.event(nil, "ASB "+hex.EncodeToString(now))
	for l := range d.links {
		l.send(now)
	}
}

// takeStar is take for a Star stream.
func (d *Device) takeStar(l *link, dec *star.Decoder, tr *star.Translator, buf []byte, start, n int) (off, end int) {
	a := arrival{at: time.Now()}
	defer a.tell() // after the unlock below
	d.mu.Lock()
	defer d.mu.Unlock()
	a.hook = d.onRxTicket
	begin := func() { d.beginLocked(&a) }
	end = start + d.acceptLocked(n)
	var run []byte // translated commands that only print
	flush := func() {
		run = tr.Flush(run)
		if len(run) > 0 {
			l.held.push(job{op: decode.OpText, arg: -1, raw: run, from: l})
			run = nil
		}
	}
	for off < end {
		c, m := dec.Next(buf[off:end])
		if m == 0 {
			break // the command continues in the next read
		}
		off += m
		switch c.Name {
		case "ESC ACK SOH":
			flush()
			b := d.starASBLocked(false)
			l.send(b)
			d.event(l, "ESC ACK SOH -> "+hex.EncodeToString(b))
		case "ENQ", "EOT":
			// One status byte at once, as Star's command specifications'
			// appendix (5-1-1 ENQ, 5-1-2 EOT command status) lays out.
			b := d.starEnqEOTLocked(c.Name == "ENQ")
			l.send([]byte{b})
			d.event(l, c.Name+" -> "+hex.EncodeToString([]byte{b}))
		case "ESC RS a":
			// Automatic status: n = 0 off, else sent on every change of
			// status (Star's n also picks NSB and ETB reporting, which
			// this model does not tell apart).
			flush()
			d.starASB = c.Args[0]%48 != 0
			state := "off"
			if d.starASB {
				state = "on"
			}
			d.event(l, "ESC RS a "+strconv.Itoa(int(c.Args[0]))+": ASB "+state)
		case "ESC # *":
			flush()
			d.starVersionLocked(l)
		case "ETB":
			flush()
			l.held.push(job{op: decode.OpNUL, arg: -1, etb: true, from: l})
		case "ESC d", "ESC FF EOT", "ESC FF NUL":
			flush()
			p := tr.Append(nil, &c)
			if len(p) >= 3 && p[0] == 0x1D && p[1] == 'V' {
				begin()
				d.rxOpen = false
				l.held.push(job{op: decode.OpCut, arg: int(p[2]), raw: p, from: l})
			} else if len(p) > 0 {
				begin()
				l.held.push(job{op: decode.OpText, arg: -1, raw: p, from: l}) // an EOT mode without cut feeds
			}
		case "BEL", "SUB":
			flush()
			begin()
			l.held.push(job{op: decode.OpPulse, arg: 0, raw: tr.Append(nil, &c), from: l})
		default:
			if p := tr.Append(nil, &c); len(p) > 0 {
				begin()
				run = append(run, p...)
			}
		}
	}
	flush()
	d.changed()
	return off, end
}
