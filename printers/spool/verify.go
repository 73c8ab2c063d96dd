package spool

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// The bbolt file format (go.etcd.io/bbolt, internal/common), read here
// without bbolt: bbolt trusts its file, and a damaged one makes it panic
// (some of its panics in a goroutine of its own, beyond recover) or fault
// on a page past the end of a truncated file (SIGBUS). verifyFile reads
// the file with plain reads, checks everything bbolt will follow when it
// opens the file and reads it, and only then is bbolt let at it.
const (
	boltMagic     = 0xED0CDAED
	boltVersion   = 2
	pageHeader    = 16 // id u64, flags u16, count u16, overflow u32
	metaSize      = 64 // magic, version, pageSize, flags u32; root, seq, freelist, pgid, txid, checksum u64
	metaSummed    = 56 // bytes of the meta its checksum covers
	elementSize   = 16 // branch: pos u32, ksize u32, pgid u64; leaf: flags, pos, ksize, vsize u32
	bucketHeader  = 16 // root u64, sequence u64
	noFreelist    = ^uint64(0)
	branchFlag    = 0x01
	leafFlag      = 0x02
	metaFlag      = 0x04
	freelistFlag  = 0x10
	bucketLeaf    = 0x01
	maxTreeDepth  = 64
	minPageSize   = 512
	maxPageSize   = 1 << 24
	freelistLarge = 0xFFFF
)

// bbolt stores integers in the machine's order.
var le = binary.NativeEndian

// fileDamage is what verifyFile found wrong.
type fileDamage struct {
	problem string
}

func (d *fileDamage) Error() string { return d.problem }

func damagef(format string, a ...any) error { return &fileDamage{fmt.Sprintf(format, a...)} }

// verifyFile checks a bbolt file as bbolt will read it. notes are
// findings that do not stop the file from opening; lost says one of the
// two meta pages is unreadable, so bbolt opens the file as of the other,
// and the last commit may be lost (see LostCommitFile). err is a
// *fileDamage when the file is damaged, another error when it could not
// be read.
func verifyFile(path string) (notes []string, lost bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, false, err
	}
	v := &verifier{r: f, size: st.Size()}
	err = v.run()
	return v.notes, v.lostCommit, err
}

type verifier struct {
	r        io.ReaderAt
	size     int64
	pageSize int64
	hwm      uint64 // pages in use: ids below it
	seen     []bool // pages reached from the root, or free
	notes    []string
	// lostCommit: a meta page is unreadable; it may have held the last
	// commit.
	lostCommit bool
}

// read returns n bytes at off, or damage when the file ends first.
func (v *verifier) read(off, n int64, what string) ([]byte, error) {
	if off < 0 || n < 0 || off+n > v.size {
		return nil, damagef("%s at byte %d: the file ends at %d", what, off, v.size)
	}
	b := make([]byte, n)
	if _, err := v.r.ReadAt(b, off); err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return b, nil
}

func (v *verifier) run() error {
	m, err := v.meta()
	if err != nil {
		return err
	}
	v.pageSize, v.hwm = int64(m.pageSize), m.pgid
	if m.pgid < 2 || m.pgid > uint64(v.size/v.pageSize) {
		return damagef("the file holds %d pages of %d bytes but its meta page counts %d: cut short", v.size/v.pageSize, v.pageSize, m.pgid)
	}
	if m.root < 2 || m.root >= m.pgid {
		return damagef("root page %d is out of range (2 to %d)", m.root, m.pgid-1)
	}
	v.seen = make([]bool, m.pgid)
	v.seen[0], v.seen[1] = true, true
	if m.freelist != noFreelist {
		if err := v.freelist(m.freelist); err != nil {
			return err
		}
	}
	_, err = v.tree(m.root, nil, nil, 0)
	return err
}

