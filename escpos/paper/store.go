package paper

import (
	"fmt"
	"image"
	"sort"
	"sync"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
)

// Store is a printer's non-volatile graphics memory: NV graphics defined
// with GS ( L / GS 8 L function 67 under a two-byte key, and the NV bit
// images of FS q, numbered from 1. Like a real printer's, it outlives a
// job and a connection: a Device keeps one Store and hands it to every
// ticket it prints. It is safe for concurrent use.
type Store struct {
	mu      sync.Mutex
	keyed   map[[2]byte]*image.Gray
	fsq     []*image.Gray
	writes  int
	version int // every define and delete
	// the commands that defined what is held, to save the memory
	keyedRaw map[[2]byte][]byte
	fsqRaw   []byte
}

// Limits of the memory, so a hostile stream cannot grow it without bound:
// about what an Epson TM-T88V holds (256 KiB of NV graphics).
const (
	maxStoreKeys = 256
	maxStoreDots = 8 << 20
)

// NewStore returns an empty memory.
func NewStore() *Store {
	return &Store{keyed: map[[2]byte]*image.Gray{}, keyedRaw: map[[2]byte][]byte{}}
}

// AppendDefinitions appends the ESC/POS commands that define everything
// the memory holds (FS q first, then the NV graphics in key order): saved
// to a file, they restore the memory with Load.
func (s *Store) AppendDefinitions(dst []byte) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	dst = append(dst, s.fsqRaw...)
	keys := make([]string, 0, len(s.keyedRaw))
	for k := range s.keyedRaw {
		keys = append(keys, string(k[:]))
	}
	sort.Strings(keys)
	for _, k := range keys {
		dst = append(dst, s.keyedRaw[[2]byte{k[0], k[1]}]...)
	}
	return dst
}

// Load defines what saved (AppendDefinitions) holds, as a printer's NV
// memory holds it after power-on; it does not count as writes. It reports
// whatever in saved is not a clean definition.
func (s *Store) Load(saved []byte, p *escpos.Profile) error {
	before := s.Writes()
	res := Interpret(decode.Decode(saved, p), p, Options{Store: s})
	s.mu.Lock()
	s.writes = before
	s.mu.Unlock()
	if len(res.Problems) > 0 || len(res.Tickets) > 0 {
		return fmt.Errorf("paper: NV memory: %d problems (first: %v), %d tickets printed", len(res.Problems), first(res.Problems), len(res.Tickets))
	}
	return nil
}

func first(ps []Problem) any {
	if len(ps) == 0 {
		return "none"
	}
	return ps[0]
}

// Keys lists the keys of the NV graphics defined, as "kc1kc2" strings in
// byte order (e.g. "A1").
func (s *Store) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.keyed))
	for k := range s.keyed {
		out = append(out, string(k[:]))
	}
	sort.Strings(out)
	return out
}

// Writes counts the definitions stored so far (NV memory wears out: a
// service should write a logo once, not per receipt).
func (s *Store) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// Version changes whenever something is defined or deleted: a holder
// saves the memory when it moved on.
func (s *Store) Version() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version
}

// BitImages reports how many FS q images are defined.
func (s *Store) BitImages() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.fsq)
}

func (s *Store) dotsLocked() int {
	n := 0
	for _, img := range s.keyed {
		n += len(img.Pix)
	}
	for _, img := range s.fsq {
		n += len(img.Pix)
	}
	return n
}

// define stores img under key, defined by the command raw; false when the
// memory is full.
func (s *Store) define(key [2]byte, img *image.Gray, raw []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.keyed[key]
	used := s.dotsLocked()
	if old != nil {
		used -= len(old.Pix)
	} else if len(s.keyed) >= maxStoreKeys {
		return false
	}
	if used+len(img.Pix) > maxStoreDots {
		return false
	}
	s.keyed[key] = img
	s.keyedRaw[key] = append([]byte(nil), raw...)
	s.writes++
	s.version++
	return true
}

func (s *Store) get(key [2]byte) *image.Gray {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keyed[key]
}

// remove deletes one key (all when all is set); it reports whether the
// key was defined.
func (s *Store) remove(key [2]byte, all bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version++
	if all {
		s.keyed = map[[2]byte]*image.Gray{}
		s.keyedRaw = map[[2]byte][]byte{}
		return true
	}
	_, ok := s.keyed[key]
	delete(s.keyed, key)
	delete(s.keyedRaw, key)
	return ok
}

// defineBitImages replaces every FS q image, as FS q does.
func (s *Store) defineBitImages(imgs []*image.Gray, raw []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, img := range imgs {
		n += len(img.Pix)
	}
	if n > maxStoreDots {
		return false
	}
	s.fsq = imgs
	s.fsqRaw = append([]byte(nil), raw...)
	s.writes++
	s.version++
	return true
}

func (s *Store) bitImage(n int) *image.Gray {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < 1 || n > len(s.fsq) {
		return nil
	}
	return s.fsq[n-1]
}

// Clear deletes every NV graphics image and bit image (a printer reset to
// its factory settings, or another unit).
func (s *Store) Clear() {
	s.remove([2]byte{}, true)
	s.mu.Lock()
	s.fsq, s.fsqRaw = nil, nil
	s.mu.Unlock()
}
