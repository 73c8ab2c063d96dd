package paper

import (
	"image"
	"sort"
	"sync"
)

// Store is a printer's non-volatile graphics memory: NV graphics defined
// with GS ( L / GS 8 L function 67 under a two-byte key, and the NV bit
// images of FS q, numbered from 1. Like a real printer's, it outlives a
// job and a connection: a Device keeps one Store and hands it to every
// ticket it prints. It is safe for concurrent use.
type Store struct {
	mu     sync.Mutex
	keyed  map[[2]byte]*image.Gray
	fsq    []*image.Gray
	writes int
}

// Limits of the memory, so a hostile stream cannot grow it without bound:
// about what an Epson TM-T88V holds (256 KiB of NV graphics).
const (
	maxStoreKeys = 256
	maxStoreDots = 8 << 20
)

// NewStore returns an empty memory.
func NewStore() *Store { return &Store{keyed: map[[2]byte]*image.Gray{}} }

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

// define stores img under key; false when the memory is full.
func (s *Store) define(key [2]byte, img *image.Gray) bool {
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
	s.writes++
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
	if all {
		s.keyed = map[[2]byte]*image.Gray{}
		return true
	}
	_, ok := s.keyed[key]
	delete(s.keyed, key)
	return ok
}

// defineBitImages replaces every FS q image, as FS q does.
func (s *Store) defineBitImages(imgs []*image.Gray) bool {
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
	s.writes++
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
