package virtual

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/escpos/paper"
)

// engine is the print head: it takes commands from the buffer in order at
// print speed, waits while a fault holds printing, answers the in-sequence
// requests and cuts tickets.
func (d *Device) engine() {
	defer d.wg.Done()
	var due time.Time // when the bytes taken so far are printed, at Speed
	for {
		d.mu.Lock()
		for !d.closed && (d.queue.len() == 0 || d.stoppedLocked()) {
			d.cond.Wait()
		}
		if d.closed {
			d.mu.Unlock()
			return
		}
		j := d.queue.pop()
		d.atHead = true
		d.mu.Unlock()

		if d.opt.Speed > 0 && len(j.raw) > 0 {
			now := time.Now()
			if due.Before(now) {
				due = now
			}
			due = due.Add(time.Duration(len(j.raw)) * time.Second / time.Duration(d.opt.Speed))
			if !d.sleepUntil(due) {
				return
			}
		}

		d.mu.Lock()
		raw, cut := d.execLocked(j)
		d.used -= len(j.raw)
		d.processed += int64(len(j.raw))
		j.from.queued -= len(j.raw)
		d.releaseLocked()
		d.flowLocked()
		d.atHead = raw != nil // until the ticket's files are written and it is counted
		d.changed()
		d.mu.Unlock()
		if raw != nil {
			d.finishTicket(raw, cut)
			d.mu.Lock()
			d.atHead = false
			d.changed()
			d.mu.Unlock()
		}
	}
}

// releaseLocked lets the next link in once the owner's data printed and no
// ticket is open.
func (d *Device) releaseLocked() {
	if o := d.owner; o != nil && o.queued == 0 && o.held.len() == 0 && len(d.current) == 0 {
		d.owner = nil
	}
}

// sleepUntil waits for t; false when the device closed meanwhile.
func (d *Device) sleepUntil(t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-d.done:
		return false
	}
}

// execLocked executes one command at the print head. It returns the bytes
// of a ticket that ends here, and whether a cut ended it.
func (d *Device) execLocked(j job) (ticket []byte, cut bool) {
	if j.tear {
		if len(d.current) == 0 {
			return nil, false
		}
		ticket, d.current = d.current, nil
		return ticket, false
	}
	if j.etb {
		d.etb++
		b := d.starASBLocked(true)
		d.answerLocked(j.from, "ETB", b)
		return nil, false
	}
	if !j.bad {
		n := strconv.Itoa(j.arg)
		switch j.op {
		case decode.OpTransmitStatus:
			var b []byte
			switch j.arg {
			case 1, 49:
				b = []byte{escpos.PaperSensor(d.statusLocked())}
			case 2, 50:
				b = []byte{0x00} // drawer kick-out connector pin 3 low
			}
			d.answerLocked(j.from, "GS r "+n, b)
			return nil, false
		case decode.OpPrinterID:
			d.answerLocked(j.from, "GS I "+n, d.idAnswerLocked(j.arg))
			return nil, false
		case decode.OpGraphics:
			if j.arg == nvKeyListArg {
				d.answerLocked(j.from, "GS ( L 64", d.nvKeyListLocked())
				return nil, false
			}
		case decode.OpASB:
			d.asb = uint8(escpos.ASB(j.arg) & escpos.ASBAll)
			if d.asb == 0 {
				d.event(j.from, "GS a "+n+": ASB off")
				return nil, false
			}
			d.event(j.from, "GS a "+n+": ASB on")
			d.sendASBLocked(d.asbPacketLocked()) // the first status goes at once
			return nil, false
		case decode.OpPulse:
			d.event(j.from, pulseEvent(j.raw))
		case decode.OpBell:
			d.event(j.from, "BEL: drawer pulse")
		}
	}
	d.current = append(d.current, j.raw...)
	if !j.bad && (j.op == decode.OpCut || j.op == decode.OpLegacyCut) {
		ticket, d.current = d.current, nil
		return ticket, true
	}
	return nil, false
}

// pulseEvent describes ESC p m t1 t2 as the disassembler does: m 0/48 is
// pin 2, 1/49 pin 5; t1 and t2 count 2 ms.
func pulseEvent(raw []byte) string {
	m, on, off := int(raw[2]), int(raw[3]), int(raw[4])
	return "ESC p: drawer pulse on pin " + strconv.Itoa(decode.DrawerPin(m)) + ", " +
		strconv.Itoa(on*2) + " ms on, " + strconv.Itoa(off*2) + " ms off"
}

