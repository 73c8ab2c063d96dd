package receipt

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"

	"github.com/go-json-experiment/json/jsontext"
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

// Digest identifies what the whole document says: its receipt lines and,
// where it has them, its header, footer and basket, each in JSON's
// canonical form (RFC 8785), so a retry that writes the same document with
// other spacing or member order gets the same digest. A transaction without
// header and footer has its receipt's digest, as it always had: a retry
// across an upgrade is still recognised.
func (tx *Transaction) Digest() [sha256.Size]byte {
	sum := tx.Receipt.Digest()
	if tx.headerJSON == nil && tx.footerJSON == nil {
		return sum
	}
	h := sha256.New()
	h.Write(sum[:])
	var buf []byte
	for _, part := range [...][]byte{tx.headerJSON, tx.footerJSON, tx.basketJSON, tx.basketInfoJSON} {
		buf = binary.AppendUvarint(buf[:0], uint64(len(part)))
		h.Write(buf)
		h.Write(part)
	}
	h.Sum(sum[:0])
	return sum
}

// canonical is v in RFC 8785 form; nil for an absent member.
func canonical(v []byte) []byte {
	if v == nil {
		return nil
	}
	c := jsontext.Value(bytes.Clone(v))
	if err := c.Canonicalize(); err != nil {
		return c // well-formed already: Canonicalize fails only on invalid JSON
	}
	return c
}
