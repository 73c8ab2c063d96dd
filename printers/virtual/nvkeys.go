package virtual

import "github.com/secuprint/receipt/escpos/decode"

// GS ( L function 64 (d1 d2 = "KC") asks for the key codes of the NV
// graphics defined. As Epson's ESC/POS reference documents the answer:
// header 37H, identifier 72H, a status byte (40H: last block, 41H: more
// follow after the host's ACK), the key codes two bytes each (at most 40
// keys a block), NUL; with nothing defined 37H 72H 40H NUL. The virtual
// printer sends one block of its first 40 keys (status 40H) and takes
// the host's ACK that follows as the handshake, not as data.

// nvKeyListArg marks a held GS ( L function 64 request.
const nvKeyListArg = -64

// maxKeysPerBlock is Epson's block size.
const maxKeysPerBlock = 40

// isNVKeyList reports a GS ( L function 64 "KC" request.
func isNVKeyList(c *decode.Command) bool {
	return c.Op == decode.OpGraphics && c.Arg(0) == 48 && c.Arg(1) == 64 &&
		len(c.Data) == 2 && c.Data[0] == 'K' && c.Data[1] == 'C'
}

// isHandshake reports the host's ACK, NAK or CAN to a key list block.
// NAK would ask for the block again; one block is all there is, and it
// was sent.
func isHandshake(b byte) bool { return b == 0x06 || b == 0x15 || b == 0x18 }

// nvKeyListLocked is the answer to GS ( L function 64 from NV memory.
func (d *Device) nvKeyListLocked() []byte {
	keys := d.store.Keys()
	if len(keys) > maxKeysPerBlock {
		keys = keys[:maxKeysPerBlock]
	}
	b := append(make([]byte, 0, 4+2*len(keys)), 0x37, 0x72, 0x40)
	for _, k := range keys {
		b = append(b, k...)
	}
	return append(b, 0)
}

// WipeNV empties the printer's NV graphics memory, as a reset to factory
// settings or another unit would: for tests of what notices it.
func (d *Device) WipeNV() {
	d.mu.Lock()
	d.store.Clear()
	d.mu.Unlock()
}