// answerLocked sends an in-sequence answer; nil means the request has no
// answer (an n the printer does not know).
func (d *Device) answerLocked(l *link, req string, b []byte) {
	if b == nil {
		d.event(l, req+": not answered")
		return
	}
	l.send(b)
	d.event(l, req+" -> "+hex.EncodeToString(b))
}

// finishTicket prints raw on paper, writes its files and records it. Only
// the engine calls it, so tickets are numbered in order; the lock is not
// held while rendering.
func (d *Device) finishTicket(raw []byte, cut bool) {
	// The same decoder, print engine and NV memory for every ticket: a
	// mode or a logo set by one job holds in the next, over any connection.
	res := d.press.Print(d.dec.DecodeAll(nil, raw))
	if err := d.saveNV(); err != nil {
		d.mu.Lock()
		d.errs = append(d.errs, err)
		d.event(nil, err.Error())
		d.mu.Unlock()
	}
	var pt *paper.Ticket
	if len(res.Tickets) > 0 {
		pt = res.Tickets[0]
	}
	if pt == nil {
		// No paper came out: nothing to tear off, and a cut of blank paper
		// (a bare trailing cut, LF CR after the cut) is no ticket.
		if cut {
			d.mu.Lock()
			d.event(nil, "cut with nothing printed since the last: no ticket, "+strconv.Itoa(len(raw))+" bytes")
			d.mu.Unlock()
		}
		return
	}
	d.mu.Lock()
	t := Ticket{Seq: len(d.tickets) + 1, Cut: cut, Raw: raw, Paper: pt}
	d.mu.Unlock()
	var werr error
	if d.opt.OutDir != "" {
		werr = d.writeTicket(t)
	}
	d.mu.Lock()
	if werr != nil {
		d.errs = append(d.errs, werr)
		d.event(nil, werr.Error())
	}
	d.tickets = append(d.tickets, t)
	how := "cut"
	if !cut {
		how = "torn off"
	}
	d.event(nil, "ticket "+strconv.Itoa(t.Seq)+" "+how+", "+strconv.Itoa(len(raw))+" bytes, "+
		plural(len(res.Problems), "problem"))
	// Each problem with its offset in the ticket's bytes and its reason, so
	// status.log says what went wrong; a bounded number of them.
	for i, pr := range res.Problems {
		if i == maxLoggedProblems {
			d.event(nil, "ticket "+strconv.Itoa(t.Seq)+": "+strconv.Itoa(len(res.Problems)-i)+" more problems not listed")
			break
		}
		d.event(nil, "ticket "+strconv.Itoa(t.Seq)+" problem: "+pr.String())
	}
	if f, ok := d.faultAt[t.Seq]; ok {
		delete(d.faultAt, t.Seq)
		d.setFaultLocked(nil, f, true)
	}
	onTicket := d.onTicket
	d.changed()
	d.mu.Unlock()
	if onTicket != nil {
		onTicket(t)
	}
}

// maxLoggedProblems bounds the problem lines one ticket adds to status.log.
const maxLoggedProblems = 20

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// writeTicket writes NNNN.bin, and NNNN.txt and NNNN.png when paper came out.
func (d *Device) writeTicket(t Ticket) error {
	base := filepath.Join(d.opt.OutDir, fmt.Sprintf("%04d", d.fileBase+t.Seq))
	if err := os.WriteFile(base+".bin", t.Raw, 0o644); err != nil {
		return fmt.Errorf("virtual: ticket %d: %w", t.Seq, err)
	}
	if t.Paper == nil {
		return nil
	}
	if err := os.WriteFile(base+".txt", []byte(t.Paper.Text()), 0o644); err != nil {
		return fmt.Errorf("virtual: ticket %d: %w", t.Seq, err)
	}
	f, err := os.Create(base + ".png")
	if err != nil {
		return fmt.Errorf("virtual: ticket %d: %w", t.Seq, err)
	}
	if err := errors.Join(t.Paper.PNG(f), f.Close()); err != nil {
		return fmt.Errorf("virtual: ticket %d: %w", t.Seq, err)
	}
	return nil
}
