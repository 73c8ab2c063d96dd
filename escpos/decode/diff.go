package decode

import (
	"bytes"
	"strconv"
)

// EditKind says how one step of an alignment treats its elements.
type EditKind uint8

const (
	Equal  EditKind = iota // A[i] and B[j] are the same
	Delete                 // A[i] only
	Insert                 // B[j] only
)

// Edit is one step of an alignment of two sequences: indices into A and B
// (the one a Delete or Insert does not use is where the other side stands).
type Edit struct {
	Kind EditKind
	A, B int
}

// maxEditDistance bounds the search of Align: past it the middle of two
// very different sequences is reported as removed and added whole, so
// memory stays bounded (a few tens of MB) on hostile input.
const maxEditDistance = 2000

// Align returns a shortest edit script turning A (n elements) into B (m
// elements), eq telling whether A[i] equals B[j] (Myers' O(ND) algorithm,
// common prefix and suffix taken first).
func Align(n, m int, eq func(i, j int) bool) []Edit {
	edits := make([]Edit, 0, max(n, m))
	pre := 0
	for pre < n && pre < m && eq(pre, pre) {
		edits = append(edits, Edit{Equal, pre, pre})
		pre++
	}
	suf := 0
	for suf < n-pre && suf < m-pre && eq(n-1-suf, m-1-suf) {
		suf++
	}
	edits = appendMiddle(edits, pre, n-suf, pre, m-suf, eq)
	for k := suf; k > 0; k-- {
		edits = append(edits, Edit{Equal, n - k, m - k})
	}
	return edits
}

// appendMiddle aligns A[a0:a1] with B[b0:b1].
func appendMiddle(edits []Edit, a0, a1, b0, b1 int, eq func(i, j int) bool) []Edit {
	n, m := a1-a0, b1-b0
	whole := func() []Edit {
		for i := a0; i < a1; i++ {
			edits = append(edits, Edit{Delete, i, b0})
		}
		for j := b0; j < b1; j++ {
			edits = append(edits, Edit{Insert, a1, j})
		}
		return edits
	}
	if n == 0 || m == 0 {
		return whole()
	}
	limit := min(n+m, maxEditDistance)
	off := limit + 1
	v := make([]int32, 2*limit+3)
	var trace [][]int32
	found := -1
	for d := 0; d <= limit && found < 0; d++ {
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && v[off+k-1] < v[off+k+1] {
				x = int(v[off+k+1])
			} else {
				x = int(v[off+k-1]) + 1
			}
			y := x - k
			for x < n && y < m && eq(a0+x, b0+y) {
				x++
				y++
			}
			v[off+k] = int32(x)
			if x >= n && y >= m {
				found = d
				break
			}
		}
		trace = append(trace, append([]int32(nil), v[off-d:off+d+1]...))
	}
	if found < 0 {
		return whole()
	}
	// Walk back through the trace.
	rev := make([]Edit, 0, n+m)
	x, y := n, m
	for d := found; d > 0; d-- {
		prev := trace[d-1] // indices k+(d-1)
		at := func(k int) int { return int(prev[k+d-1]) }
		k := x - y
		var pk int
		if k == -d || k != d && at(k-1) < at(k+1) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := at(pk)
		py := px - pk
		for x > px && y > py {
			x--
			y--
			rev = append(rev, Edit{Equal, a0 + x, b0 + y})
		}
		if x == px {
			y--
			rev = append(rev, Edit{Insert, a0 + x, b0 + y})
		} else {
			x--
			rev = append(rev, Edit{Delete, a0 + x, b0 + y})
		}
	}
	for x > 0 && y > 0 {
		x--
		y--
		rev = append(rev, Edit{Equal, a0 + x, b0 + y})
	}
	for i := len(rev) - 1; i >= 0; i-- {
		edits = append(edits, rev[i])
	}
	return edits
}

