package receipt

import (
	"crypto/sha256"
	"encoding/binary"
)

// Digest identifies what the receipt says, independent of how its JSON was
// written and of the printer it is laid out for: the same lines give the
// same digest. Fields are length-prefixed, so no two receipts share one by
// moving text between fields.
func (r Receipt) Digest() [sha256.Size]byte {
	h := sha256.New()
	var buf []byte
	for _, l := range r {
		buf = append(buf[:0], byte(l.Type), byte(l.Decoration))
		for _, f := range [...]string{l.Caption, l.Name, l.Value, l.Text} {
			buf = binary.AppendUvarint(buf, uint64(len(f)))
			buf = append(buf, f...)
		}
		h.Write(buf) // a hash.Hash never returns an error
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}
