package spool

import (
	"errors"
	"fmt"
	"hash/fnv"
)

// meta is a bbolt meta page's content.
type meta struct {
	pageSize       uint32
	root, freelist uint64
	pgid, txid     uint64
}

// readMeta decodes the meta page in b (a page, header first).
func readMeta(b []byte) (meta, error) {
	if len(b) < pageHeader+metaSize {
		return meta{}, errors.New("cut short")
	}
	m := b[pageHeader : pageHeader+metaSize]
	if le.Uint32(m[0:]) != boltMagic {
		return meta{}, errors.New("not a bbolt meta page")
	}
	if v := le.Uint32(m[4:]); v != boltVersion {
		return meta{}, fmt.Errorf("format version %d, not %d", v, boltVersion)
	}
	h := fnv.New64a()
	h.Write(m[:metaSummed])
	if h.Sum64() != le.Uint64(m[metaSummed:]) {
		return meta{}, errors.New("checksum mismatch")
	}
	return meta{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]),
		pgid: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}, nil
}

// meta finds the page size and the meta page bbolt will use: the one of
// the last commit, or the other when that one is unreadable.
func (v *verifier) meta() (meta, error) {
	if v.size < 2*minPageSize {
		return meta{}, damagef("%d bytes: too short for a spool", v.size)
	}
	head := min(v.size, 0x1000)
	b, err := v.read(0, head, "meta page 0")
	if err != nil {
		return meta{}, err
	}
	m0, err0 := readMeta(b)
	pageSize := int64(m0.pageSize)
	if err0 != nil {
		// As bbolt does: look for the second meta page at each page size.
		for ps := int64(1024); ps <= maxPageSize && ps < v.size-1024; ps <<= 1 {
			b, err := v.read(ps, min(0x1000, v.size-ps), "meta page 1")
			if err != nil {
				return meta{}, err
			}
			if m1, err := readMeta(b); err == nil {
				pageSize = int64(m1.pageSize)
				break
			}
		}
		if pageSize == 0 {
			return meta{}, damagef("neither meta page is readable (page 0: %v)", err0)
		}
	}
	if pageSize < minPageSize || pageSize > maxPageSize || pageSize&(pageSize-1) != 0 {
		return meta{}, damagef("page size %d is not a power of two from %d to %d", pageSize, minPageSize, maxPageSize)
	}
	var ms [2]meta
	var errs [2]error
	for i := range ms {
		b, err := v.read(int64(i)*pageSize, min(pageSize, pageHeader+metaSize), fmt.Sprintf("meta page %d", i))
		if err != nil {
			return meta{}, err
		}
		ms[i], errs[i] = readMeta(b)
		if errs[i] == nil && int64(ms[i].pageSize) != pageSize {
			errs[i] = fmt.Errorf("page size %d, not %d", ms[i].pageSize, pageSize)
		}
	}
	// bbolt takes the meta with the higher transaction id when it is
	// valid, else the other.
	a, o := 0, 1
	if ms[1].txid > ms[0].txid {
		a, o = 1, 0
	}
	// bbolt writes commit n to meta page n%2: an unreadable page may
	// have held the commit after the readable one's, the last, and what
	// it committed is gone. Which it held cannot be told.
	lost := func(bad int, err error, good meta) string {
		v.lostCommit = true
		return fmt.Sprintf("meta page %d is unreadable (%v): the spool opens as of commit %d on the other page; "+
			"if page %d held the last commit, jobs accepted in it may be missing (their clients were told they were accepted): "+
			"compare the tills' last receipts with the job list", bad, err, good.txid, bad)
	}
	switch {
	case errs[a] == nil:
		if errs[o] != nil {
			v.notes = append(v.notes, lost(o, errs[o], ms[a]))
		}
		return ms[a], nil
	case errs[o] == nil:
		v.notes = append(v.notes, lost(a, errs[a], ms[o]))
		return ms[o], nil
	}
	return meta{}, damagef("neither meta page is readable (page 0: %v; page 1: %v)", errs[0], errs[1])
}
