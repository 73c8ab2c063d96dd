package escpos

import (
	"errors"
	"fmt"
)

// The status codec of ESC/POS, in both directions: the driver decodes what
// a printer answers, the virtual printer encodes its state the same way.
// Bits per the Epson ESC/POS command reference (DLE EOT, GS r, GS a). Every
// DLE EOT answer has bits 1 and 4 set and bits 0 and 7 clear; the first ASB
// byte has bit 4 set and bits 0, 1 and 7 clear; GS r answers have bits 4
// and 7 clear — how a host tells them from other bytes.
const (
	statusMask  = 0x93
	statusFixed = 0x12
	asbMask     = 0x93
	asbFixed    = 0x10
	gsrMask     = 0x90
)

// Status is a printer's state as its status answers report it (DLE EOT
// 1–4, GS r, ASB; a Star printer's ASB carries the same conditions).
type Status struct {
	Online          bool `json:"online"`
	CoverOpen       bool `json:"cover_open"`
	PaperEnd        bool `json:"paper_end"`
	PaperNearEnd    bool `json:"paper_near_end"`
	DrawerOpen      bool `json:"drawer_open"` // drawer kick-out connector pin 3 high
	FeedButton      bool `json:"feed_button"`
	PaperFeeding    bool `json:"paper_feeding"` // paper being fed by the feed button
	Waiting         bool `json:"waiting_for_recovery"`
	Error           bool `json:"error"`
	Recoverable     bool `json:"recoverable_error"`
	Unrecoverable   bool `json:"unrecoverable_error"`
	AutocutterError bool `json:"autocutter_error"`
	AutoRecoverable bool `json:"auto_recoverable_error"`
}

// ErrNotStatus reports a byte that cannot be a status answer: a foreign or
// broken printer, or a misrouted byte.
var ErrNotStatus = errors.New("not a status byte")

// IsRealtimeStatus reports whether b has the fixed bits of a DLE EOT answer.
func IsRealtimeStatus(b byte) bool { return b&statusMask == statusFixed }

// IsTransmitStatus reports whether b has the fixed bits of a GS r answer.
func IsTransmitStatus(b byte) bool { return b&gsrMask == 0 }

// DecodeRealtimeStatus merges the answer b to DLE EOT n into s.
func DecodeRealtimeStatus(s *Status, n StatusKind, b byte) error {
	if !IsRealtimeStatus(b) {
		return fmt.Errorf("escpos: DLE EOT %d answered 0x%02X: %w", n, b, ErrNotStatus)
	}
	bit := func(i uint) bool { return b&(1<<i) != 0 }
	switch n {
	case StatusPrinter:
		s.DrawerOpen = bit(2)
		s.Online = !bit(3)
		s.Waiting = bit(5)
		s.FeedButton = bit(6)
	case StatusOffline:
		s.CoverOpen = bit(2)
		s.PaperFeeding = bit(3)
		if bit(5) {
			s.PaperEnd = true
		}
		s.Error = bit(6)
	case StatusError:
		s.Recoverable = bit(2)
		s.AutocutterError = bit(3)
		s.Unrecoverable = bit(5)
		s.AutoRecoverable = bit(6)
	case StatusPaper:
		s.PaperNearEnd = bit(2) || bit(3)
		if bit(5) || bit(6) { // merged: DLE EOT 2 bit 5 may have said so
			s.PaperEnd = true
		}
	default:
		return fmt.Errorf("escpos: DLE EOT %d: no such status", n)
	}
	return nil
}

