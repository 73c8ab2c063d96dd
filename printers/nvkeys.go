package printers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/secuprint/receipt/escpos"
)

// ErrNVKeyList: the printer's answer to GS ( L function 64 was not the
// key list Epson documents.
var ErrNVKeyList = errors.New("printers: not an NV graphics key list")

// Bytes of GS ( L function 64 and its answer (Epson ESC/POS reference,
// "Transmit the key code list for defined NV graphics"): header 37H,
// identifier 72H, status 40H (last block) or 41H (more after the host's
// ACK), key codes two bytes each, 40 keys a block at most, NUL.
const (
	nvListHeader = 0x37
	nvListID     = 0x72
	nvListLast   = 0x40
	nvListMore   = 0x41
	ack          = 0x06
	// maxNVListBlocks bounds a key list: 256 keys, Epson's own
	// TM-T88V limit is lower.
	maxNVListBlocks = 7
)

// AppendNVKeyListRequest appends GS ( L function 64: transmit the key
// codes of the NV graphics defined.
func AppendNVKeyListRequest(b []byte) []byte {
	return append(b, escpos.GS, '(', 'L', 4, 0, 48, 64, 'K', 'C')
}

// NVGraphicsKeys asks the printer which NV graphics keys it holds (GS ( L
// function 64), so a service can check its record of stored logos against
// a printer that may have been reset or swapped. Not every ESC/POS
// printer answers: a timeout is an error, as is an answer of another form.
func (p *ConnPrinter) NVGraphicsKeys(ctx context.Context) (keys []escpos.LogoKey, err error) {
	if err := p.acquire(ctx); err != nil {
		return nil, err
	}
	defer p.release()
	c, _, err := p.connFresh(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { p.hangUp(err == nil) }()
	s := newSession(ctx, c, p.opt, &p.out)
	defer s.end()
	if err := s.settle(); err != nil {
		p.dropLocked()
		return nil, err
	}
	if p.out.mute {
		return nil, s.muteErr()
	}
	if _, err := s.write(AppendNVKeyListRequest(nil)); err != nil {
		p.dropLocked()
		return nil, err
	}
	dl := s.deadline(p.opt.Poll * 8)
	for block := 0; block < maxNVListBlocks; block++ {
		more, err := s.nvKeyBlock(dl, &keys)
		if err != nil {
			// A late or partial answer must not be read as the next
			// conversation's.
			p.out.junk = true
			return nil, fmt.Errorf("printers: %s: NV key list: %w", p.name, err)
		}
		// The handshake Epson documents: the host answers each block.
		if _, err := s.write([]byte{ack}); err != nil {
			p.dropLocked()
			return nil, err
		}
		if !more {
			return keys, nil
		}
		dl = s.deadline(p.opt.Poll * 8)
	}
	p.out.junk = true
	return nil, fmt.Errorf("printers: %s: NV key list longer than %d blocks: %w", p.name, maxNVListBlocks, ErrNVKeyList)
}

// nvKeyBlock reads one block of the key list into keys; more: another
// block follows.
func (s *session) nvKeyBlock(dl time.Time, keys *[]escpos.LogoKey) (more bool, err error) {
	if _, err := s.answer(dl, func(b byte) bool { return b == nvListHeader }); err != nil {
		return false, err
	}
	var head [2]byte
	for i := range head {
		if head[i], err = s.readByte(dl); err != nil {
			return false, err
		}
	}
	if head[0] != nvListID || (head[1] != nvListLast && head[1] != nvListMore) {
		return false, fmt.Errorf("header 37 %02X %02X: %w", head[0], head[1], ErrNVKeyList)
	}
	var data []byte
	for {
		b, err := s.readByte(dl)
		if err != nil {
			return false, err
		}
		if b == 0 {
			break
		}
		if len(data) == 80 {
			return false, fmt.Errorf("more than 40 keys in a block: %w", ErrNVKeyList)
		}
		data = append(data, b)
	}
	if len(data)%2 != 0 {
		return false, fmt.Errorf("odd key data (%d bytes): %w", len(data), ErrNVKeyList)
	}
	for i := 0; i < len(data); i += 2 {
		k := escpos.LogoKey{data[i], data[i+1]}
		if !k.Valid() {
			return false, fmt.Errorf("key %q: %w", data[i:i+2], ErrNVKeyList)
		}
		*keys = append(*keys, k)
	}
	return head[1] == nvListMore, nil
}
