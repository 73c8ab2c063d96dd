package escpos

import "fmt"

// BEL opens the drawer of printers in Star emulation (Features.PulseBel).
const BEL = 0x07

// AppendDrawerBel appends BEL: the Star-style drawer kick, for profiles with
// PulseBel only (to an Epson-style printer it is just a buzzer or nothing).
func AppendDrawerBel(b []byte) []byte { return append(b, BEL) }

// AppendRealtimePulse appends DLE DC4 1 m t: pulse drawer pin for on×100 ms
// (1–8), processed as soon as it arrives, even while the printer is busy or
// offline waiting for paper.
func AppendRealtimePulse(b []byte, pin Drawer, on uint8) ([]byte, error) {
	if !pin.Valid() {
		return b, fmt.Errorf("escpos: drawer pin %d out of range", pin)
	}
	if on < 1 || on > 8 {
		return b, fmt.Errorf("escpos: real-time pulse of %d×100 ms out of range 1..8", on)
	}
	return append(b, DLE, DC4, 1, byte(pin), on), nil
}
