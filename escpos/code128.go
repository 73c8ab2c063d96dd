package escpos

import "fmt"

// code128Set is a CODE128 code set. Printable ASCII needs only B (all of
// it) and C (digit pairs); A would only add control characters.
type code128Set uint8

const (
	setB code128Set = iota
	setC
)

// code128Seg is a run of data in one code set.
type code128Seg struct {
	set  code128Set
	text string
}

// code128Plan splits data into code-set runs giving the fewest symbols (the
// narrowest barcode); among equally narrow plans it takes the one with the
// fewest bytes to send, then the one staying in code set B. This is exact
// shortest-path search, so it meets (and on ties settles) the standard's
// rules of thumb: C for four or more leading digits or exactly two, C for
// an even run of six or more inside the data, and so on.
func code128Plan(data string) ([]code128Seg, error) {
	if data == "" {
		return nil, fmt.Errorf("escpos: code128: no data")
	}
	for i := 0; i < len(data); i++ {
		if c := data[i]; c < 32 || c > 126 {
			return nil, fmt.Errorf("escpos: code128: byte %#02x at %d is not printable ASCII", c, i)
		}
	}
	n := len(data)
	type cost struct{ sym, bytes int }
	less := func(a, b cost) bool { return a.sym < b.sym || a.sym == b.sym && a.bytes < b.bytes }
	const inf = 1 << 30
	type node struct {
		c    cost
		prev int        // position of the predecessor
		set  code128Set // its code set
	}
	best := make([][2]node, n+1)
	for i := range best {
		best[i][setB].c = cost{inf, inf}
		best[i][setC].c = cost{inf, inf}
	}
	best[0][setB] = node{c: cost{1, 2}, prev: -1} // Start B, "{B"
	best[0][setC] = node{c: cost{1, 2}, prev: -1} // Start C, "{C"
	relax := func(i int, s code128Set, c cost, prev int, ps code128Set) {
		if less(c, best[i][s].c) {
			best[i][s] = node{c: c, prev: prev, set: ps}
		}
	}
	for i := 0; i <= n; i++ {
		if i > 0 { // a code-set switch: one symbol, two bytes ("{B", "{C")
			b, c := best[i][setB], best[i][setC]
			relax(i, setC, cost{b.c.sym + 1, b.c.bytes + 2}, i, setB)
			relax(i, setB, cost{c.c.sym + 1, c.c.bytes + 2}, i, setC)
		}
		if i == n {
			break
		}
		if b := best[i][setB].c; b.sym < inf {
			w := 1
			if data[i] == '{' {
				w = 2 // sent escaped as "{{"
			}
			relax(i+1, setB, cost{b.sym + 1, b.bytes + w}, i, setB)
		}
		if c := best[i][setC].c; c.sym < inf && i+1 < n && isDigit(data[i]) && isDigit(data[i+1]) {
			relax(i+2, setC, cost{c.sym + 1, c.bytes + 1}, i, setC)
		}
	}
	s := setB
	if less(best[n][setC].c, best[n][setB].c) {
		s = setC
	}
	// Walk back, cutting a segment wherever the set changes.
	var segs []code128Seg
	end := n
	for i := n; ; {
		nd := best[i][s]
		if nd.prev < 0 {
			segs = append(segs, code128Seg{s, data[:end]})
			break
		}
		if nd.set != s { // a switch at position i
			segs = append(segs, code128Seg{s, data[i:end]})
			end = i
		}
		i, s = nd.prev, nd.set
	}
	for l, r := 0, len(segs)-1; l < r; l, r = l+1, r-1 {
		segs[l], segs[r] = segs[r], segs[l]
	}
	return segs, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// code128Wire is the GS k data for segs: "{B" text (with "{" as "{{"), or
// "{C" and one byte 0–99 per digit pair.
func code128Wire(segs []code128Seg) []byte {
	var p []byte
	for _, sg := range segs {
		if sg.set == setC {
			p = append(p, '{', 'C')
			for i := 0; i+1 < len(sg.text); i += 2 {
				p = append(p, (sg.text[i]-'0')*10+sg.text[i+1]-'0')
			}
			continue
		}
		p = append(p, '{', 'B')
		for i := 0; i < len(sg.text); i++ {
			if sg.text[i] == '{' {
				p = append(p, '{')
			}
			p = append(p, sg.text[i])
		}
	}
	return p
}

// Symbol values of CODE128.
const (
	c128CodeC  = 99
	c128CodeB  = 100
	c128StartB = 104
	c128StartC = 105
	c128Stop   = 106
)

// code128Values is the symbol sequence for segs: start, data with switches,
// check symbol (mod 103 weighted sum), stop.
func code128Values(segs []code128Seg) []int {
	var v []int
	for k, sg := range segs {
		switch {
		case k == 0 && sg.set == setC:
			v = append(v, c128StartC)
		case k == 0:
			v = append(v, c128StartB)
		case sg.set == setC:
			v = append(v, c128CodeC)
		default:
			v = append(v, c128CodeB)
		}
		if sg.set == setC {
			for i := 0; i+1 < len(sg.text); i += 2 {
				v = append(v, int(sg.text[i]-'0')*10+int(sg.text[i+1]-'0'))
			}
			continue
		}
		for i := 0; i < len(sg.text); i++ {
			v = append(v, int(sg.text[i])-32)
		}
	}
	sum := v[0]
	for i := 1; i < len(v); i++ {
		sum += i * v[i]
	}
	return append(v, sum%103, c128Stop)
}