// RealtimeStatus is the answer to DLE EOT n that a printer in state s
// sends; 0 for an n out of range. DecodeRealtimeStatus reads it back.
func RealtimeStatus(s Status, n StatusKind) byte {
	switch n {
	case StatusPrinter:
		return statusFixed | bit(s.DrawerOpen, 0x04) | bit(!s.Online, 0x08) | bit(s.Waiting, 0x20) | bit(s.FeedButton, 0x40)
	case StatusOffline: // bit 5: printing stopped by paper end
		return statusFixed | bit(s.CoverOpen, 0x04) | bit(s.PaperFeeding, 0x08) | bit(s.PaperEnd, 0x20) | bit(s.Error, 0x40)
	case StatusError:
		return statusFixed | bit(s.Recoverable, 0x04) | bit(s.AutocutterError, 0x08) | bit(s.Unrecoverable, 0x20) | bit(s.AutoRecoverable, 0x40)
	case StatusPaper: // near end bits 2–3, end bits 5–6
		return statusFixed | bit(s.PaperNearEnd, 0x0C) | bit(s.PaperEnd, 0x60)
	}
	return 0
}

// bit is mask when on, else 0.
func bit(on bool, mask byte) byte {
	if on {
		return mask
	}
	return 0
}

// DecodeASBPacket decodes a 4-byte Automatic Status Back packet (GS a).
func DecodeASBPacket(p [4]byte) (Status, error) {
	if p[0]&asbMask != asbFixed || p[1]&0x90 != 0 || p[2]&0x90 != 0 || p[3]&0x90 != 0 {
		return Status{}, fmt.Errorf("escpos: ASB % X: %w", p[:], ErrNotStatus)
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

// ASBPacket is the 4-byte Automatic Status Back packet a printer in state
// s sends; DecodeASBPacket reads it back.
func ASBPacket(s Status) [4]byte {
	return [4]byte{
		asbFixed | bit(s.DrawerOpen, 0x04) | bit(!s.Online, 0x08) | bit(s.CoverOpen, 0x20) | bit(s.FeedButton, 0x40),
		bit(s.Recoverable, 0x04) | bit(s.AutocutterError, 0x08) | bit(s.Unrecoverable, 0x20) | bit(s.AutoRecoverable, 0x40),
		bit(s.PaperNearEnd, 0x03) | bit(s.PaperEnd, 0x0C),
		0,
	}
}

// ASBWatch is the part of an ASB packet each event of GS a n watches: a
// printer sends a packet when a watched bit changes.
func ASBWatch(events ASB) [4]byte {
	var m [4]byte
	if events&ASBDrawer != 0 {
		m[0] |= 0x04
	}
	if events&ASBOnline != 0 {
		m[0] |= 0x68 // offline, cover, feed button
		m[1] |= 0x01 // waiting for online recovery
	}
	if events&ASBError != 0 {
		m[1] |= 0x6C
	}
	if events&ASBPaper != 0 {
		m[2] |= 0x0F
	}
	return m
}

// DecodePaperSensor merges a GS r 1 answer into s.
func DecodePaperSensor(s *Status, b byte) error {
	if !IsTransmitStatus(b) {
		return fmt.Errorf("escpos: GS r 1 answered 0x%02X: %w", b, ErrNotStatus)
	}
	s.PaperNearEnd = b&0x03 != 0
	s.PaperEnd = b&0x0C != 0
	return nil
}

// PaperSensor is the GS r 1 answer of a printer in state s: near end bits
// 0–1, end bits 2–3.
func PaperSensor(s Status) byte { return bit(s.PaperNearEnd, 0x03) | bit(s.PaperEnd, 0x0C) }

// DecodeDrawerSensor merges a GS r 2 answer into s. Per the Epson ESC/POS
// reference (GS r, "drawer kick-out connector status"), bit 0 is pin 3 of
// the drawer kick-out connector; bits 4 and 7 are fixed to 0, bits 1–3, 5
// and 6 are reserved, so only the fixed bits are checked.
func DecodeDrawerSensor(s *Status, b byte) error {
	if !IsTransmitStatus(b) {
		return fmt.Errorf("escpos: GS r 2 answered 0x%02X: %w", b, ErrNotStatus)
	}
	s.DrawerOpen = b&0x01 != 0
	return nil
}

// IsASBStart reports whether b can be the first byte of an ASB packet (GS a);
// three more bytes follow it.
func IsASBStart(b byte) bool { return b&asbMask == asbFixed }
