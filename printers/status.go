package printers

import (
	"errors"
	"fmt"
	"strings"
)

// Status bytes, per the Epson ESC/POS command reference (DLE EOT, GS r,
// GS a). Every DLE EOT answer has bits 1 and 4 set and bits 0 and 7 clear;
// that fixed pattern is how an answer is told from other bytes.
const (
	statusMask  = 0x93
	statusFixed = 0x12
	asbMask     = 0x93
	asbFixed    = 0x10 // first ASB byte: bit 4 set, bits 0, 1, 7 clear
	gsrMask     = 0x90 // GS r answers: bits 4 and 7 clear
)

// ErrNotStatus reports a byte that cannot be a status answer: a foreign or
// broken printer, or a misrouted byte.
var ErrNotStatus = errors.New("not a status byte")

// IsRealtimeStatus reports whether b has the fixed bits of a DLE EOT answer.
func IsRealtimeStatus(b byte) bool { return b&statusMask == statusFixed }

// DecodeRealtime merges the answer b to DLE EOT n (1–4) into s.
func DecodeRealtime(s *Status, n int, b byte) error {
	if !IsRealtimeStatus(b) {
		return fmt.Errorf("printers: DLE EOT %d answered 0x%02X: %w", n, b, ErrNotStatus)
	}
	bit := func(i uint) bool { return b&(1<<i) != 0 }
	switch n {
	case 1: // printer status
		s.DrawerOpen = bit(2)
		s.Online = !bit(3)
		s.Waiting = bit(5)
		s.FeedButton = bit(6)
	case 2: // offline cause
		s.CoverOpen = bit(2)
		s.PaperFeeding = bit(3)
		if bit(5) {
			s.PaperEnd = true
		}
		s.Error = bit(6)
	case 3: // error cause
		s.Recoverable = bit(2)
		s.AutocutterError = bit(3)
		s.Unrecoverable = bit(5)
		s.AutoRecoverable = bit(6)
	case 4: // roll paper sensor
		s.PaperNearEnd = bit(2) || bit(3)
		if bit(5) || bit(6) { // merged: DLE EOT 2 bit 5 may have said so
			s.PaperEnd = true
		}
	default:
		return fmt.Errorf("printers: DLE EOT %d: no such status", n)
	}
	return nil
}

// DecodeASB decodes a 4-byte Automatic Status Back packet.
func DecodeASB(p [4]byte) (Status, error) {
	if p[0]&asbMask != asbFixed || p[1]&0x90 != 0 || p[2]&0x90 != 0 || p[3]&0x90 != 0 {
		return Status{}, fmt.Errorf("printers: ASB % X: %w", p[:], ErrNotStatus)
	}
	b1, b2, b3 := p[0], p[1], p[2]
	s := Status{
		DrawerOpen:      b1&0x04 != 0,
		Online:          b1&0x08 == 0,
		CoverOpen:       b1&0x20 != 0,
		FeedButton:      b1&0x40 != 0,
		Recoverable:     b2&0x04 != 0,
		AutocutterError: b2&0x08 != 0,
		Unrecoverable:   b2&0x20 != 0,
		AutoRecoverable: b2&0x40 != 0,
		PaperNearEnd:    b3&0x03 != 0,
		PaperEnd:        b3&0x0C != 0,
	}
	s.Error = s.Recoverable || s.AutocutterError || s.Unrecoverable || s.AutoRecoverable
	return s, nil
}

// DecodePaperSensor merges a GS r 1 answer into s.
func DecodePaperSensor(s *Status, b byte) error {
	if b&gsrMask != 0 {
		return fmt.Errorf("printers: GS r 1 answered 0x%02X: %w", b, ErrNotStatus)
	}
	s.PaperNearEnd = b&0x03 != 0
	s.PaperEnd = b&0x0C != 0
	return nil
}

// Ready reports whether the printer can print now.
func (s Status) Ready() bool { return s.Reason() == ReasonNone }

// Reason is the most telling reason the printer cannot print, or ReasonNone.
func (s Status) Reason() Reason {
	switch {
	case s.PaperEnd:
		return ReasonPaperEnd
	case s.CoverOpen:
		return ReasonCoverOpen
	case s.Error || s.Recoverable || s.Unrecoverable || s.AutocutterError || s.AutoRecoverable:
		return ReasonPrinterError
	case !s.Online:
		return ReasonOffline
	}
	return ReasonNone
}

// String lists the conditions in force, "online" when there are none.
func (s Status) String() string {
	var parts []string
	add := func(on bool, name string) {
		if on {
			parts = append(parts, name)
		}
	}
	add(!s.Online, "offline")
	add(s.CoverOpen, "cover open")
	add(s.PaperEnd, "paper end")
	add(s.PaperNearEnd, "paper near end")
	add(s.Error, "error")
	add(s.Recoverable, "recoverable error")
	add(s.Unrecoverable, "unrecoverable error")
	add(s.AutocutterError, "autocutter error")
	add(s.AutoRecoverable, "auto-recoverable error")
	add(s.DrawerOpen, "drawer open")
	add(s.FeedButton, "feed button")
	add(s.PaperFeeding, "feeding")
	add(s.Waiting, "waiting for recovery")
	if len(parts) == 0 {
		return "online"
	}
	return strings.Join(parts, ", ")
}