// page reads page id with its overflow, checking its header.
func (v *verifier) page(id uint64, want string) ([]byte, uint16, error) {
	if id < 2 || id >= v.hwm {
		return nil, 0, damagef("a %s page id %d is out of range (2 to %d)", want, id, v.hwm-1)
	}
	h, err := v.read(int64(id)*v.pageSize, pageHeader, fmt.Sprintf("page %d", id))
	if err != nil {
		return nil, 0, err
	}
	if got := le.Uint64(h[0:]); got != id {
		return nil, 0, damagef("page %d says it is page %d", id, got)
	}
	flags, overflow := le.Uint16(h[8:]), uint64(le.Uint32(h[12:]))
	if id+overflow >= v.hwm {
		return nil, 0, damagef("page %d runs %d pages past the last one", id, id+overflow-v.hwm+1)
	}
	for p := id; p <= id+overflow; p++ {
		if v.seen[p] {
			return nil, 0, damagef("page %d is reached twice (as %s, page %d)", p, want, id)
		}
		v.seen[p] = true
	}
	b, err := v.read(int64(id)*v.pageSize, int64(overflow+1)*v.pageSize, fmt.Sprintf("page %d", id))
	return b, flags, err
}

// freelist checks the free list page a meta page names.
func (v *verifier) freelist(id uint64) error {
	b, flags, err := v.page(id, "free list")
	if err != nil {
		return err
	}
	if flags != freelistFlag {
		return damagef("page %d should be the free list but has flags %#x", id, flags)
	}
	n, start := uint64(le.Uint16(b[10:])), uint64(pageHeader)
	if n == freelistLarge {
		if len(b) < pageHeader+8 {
			return damagef("free list page %d cut short", id)
		}
		n, start = le.Uint64(b[pageHeader:]), pageHeader+8
	}
	if n > (uint64(len(b))-start)/8 {
		return damagef("free list page %d counts %d pages, more than it holds", id, n)
	}
	for i := range n {
		p := le.Uint64(b[start+8*i:])
		if p < 2 || p >= v.hwm {
			return damagef("free list page %d lists page %d, out of range", id, p)
		}
		if v.seen[p] {
			return damagef("free list page %d lists page %d twice or in use", id, p)
		}
		v.seen[p] = true
	}
	return nil
}

// tree checks the branch or leaf page id and what it leads to, and
// returns the greatest key under it. The keys obey bbolt's own check
// (Tx.Check), which bbolt runs at every open of a spool that does not
// store its free list, panicking in a goroutine on the first finding:
// each page's keys ascend, the first no lower than lo, all below hi (nil:
// unbounded), and a branch's key is above every key under the one before.
func (v *verifier) tree(id uint64, lo, hi []byte, depth int) ([]byte, error) {
	if depth > maxTreeDepth {
		return nil, damagef("page %d lies deeper than %d levels", id, maxTreeDepth)
	}
	b, flags, err := v.page(id, "tree")
	if err != nil {
		return nil, err
	}
	switch flags {
	case branchFlag:
		return v.branch(id, b, lo, hi, depth)
	case leafFlag:
		return v.leaf(fmt.Sprintf("page %d", id), b, lo, hi, depth)
	}
	return nil, damagef("page %d has flags %#x: neither branch nor leaf", id, flags)
}

// elements returns the count of a branch or leaf page b, checking that
// they fit.
func elements(b []byte, where string) (int, error) {
	n := int(le.Uint16(b[10:]))
	if pageHeader+n*elementSize > len(b) {
		return 0, damagef("%s counts %d elements, more than it holds", where, n)
	}
	return n, nil
}

// span returns b[at+pos : at+pos+n], or damage when that lies outside b.
func span(b []byte, at int, pos uint64, n uint32, where, what string) ([]byte, error) {
	start := uint64(at) + pos
	end := start + uint64(n)
	if end > uint64(len(b)) {
		return nil, damagef("%s: %s runs past the page (%d > %d)", where, what, end, len(b))
	}
	return b[start:end], nil
}

// laidOut checks that element i's key and value lie where bbolt writes
// them: right after the element array for the first, right after the one
// before for the others, the key never empty (bbolt asserts that). A
// damaged position or length cannot pass for a shorter or longer key.
func laidOut(at int, pos uint64, ksize, vsize uint32, next *uint64, i int, where string) error {
	if ksize == 0 {
		return damagef("%s: key %d is empty", where, i)
	}
	if uint64(at)+pos != *next {
		return damagef("%s: element %d's data is at %d, not at %d", where, i, uint64(at)+pos, *next)
	}
	*next += uint64(ksize) + uint64(vsize)
	return nil
}

