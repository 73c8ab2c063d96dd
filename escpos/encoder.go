package escpos

import (
	"fmt"
	"math/bits"
	"sync"
	"unicode/utf8"
)

// maxPages bounds how many distinct code pages of one profile take part in
// encoding; the selection works on a 64-bit set of them.
const maxPages = 64

// pageSet is the text-capable part of a profile: its code pages with a known
// table, one slot per table, in preference order (ascending slot).
type pageSet struct {
	slots []uint8
	pages []*CodePage
	index map[rune]uint64 // rune -> set of pages (bit i = pages[i]) holding it
}

var pageSets sync.Map // *Profile -> *pageSet

func pageSetFor(p *Profile) *pageSet {
	if ps, ok := pageSets.Load(p); ok {
		return ps.(*pageSet)
	}
	ps := &pageSet{index: make(map[rune]uint64)}
	seen := make(map[string]bool)
	for _, s := range p.CodePages {
		cp, ok := LookupCodePage(s.Encoding)
		if !ok || seen[cp.Name] || len(ps.pages) == maxPages {
			continue
		}
		seen[cp.Name] = true
		bit := uint64(1) << len(ps.pages)
		ps.slots = append(ps.slots, s.Slot)
		ps.pages = append(ps.pages, cp)
		for _, r := range cp.upper {
			if r >= 0xA0 {
				ps.index[r] |= bit
			}
		}
	}
	actual, _ := pageSets.LoadOrStore(p, ps)
	return actual.(*pageSet)
}

// printerState is what the encoder knows the printer is set to. A zero-valued
// field with its known flag false means "unknown": the next request sends it.
type printerState struct {
	known   bool // style fields below are known (after ESC @)
	bold    bool
	size    Size
	justify Justification
	font    Font
	page    int // index into pageSet.pages; -1 unknown
}

// Encoder appends commands and text for one printer profile, tracking the
// printer's state so that a style, alignment or code page already in force is
// never sent again (on a 9600-baud line every byte costs about a millisecond).
// An Encoder is not safe for concurrent use.
type Encoder struct {
	profile *Profile
	ps      *pageSet
	st      printerState
	used    uint64 // pages selected so far in this job

	// OnFallback, when set, hears of every rune printed as something else.
	OnFallback func(Fallback)
}

// NewEncoder returns an encoder for p. The printer state is unknown until
// AppendInit.
func NewEncoder(p *Profile) (*Encoder, error) {
	if p == nil {
		return nil, fmt.Errorf("escpos: nil profile")
	}
	e := &Encoder{profile: p, ps: pageSetFor(p)}
	e.st.page = -1
	return e, nil
}

// Profile returns the profile the encoder was made for.
func (e *Encoder) Profile() *Profile { return e.profile }

// AppendInit appends ESC @ and records the printer's reset state. The code
// page after a reset is the one the printer's memory switches select, so it
// stays unknown until text needs one.
func (e *Encoder) AppendInit(dst []byte) []byte {
	e.st = printerState{known: true, size: Normal, page: -1}
	e.used = 0
	return AppendInit(dst)
}

// AppendBold sets emphasis unless it is already in force.
func (e *Encoder) AppendBold(dst []byte, on bool) []byte {
	if e.st.known && e.st.bold == on {
		return dst
	}
	e.st.bold = on
	return AppendEmphasis(dst, on)
}

// AppendSize sets the character size unless it is already in force.
func (e *Encoder) AppendSize(dst []byte, s Size) ([]byte, error) {
	if e.st.known && e.st.size == s {
		return dst, nil
	}
	dst, err := AppendSize(dst, s)
	if err == nil {
		e.st.size = s
	}
	return dst, err
}

// AppendJustification sets alignment unless it is already in force. It takes
// effect for the line it starts, so call it at the beginning of a line.
func (e *Encoder) AppendJustification(dst []byte, j Justification) ([]byte, error) {
	if e.st.known && e.st.justify == j {
		return dst, nil
	}
	dst, err := AppendJustification(dst, j)
	if err == nil {
		e.st.justify = j
	}
	return dst, err
}

