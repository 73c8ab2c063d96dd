package escpos

import (
	"sort"
	"strings"
	"sync"

	"golang.org/x/text/encoding/charmap"
)

// CodePage is a single-byte character table a printer selects with ESC t.
// Bytes 0x20–0x7E are ASCII on every page this package knows; the upper half
// differs per page. Bytes below 0x20 and 0x7F are never text: they are
// commands to the printer.
type CodePage struct {
	Name  string
	upper [128]rune // rune printed for byte 0x80+i; 0 where undefined

	encOnce sync.Once
	enc     []encEntry // upper half sorted by rune, for Encode
}

type encEntry struct {
	r rune
	b byte
}

// Decode returns the rune byte b prints as, and false for bytes that are
// undefined or are control codes rather than text.
func (cp *CodePage) Decode(b byte) (rune, bool) {
	switch {
	case b >= 0x20 && b < 0x7F:
		return rune(b), true
	case b >= 0x80:
		r := cp.upper[b-0x80]
		return r, r != 0
	}
	return 0, false
}

// Encode returns the byte that prints r on this page.
func (cp *CodePage) Encode(r rune) (byte, bool) {
	if r >= 0x20 && r < 0x7F {
		return byte(r), true
	}
	if r < 0xA0 {
		return 0, false // C0, DEL and C1 are never text
	}
	cp.encOnce.Do(cp.buildEncoder)
	i := sort.Search(len(cp.enc), func(i int) bool { return cp.enc[i].r >= r })
	if i < len(cp.enc) && cp.enc[i].r == r {
		return cp.enc[i].b, true
	}
	return 0, false
}

func (cp *CodePage) buildEncoder() {
	enc := make([]encEntry, 0, 128)
	seen := make(map[rune]bool, 128)
	for i, r := range cp.upper {
		// The first byte wins when a page repeats a glyph, so encoding is stable.
		if r >= 0xA0 && !seen[r] {
			seen[r] = true
			enc = append(enc, encEntry{r, byte(0x80 + i)})
		}
	}
	sort.Slice(enc, func(i, j int) bool { return enc[i].r < enc[j].r })
	cp.enc = enc
}

// charmaps are the database's encoding names that golang.org/x/text knows.
var charmaps = map[string]*charmap.Charmap{
	"CP437":       charmap.CodePage437,
	"CP850":       charmap.CodePage850,
	"CP852":       charmap.CodePage852,
	"CP855":       charmap.CodePage855,
	"CP858":       charmap.CodePage858,
	"CP860":       charmap.CodePage860,
	"CP862":       charmap.CodePage862,
	"CP863":       charmap.CodePage863,
	"CP865":       charmap.CodePage865,
	"CP866":       charmap.CodePage866,
	"CP874":       charmap.Windows874,
	"CP1250":      charmap.Windows1250,
	"CP1251":      charmap.Windows1251,
	"CP1252":      charmap.Windows1252,
	"CP1253":      charmap.Windows1253,
	"CP1254":      charmap.Windows1254,
	"CP1255":      charmap.Windows1255,
	"CP1256":      charmap.Windows1256,
	"CP1257":      charmap.Windows1257,
	"CP1258":      charmap.Windows1258,
	"ISO_8859-1":  charmap.ISO8859_1,
	"ISO_8859-2":  charmap.ISO8859_2,
	"ISO_8859-3":  charmap.ISO8859_3,
	"ISO_8859-4":  charmap.ISO8859_4,
	"ISO_8859-5":  charmap.ISO8859_5,
	"ISO_8859-6":  charmap.ISO8859_6,
	"ISO_8859-7":  charmap.ISO8859_7,
	"ISO_8859-8":  charmap.ISO8859_8,
	"ISO_8859-9":  charmap.ISO8859_9,
	"ISO_8859-10": charmap.ISO8859_10,
	"ISO_8859-13": charmap.ISO8859_13,
	"ISO_8859-14": charmap.ISO8859_14,
	"ISO_8859-15": charmap.ISO8859_15,
	"ISO_8859-16": charmap.ISO8859_16,
}

var (
	pagesMu sync.Mutex
	pages   = map[string]*CodePage{}
)

// LookupCodePage returns the table for a database encoding name, or false
// when no table is known for it (such pages are never chosen for text).
func LookupCodePage(name string) (*CodePage, bool) {
	key := strings.ToUpper(name)
	pagesMu.Lock()
	defer pagesMu.Unlock()
	if cp, ok := pages[key]; ok {
		return cp, cp != nil
	}
	cp := buildCodePage(key)
	pages[key] = cp
	return cp, cp != nil
}

func buildCodePage(key string) *CodePage {
	if cm, ok := charmaps[key]; ok {
		cp := &CodePage{Name: key}
		for i := range cp.upper {
			r := cm.DecodeByte(byte(0x80 + i))
			if r != 0xFFFD && r >= 0xA0 {
				cp.upper[i] = r
			}
		}
		return cp
	}
	if t, ok := dbTables[key]; ok {
		return &CodePage{Name: key, upper: *t}
	}
	return nil
}

// KnownCodePages lists every encoding name LookupCodePage can resolve.
func KnownCodePages() []string {
	names := make([]string, 0, len(charmaps)+len(dbTables))
	for n := range charmaps {
		names = append(names, n)
	}
	for n := range dbTables {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