// ordered checks the i-th key k of a page against prev (the key before
// it, or for the first the page's lower bound) and the upper bound hi, as
// bbolt's check does.
func ordered(k, prev, hi []byte, i int, where string) error {
	switch {
	case i == 0 && prev != nil && bytes.Compare(prev, k) > 0:
		return damagef("%s: its first key lies below its parent's", where)
	case i > 0 && bytes.Compare(prev, k) >= 0:
		return damagef("%s: key %d is out of order", where, i)
	case hi != nil && bytes.Compare(k, hi) >= 0:
		return damagef("%s: key %d lies above its parent's range", where, i)
	}
	return nil
}

func (v *verifier) branch(id uint64, b, lo, hi []byte, depth int) ([]byte, error) {
	where := fmt.Sprintf("branch page %d", id)
	n, err := elements(b, where)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, damagef("%s is empty", where)
	}
	keys := make([][]byte, n)
	children := make([]uint64, n)
	next := uint64(pageHeader + n*elementSize) // where bbolt writes the next key
	for i := range n {
		at := pageHeader + i*elementSize
		pos, ksize := uint64(le.Uint32(b[at:])), le.Uint32(b[at+4:])
		if err := laidOut(at, pos, ksize, 0, &next, i, where); err != nil {
			return nil, err
		}
		k, err := span(b, at, pos, ksize, where, fmt.Sprintf("key %d", i))
		if err != nil {
			return nil, err
		}
		keys[i], children[i] = k, le.Uint64(b[at+8:])
		if children[i] == id {
			return nil, damagef("%s: child %d is the page itself", where, i)
		}
	}
	prev := lo
	var top []byte
	for i := range n {
		if err := ordered(keys[i], prev, hi, i, where); err != nil {
			return nil, err
		}
		chi := hi
		if i+1 < n {
			chi = keys[i+1]
		}
		if top, err = v.tree(children[i], keys[i], chi, depth+1); err != nil {
			return nil, err
		}
		prev = top
	}
	return top, nil
}

// leaf checks a leaf page (or a bucket's inline page) b.
func (v *verifier) leaf(where string, b, lo, hi []byte, depth int) ([]byte, error) {
	n, err := elements(b, where)
	if err != nil {
		return nil, err
	}
	prev := lo
	next := uint64(pageHeader + n*elementSize)
	for i := range n {
		at := pageHeader + i*elementSize
		flags, pos, ksize, vsize := le.Uint32(b[at:]), le.Uint32(b[at+4:]), le.Uint32(b[at+8:]), le.Uint32(b[at+12:])
		if flags&^bucketLeaf != 0 {
			return nil, damagef("%s: element %d has flags %#x", where, i, flags)
		}
		if err := laidOut(at, uint64(pos), ksize, vsize, &next, i, where); err != nil {
			return nil, err
		}
		k, err := span(b, at, uint64(pos), ksize, where, fmt.Sprintf("key %d", i))
		if err != nil {
			return nil, err
		}
		if err := ordered(k, prev, hi, i, where); err != nil {
			return nil, err
		}
		prev = k
		val, err := span(b, at, uint64(pos)+uint64(ksize), vsize, where, fmt.Sprintf("value %d", i))
		if err != nil {
			return nil, err
		}
		if flags&bucketLeaf == 0 {
			continue
		}
		if len(val) < bucketHeader {
			return nil, damagef("%s: bucket %q has a header of %d bytes", where, k, len(val))
		}
		if root := le.Uint64(val); root != 0 {
			if _, err := v.tree(root, nil, nil, depth+1); err != nil {
				return nil, err
			}
			continue
		}
		inline := val[bucketHeader:]
		iw := fmt.Sprintf("%s, bucket %q", where, k)
		if len(inline) < pageHeader {
			return nil, damagef("%s: inline page cut short", iw)
		}
		if f := le.Uint16(inline[8:]); f != leafFlag {
			return nil, damagef("%s: inline page has flags %#x", iw, f)
		}
		if depth+1 > maxTreeDepth {
			return nil, damagef("%s lies deeper than %d levels", iw, maxTreeDepth)
		}
		if _, err := v.leaf(iw, inline, nil, nil, depth+1); err != nil {
			return nil, err
		}
	}
	return prev, nil
}
