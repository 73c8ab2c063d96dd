package star

import (
	"errors"
	"fmt"

	"github.com/secuprint/receipt/escpos"
)

// Star printers answer neither DLE EOT nor GS a: they send Automatic Status
// (ASB) packets, on request (ESC ACK SOH) and, when enabled, on every change
// and after each ETB. Bits per Star's "STAR Line Mode" and "StarPRNT Command
// Specifications", appendix "Automatic Status"; an Epson ignores ESC ACK SOH
// as a Star ignores DLE EOT, which is how a language can be detected.

// StatusRequest is ESC ACK SOH: send the automatic status now.
var StatusRequest = []byte{0x1B, 0x06, 0x01}

// ETB is ETB: when the data before it has printed, count up the ASB ETB
// counter and send the ASB (print confirmation that survives a lost answer:
// the counter says how many ETBs have printed).
const ETB = 0x17

// ResetETB is ESC RS E 0: clear the ETB counter (sends no ASB).
var ResetETB = []byte{0x1B, 0x1E, 'E', 0}

// ErrShortASB reports an ASB packet whose header announces more bytes than
// were given: read on.
var ErrShortASB = errors.New("star: ASB: more bytes to come")

// ASB is a decoded Star automatic status packet.
type ASB struct {
	escpos.Status
	// Version is the ASB version of header 2: it says how many status
	// bytes the printer sends (version 1: up to the 7th byte, 3: the 9th).
	Version int
	// ETBCounter counts the ETBs printed, modulo 32 (the 8th byte); valid
	// when HasETB.
	ETBCounter int
	HasETB     bool
	// ETBExecuted: an ETB printed since the last ASB.
	ETBExecuted    bool
	HeadOverheat   bool
	BufferOverflow bool
}

// IsASBHeader reports whether b can be header 1 of an ASB: bits 0 set,
// 4 and 7 clear.
func IsASBHeader(b byte) bool { return b&0x91 == 0x01 }

// asbLength is the byte count header 1 announces (bits 1–3 and 5),
// header included.
func asbLength(h byte) int { return int(h>>1&7) | int(h>>2&8) }

// DecodeASB decodes the ASB packet at the start of b and returns its
// length. b shorter than the packet gives ErrShortASB; a first byte that is
// no header, or a packet too short to hold the sensor byte, escpos.ErrNotStatus.
func DecodeASB(b []byte) (ASB, int, error) {
	if len(b) == 0 {
		return ASB{}, 0, ErrShortASB
	}
	if !IsASBHeader(b[0]) {
		return ASB{}, 0, fmt.Errorf("star: ASB header 0x%02X: %w", b[0], escpos.ErrNotStatus)
	}
	n := asbLength(b[0])
	if n < 6 {
		return ASB{}, 0, fmt.Errorf("star: ASB of %d bytes (at least 6): %w", n, escpos.ErrNotStatus)
	}
	if len(b) < n {
		return ASB{}, 0, ErrShortASB
	}
	p := b[:n]
	for i, x := range p[1:] {
		if x&0x91 != 0 {
			return ASB{}, 0, fmt.Errorf("star: ASB byte %d is 0x%02X (bits 0, 4, 7 must be clear): %w", i+2, x, escpos.ErrNotStatus)
		}
	}
	h2 := p[1]
	s := ASB{Version: int(h2>>1&7) | int(h2>>2&8) | int(h2>>2&16)}
	st1, st2, st3, st4 := p[2], p[3], p[4], p[5]
	s.ETBExecuted = st1&0x02 != 0
	s.DrawerOpen = st1&0x04 != 0 // compulsion switch closed: as Epson's pin 3 high
	s.Online = st1&0x08 == 0 && st1&0x40 == 0
	s.CoverOpen = st1&0x20 != 0
	s.Recoverable = st2&0x04 != 0 // mechanical error
	s.AutocutterError = st2&0x08 != 0
	s.Unrecoverable = st2&0x20 != 0
	s.HeadOverheat = st2&0x40 != 0
	s.BufferOverflow = st3&0x40 != 0
	s.PaperNearEnd = st4&0x04 != 0
	s.PaperEnd = st4&0x08 != 0
	s.Error = s.Recoverable || s.AutocutterError || s.Unrecoverable || s.HeadOverheat
	if n >= 8 {
		e := p[7]
		s.ETBCounter = int(e>>1&7) | int(e>>5&3)<<3
		s.HasETB = true
	}
	return s, n, nil
}

// AppendASB encodes s as a 9-byte ASB of s.Version (3 when unset; the
// virtual printer and tests send it).
func AppendASB(dst []byte, s ASB) []byte {
	c := byte(s.ETBCounter & 31)
	v := byte(s.Version)
	if v == 0 || v > 7 {
		v = 3 // the nine bytes written here are version 3's layout, which later versions keep
	}
	return append(dst, 0x23, v<<1,
		onBit(s.ETBExecuted, 0x02)|onBit(s.DrawerOpen, 0x04)|onBit(!s.Online, 0x08)|onBit(s.CoverOpen, 0x20),
		onBit(s.Recoverable, 0x04)|onBit(s.AutocutterError, 0x08)|onBit(s.Unrecoverable, 0x20)|onBit(s.HeadOverheat, 0x40),
		onBit(s.BufferOverflow, 0x40),
		onBit(s.PaperNearEnd, 0x04)|onBit(s.PaperEnd, 0x08),
		0,
		c&7<<1|c>>3<<5, // ETB counter: bits 1–3 and 5–6
		0)
}

// onBit is mask when on, else 0.
func onBit(on bool, mask byte) byte {
	if on {
		return mask
	}
	return 0
}

// Printed says, from the ETB counters before and after a job that ended
// with one ETB, whether the job printed: the counter went up by one (mod 32).
func Printed(before, after ASB) bool {
	return before.HasETB && after.HasETB && (before.ETBCounter+1)&31 == after.ETBCounter
}