// DiffCommands aligns two decoded streams command by command: commands are
// equal when their bytes are (so two images of the same size but other
// dots differ, though their disassembly reads alike).
func DiffCommands(a, b []Command) []Edit {
	return Align(len(a), len(b), func(i, j int) bool { return bytes.Equal(a[i].Raw, b[j].Raw) })
}

// Same reports whether an alignment found no difference.
func Same(edits []Edit) bool {
	for _, e := range edits {
		if e.Kind != Equal {
			return false
		}
	}
	return true
}

// AppendDiff appends an aligned disassembly diff of a and b: hunks of
// changed commands with context unchanged ones around them,
//
//	@@ A 0012 B 0012 @@
//	  0010 0010  ESC E 1                   ; bold on
//	- 0012       "Summe"
//	+      0012  "Total"
//
// each line naming the command's offset in A and in B. Nothing is appended
// when the streams are the same.
func AppendDiff(dst []byte, a, b []Command, context int) []byte {
	edits := DiffCommands(a, b)
	width := 4
	for _, cs := range [][]Command{a, b} {
		if len(cs) > 0 {
			for last := cs[len(cs)-1].Offset; last >= 1<<(4*width); width++ {
			}
		}
	}
	blank := bytes.Repeat([]byte{' '}, width)
	line := func(dst []byte, e Edit) []byte {
		switch e.Kind {
		case Equal:
			dst = append(dst, "  "...)
			dst = appendHex(dst, a[e.A].Offset, width)
			dst = append(dst, ' ')
			dst = appendHex(dst, b[e.B].Offset, width)
			dst = append(dst, "  "...)
			return appendCommandLine(dst, &a[e.A])
		case Delete:
			dst = append(dst, "- "...)
			dst = appendHex(dst, a[e.A].Offset, width)
			dst = append(dst, ' ')
			dst = append(dst, blank...)
			dst = append(dst, "  "...)
			return appendCommandLine(dst, &a[e.A])
		}
		dst = append(dst, "+ "...)
		dst = append(dst, blank...)
		dst = append(dst, ' ')
		dst = appendHex(dst, b[e.B].Offset, width)
		dst = append(dst, "  "...)
		return appendCommandLine(dst, &b[e.B])
	}
	offsetOf := func(cs []Command, i int) int {
		if i < len(cs) {
			return cs[i].Offset
		}
		if len(cs) == 0 {
			return 0
		}
		last := cs[len(cs)-1]
		return last.Offset + len(last.Raw)
	}
	for i := 0; i < len(edits); {
		if edits[i].Kind == Equal {
			i++
			continue
		}
		// A hunk: from context before the change to context after the
		// last change closer than 2*context to the next.
		start := max(i-context, 0)
		end := i
		for end < len(edits) {
			if edits[end].Kind != Equal {
				end++
				continue
			}
			run := end
			for run < len(edits) && edits[run].Kind == Equal {
				run++
			}
			if run == len(edits) || run-end > 2*context {
				end = min(end+context, len(edits))
				break
			}
			end = run
		}
		first := edits[start]
		dst = append(dst, "@@ A "...)
		dst = appendHex(dst, offsetOf(a, first.A), width)
		dst = append(dst, " B "...)
		dst = appendHex(dst, offsetOf(b, first.B), width)
		dst = append(dst, " @@\n"...)
		for _, e := range edits[start:end] {
			dst = line(dst, e)
			dst = append(dst, '\n')
		}
		i = end
	}
	return dst
}

// DiffSummary says in a line how far apart two alignments are.
func DiffSummary(edits []Edit) string {
	del, ins := 0, 0
	for _, e := range edits {
		switch e.Kind {
		case Delete:
			del++
		case Insert:
			ins++
		}
	}
	noun := " commands"
	if del == 1 {
		noun = " command"
	}
	return strconv.Itoa(del) + noun + " only in A, " + strconv.Itoa(ins) + " only in B"
}
