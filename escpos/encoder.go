package escpos

import (
	"fmt"
	"math/bits"
	"sort"
	"sync"
	"unicode/utf8"
)

// maxPages bounds how many distinct code pages of one profile take part in
// encoding; the selection works on a 64-bit set of them.
const maxPages = 64

// pageSet is the text-capable part of a profile: its code pages with a known
// table, one slot per table, in preference order (see pageRank), so that the
// lowest bit of a candidate set is the best page.
type pageSet struct {
	slots []uint8
	pages []*CodePage
	index map[rune]uint64 // rune -> set of pages (bit i = pages[i]) holding it
}

// rankedPages is the order in which pages are preferred for a rune that
// several of them hold, ahead of slot order:
//
//  1. CP437 (PC437, USA/Standard Europe), then CP850 (PC850, Multilingual):
//     the printers' power-on default and the Western European table every
//     ESC/POS model and clone carries and documents, so letters such as
//     ä ö ü ß é ñ print from them.
//  2. CP858 (PC858, Euro), then CP1252 (WPC1252): the tables vendors
//     document for "€". CP437 and CP850 lack "€", so for "€" these come
//     first; CP1252 is also the table for „ “ – … and other typography.
//  3. Every other table, by ascending slot.
//
// Slot order alone would put "€" on a TM-T88V's slot 15, ISO-8859-7, which
// holds "€" only in its 2003 revision: printers with the older table print
// something else there.
var rankedPages = [...]string{"CP437", "CP850", "CP858", "CP1252"}

// pageRank orders a page by rankedPages, then by slot.
func pageRank(name string) int {
	for i, n := range rankedPages {
		if n == name {
			return i
		}
	}
	return len(rankedPages)
}

var pageSets sync.Map // *Profile -> *pageSet

func pageSetFor(p *Profile) *pageSet {
	if ps, ok := pageSets.Load(p); ok {
		return ps.(*pageSet)
	}
	type entry struct {
		slot uint8
		cp   *CodePage
	}
	var ents []entry
	seen := make(map[string]bool)
	for _, s := range p.CodePages {
		cp, ok := LookupCodePage(s.Encoding)
		if !ok || seen[cp.Name] || len(ents) == maxPages {
			continue
		}
		seen[cp.Name] = true
		ents = append(ents, entry{s.Slot, cp})
	}
	// Stable: profiles list slots in ascending order, which breaks ties.
	sort.SliceStable(ents, func(i, j int) bool { return pageRank(ents[i].cp.Name) < pageRank(ents[j].cp.Name) })
	ps := &pageSet{index: make(map[rune]uint64)}
	for i, en := range ents {
		bit := uint64(1) << i
		ps.slots = append(ps.slots, en.slot)
		ps.pages = append(ps.pages, en.cp)
		for _, r := range en.cp.upper {
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
	star    bool   // code pages are selected with ESC GS t n

	// OnFallback, when set, hears of every rune printed as something else.
	OnFallback func(Fallback)
}

// NewEncoder returns an encoder for p. The printer state is unknown until
// AppendInit.
func NewEncoder(p *Profile) (*Encoder, error) {
	if p == nil {
		return nil, fmt.Errorf("escpos: nil profile")
	}
	e := &Encoder{profile: p, ps: pageSetFor(p), star: p.StarCodePages()}
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
// kept while it holds the coming runes. When it does not, the switch (ESC t)
// goes before the word that needs it, to a page that holds the whole word and
// as much of the rest of s as one page can, so that a line, or at least a
// word (which may be double size), is printed from one table. Only a word no
// single page holds switches inside it. Among pages that fit equally, those
// this job already used come first, then the ranking of rankedPages. Runes no
// page holds, and control characters, go through Substitute and are reported.
func (e *Encoder) AppendText(dst []byte, s string) []byte {
	wordStart := true
	for i := 0; i < len(s); {
		if wordStart {
			var plain int
			dst, plain = e.selectForWord(dst, s[i:])
			dst = append(dst, s[i:i+plain]...)
			i += plain
			wordStart = plain > 0 // a plain word ends with its space or s
			continue
		}
		c := s[i]
		if c >= 0x20 && c < 0x7F {
			dst = append(dst, c)
			wordStart = c == ' '
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

// selectForWord switches, before the word s starts with, to a page that
// holds all of the word's printable non-ASCII runes, unless the current page
// already does or no single page does. It returns how many bytes of s are
// printable ASCII the caller may copy as they are: the whole word and the
// space after it when the word is plain ASCII, else none. It allocates
// nothing.
func (e *Encoder) selectForWord(dst []byte, s string) ([]byte, int) {
	end := 0
	for end < len(s) && s[end] != ' ' {
		if c := s[end]; c < 0x20 || c >= 0x7F {
			break
		}
		end++
	}
	if end == len(s) || s[end] == ' ' {
		if end < len(s) {
			end++ // the space ends the word
		}
		return dst, end
	}
	var cur uint64
	if e.st.page >= 0 {
		cur = 1 << e.st.page
	}
	cand := ^uint64(0)
	for end < len(s) && s[end] != ' ' {
		if s[end] < 0x80 {
			end++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[end:])
		end += n
		set := e.ps.index[r]
		if set == 0 {
			continue // no page holds it: a fallback whatever the page
		}
		cand &= set
	}
	if cand == ^uint64(0) || cand&cur != 0 {
		return dst, 0 // nothing to print from a page, or the current page fits
	}
	if cand == 0 {
		return dst, 0 // no one page holds the word: switch inside it, per rune
	}
	return e.selectPage(dst, e.narrow(cand, s[end:])), 0
}

// narrow keeps, of cand, the pages that also hold the following non-ASCII
// runes of s, for as long as one does.
func (e *Encoder) narrow(cand uint64, s string) uint64 {
	for _, x := range s {
		if x < 0x80 {
			continue
		}
		set := e.ps.index[x]
		if set == 0 {
			continue
		}
		next := cand & set
		if next == 0 {
			break
		}
		cand = next
	}
	return cand
}

// selectPage switches to the best page of the non-empty set cand: one this
// job already used, else the first in rank order.
func (e *Encoder) selectPage(dst []byte, cand uint64) []byte {
	if pref := cand & e.used; pref != 0 {
		cand = pref
	}
	pi := bits.TrailingZeros64(cand)
	e.st.page = pi
	e.used |= 1 << pi
	if e.star {
		return AppendStarCodePage(dst, e.ps.slots[pi])
	}
	return AppendCodePage(dst, e.ps.slots[pi])
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
	*dst = e.selectPage(*dst, e.narrow(cand, rest))
	return e.ps.pages[e.st.page].Encode(r)
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
