package virtual

import (
	"encoding/hex"
	"time"

	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/escpos/star"
)

// A virtual printer whose profile speaks a Star language (StarPRNT, Star
// Line Mode, Star Graphic) reads Star commands: it answers ESC ACK SOH with
// an automatic status (ASB) at once, answers ETB with an ASB once what came
// before it has printed (counting the ETB counter up), and prints the rest
// through star.Translator as the ESC/POS the paper engine draws. Faults act
// as on the Epson path: printing holds, and the ASB says why.

// starASBLocked is the 9-byte ASB (version 3) of the device's state, as
// star.DecodeASB reads it.
func (d *Device) starASBLocked(etbExecuted bool) []byte {
	return star.AppendASB(nil, star.ASB{Status: d.statusLocked(), ETBExecuted: etbExecuted, ETBCounter: d.etb, HasETB: true})
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
