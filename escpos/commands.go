// Package escpos builds ESC/POS command bytes and encodes text for thermal
// receipt printers. The Append functions are pure: they append one command to
// a byte slice and return it, like binary.AppendUint16. Encoder adds the
// printer state (style, alignment, code page) so nothing already in force is
// sent again; Writer streams an Encoder's output to an io.Writer. The
// status codec (DLE EOT, GS r, ASB) is here in both directions, for the
// driver and the virtual printer alike. Below it: decode (bytes back to
// commands), paper (the print engine that draws them), star (Star's
// languages).
package escpos

import "fmt"

// Control bytes. Any of them inside text would be read as a command, which is
// why text from outside is sanitised before it reaches the printer.
const (
	NUL = 0x00
	EOT = 0x04
	ENQ = 0x05
	HT  = 0x09
	LF  = 0x0A
	FF  = 0x0C
	CR  = 0x0D
	DLE = 0x10
	DC4 = 0x14
	CAN = 0x18
	ESC = 0x1B
	FS  = 0x1C
	GS  = 0x1D
	DEL = 0x7F
)

// AppendInit appends ESC @: clear the buffer and reset every mode.
func AppendInit(b []byte) []byte { return append(b, ESC, '@') }

// AppendLF appends LF: print the line buffer and feed one line.
func AppendLF(b []byte) []byte { return append(b, LF) }

// AppendEmphasis appends ESC E n: emphasised (bold) on or off.
func AppendEmphasis(b []byte, on bool) []byte {
	return append(b, ESC, 'E', boolByte(on))
}

// AppendSize appends GS ! n: character width and height magnification.
func AppendSize(b []byte, s Size) ([]byte, error) {
	if !s.Valid() {
		return b, fmt.Errorf("escpos: size %dx%d out of range 1..8", s.Width, s.Height)
	}
	return append(b, GS, '!', byte(s.Width-1)<<4|byte(s.Height-1)), nil
}

// AppendJustification appends ESC a n: left, centre or right alignment.
func AppendJustification(b []byte, j Justification) ([]byte, error) {
	if !j.Valid() {
		return b, fmt.Errorf("escpos: %v out of range", j)
	}
	return append(b, ESC, 'a', byte(j)), nil
}

// AppendFont appends ESC M n: select font A, B or C.
func AppendFont(b []byte, f Font) ([]byte, error) {
	if !f.Valid() {
		return b, fmt.Errorf("escpos: %v out of range", f)
	}
	return append(b, ESC, 'M', byte(f)), nil
}

// AppendCodePage appends ESC t n: select the character code table in slot n.
// Which table a slot holds is the printer's business; see Profile.CodePages.
func AppendCodePage(b []byte, slot uint8) []byte { return append(b, ESC, 't', slot) }

// AppendStarCodePage appends ESC GS t n, Star's "specify code page": how
// Star printers select the table in slot n, in their own languages and in
// ESC/POS emulation alike (Star numbers slots differently from Epson: 4 is
// CP858, 32 CP1252; see Profile.CodePages).
func AppendStarCodePage(b []byte, slot uint8) []byte { return append(b, ESC, GS, 't', slot) }

// AppendFeedLines appends ESC d n: print and feed n lines.
func AppendFeedLines(b []byte, n uint8) []byte { return append(b, ESC, 'd', n) }

// AppendCut appends GS V m n (function B): feed to the cutter plus n motion
// units, then cut. Feeding first keeps the last line out of the cut.
func AppendCut(b []byte, m CutMode, feed uint8) ([]byte, error) {
	switch m {
	case CutFull:
		return append(b, GS, 'V', 65, feed), nil
	case CutPartial:
		return append(b, GS, 'V', 66, feed), nil
	}
	return b, fmt.Errorf("escpos: cannot cut with %v", m)
}

// AppendPulse appends ESC p m t1 t2: kick the cash drawer on pin m with an on
// time of on×2 ms and an off time of off×2 ms.
func AppendPulse(b []byte, pin Drawer, on, off uint8) ([]byte, error) {
	if !pin.Valid() {
		return b, fmt.Errorf("escpos: drawer pin %d out of range", pin)
	}
	if on == 0 || off < on {
		return b, fmt.Errorf("escpos: pulse on=%d off=%d: want 0 < on <= off", on, off)
	}
	return append(b, ESC, 'p', byte(pin), on, off), nil
}

// AppendStatusRequest appends DLE EOT n: ask for real-time status n (1–4).
func AppendStatusRequest(b []byte, k StatusKind) ([]byte, error) {
	if !k.Valid() {
		return b, fmt.Errorf("escpos: status kind %d out of range 1..4", k)
	}
	return append(b, DLE, EOT, byte(k)), nil
}

// TransmitStatus is the n of GS r n.
type TransmitStatus uint8

const (
	TransmitPaperSensor  TransmitStatus = 1
	TransmitDrawerSensor TransmitStatus = 2
)

func (t TransmitStatus) Valid() bool { return t == TransmitPaperSensor || t == TransmitDrawerSensor }

// AppendTransmitStatus appends GS r n. Unlike DLE EOT it is processed in
// order with the data, so its reply proves everything before it was taken.
func AppendTransmitStatus(b []byte, t TransmitStatus) ([]byte, error) {
	if !t.Valid() {
		return b, fmt.Errorf("escpos: GS r %d out of range", t)
	}
	return append(b, GS, 'r', byte(t)), nil
}

// ASB selects the events that trigger Automatic Status Back (GS a n).
type ASB uint8

const (
	ASBDrawer  ASB = 1 << 0
	ASBOnline  ASB = 1 << 1
	ASBError   ASB = 1 << 2
	ASBPaper   ASB = 1 << 3
	ASBAll         = ASBDrawer | ASBOnline | ASBError | ASBPaper
	asbInvalid     = ^ASBAll
)

// AppendASB appends GS a n: enable (or with 0 disable) Automatic Status Back.
func AppendASB(b []byte, events ASB) ([]byte, error) {
	if events&asbInvalid != 0 {
		return b, fmt.Errorf("escpos: ASB mask %#x has undefined bits", uint8(events))
	}
	return append(b, GS, 'a', byte(events)), nil
}

func boolByte(on bool) byte {
	if on {
		return 1
	}
	return 0
}