// AppendFont selects the font unless it is already in force.
func (e *Encoder) AppendFont(dst []byte, f Font) ([]byte, error) {
	if e.st.known && e.st.font == f {
		return dst, nil
	}
	if _, err := e.profile.Columns(f); err != nil {
		return dst, err
	}
	dst, err := AppendFont(dst, f)
	if err == nil {
		e.st.font = f
	}
	return dst, err
}

// CanEncode reports whether some code page of the profile holds r.
func (e *Encoder) CanEncode(r rune) bool {
	if r >= 0x20 && r < 0x7F {
		return true
	}
	return e.ps.index[r] != 0
}

// AppendText encodes s through the profile's code pages. The current page is
// kept while it holds the next rune; otherwise the encoder switches (ESC t)
// to the page that holds the longest run of the coming non-ASCII runes,
// preferring pages this job already used, then the lowest slot. Runes no page
// holds, and control characters, go through Substitute and are reported.
func (e *Encoder) AppendText(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7F {
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if b, ok := e.encodeRune(r, s[i+n:], &dst); ok {
			dst = append(dst, b)
		} else {
			f := e.Substitute(r)
			if e.OnFallback != nil {
				e.OnFallback(f)
			}
			dst = e.appendSubstitute(dst, f.Replacement)
		}
		i += n
	}
	return dst
}

// appendSubstitute writes a replacement, which holds only runes CanEncode
// accepts (ASCII or a base letter a page holds).
func (e *Encoder) appendSubstitute(dst []byte, rep string) []byte {
	for _, r := range rep {
		if r < 0x7F {
			dst = append(dst, byte(r))
		} else if b, ok := e.encodeRune(r, "", &dst); ok {
			dst = append(dst, b)
		} else {
			dst = append(dst, '?')
		}
	}
	return dst
}

// encodeRune returns r's byte, first appending ESC t to *dst if the page
// must change. rest is the text after r, looked at to choose a page.
func (e *Encoder) encodeRune(r rune, rest string, dst *[]byte) (byte, bool) {
	if r < 0xA0 || r == utf8.RuneError {
		return 0, false
	}
	if e.st.page >= 0 {
		if b, ok := e.ps.pages[e.st.page].Encode(r); ok {
			return b, true
		}
	}
	cand := e.ps.index[r]
	if cand == 0 {
		return 0, false
	}
	// Narrow to the pages that also hold the following non-ASCII runes.
	for _, x := range rest {
		if x < 0x80 {
			continue
		}
		next := cand & e.ps.index[x]
		if next == 0 {
			break
		}
		cand = next
	}
	if pref := cand & e.used; pref != 0 {
		cand = pref
	}
	pi := bits.TrailingZeros64(cand)
	e.st.page = pi
	e.used |= 1 << pi
	*dst = AppendCodePage(*dst, e.ps.slots[pi])
	b, ok := e.ps.pages[pi].Encode(r)
	return b, ok
}

// AppendLF appends a line feed.
func (e *Encoder) AppendLF(dst []byte) []byte { return AppendLF(dst) }

// AppendCut feeds to the cutter and cuts, if the profile can cut that way. A
// profile with only the other kind of cut uses it; one with none feeds.
func (e *Encoder) AppendCut(dst []byte, m CutMode) ([]byte, error) {
	if !m.Valid() {
		return dst, fmt.Errorf("escpos: %v out of range", m)
	}
	f := e.profile.Features
	switch {
	case m == CutNone:
		return dst, nil
	case m == CutPartial && !f.PaperPartCut && f.PaperFullCut:
		m = CutFull
	case m == CutFull && !f.PaperFullCut && f.PaperPartCut:
		m = CutPartial
	case !f.PaperFullCut && !f.PaperPartCut:
		return AppendFeedLines(dst, noCutterFeed), nil
	}
	return AppendCut(dst, m, 0)
}

// noCutterFeed moves the last line past a tear bar on printers with no cutter.
const noCutterFeed = 4
