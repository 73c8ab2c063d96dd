package printers

import "fmt"

// DecodeDrawerSensor merges a GS r 2 answer into s. Per the Epson ESC/POS
// reference (GS r, "drawer kick-out connector status"), bit 0 is pin 3 of
// the drawer kick-out connector; bits 4 and 7 are fixed to 0, bits 1–3, 5
// and 6 are reserved, so only the fixed bits are checked.
func DecodeDrawerSensor(s *Status, b byte) error {
	if b&gsrMask != 0 {
		return fmt.Errorf("printers: GS r 2 answered 0x%02X: %w", b, ErrNotStatus)
	}
	s.DrawerOpen = b&0x01 != 0
	return nil
}
