package decode

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lcs is the textbook dynamic programme: the length of the longest common
// subsequence, which a shortest edit script keeps as Equal steps.
func lcs(a, b string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}

// checkAlign verifies that edits walk both sequences in order, pair only
// equal elements and keep as many as the LCS.
func checkAlign(t testing.TB, a, b string, edits []Edit) {
	i, j, eq := 0, 0, 0
	for _, e := range edits {
		switch e.Kind {
		case Equal:
			if e.A != i || e.B != j || a[i] != b[j] {
				t.Fatalf("%q %q: bad equal step %+v at %d,%d", a, b, e, i, j)
			}
			i, j, eq = i+1, j+1, eq+1
		case Delete:
			if e.A != i {
				t.Fatalf("%q %q: bad delete %+v at %d", a, b, e, i)
			}
			i++
		case Insert:
			if e.B != j {
				t.Fatalf("%q %q: bad insert %+v at %d", a, b, e, j)
			}
			j++
		}
	}
	if i != len(a) || j != len(b) {
		t.Fatalf("%q %q: walked %d,%d", a, b, i, j)
	}
	if want := lcs(a, b); eq != want {
		t.Fatalf("%q %q: kept %d, LCS %d", a, b, eq, want)
	}
}

func TestAlign(t *testing.T) {
	for _, tt := range [][2]string{
		{"", ""}, {"abc", ""}, {"", "abc"}, {"abc", "abc"}, {"abcabba", "cbabac"},
		{"xaby", "xacby"}, {"the receipt", "the new receipt!"}, {"aaaa", "aa"}, {"abcdef", "fedcba"},
	} {
		a, b := tt[0], tt[1]
		checkAlign(t, a, b, Align(len(a), len(b), func(i, j int) bool { return a[i] == b[j] }))
	}
}

func FuzzAlign(f *testing.F) {
	f.Add("abcabba", "cbabac")
	f.Add("", "x")
	f.Fuzz(func(t *testing.T, a, b string) {
		if len(a) > 300 || len(b) > 300 {
			return
		}
		checkAlign(t, a, b, Align(len(a), len(b), func(i, j int) bool { return a[i] == b[j] }))
	})
}

func TestAppendDiff(t *testing.T) {
	a := Decode(cat([]byte{0x1B, '@'}, []byte("Summe\n"), []byte{0x1B, 'E', 1}, []byte("7,96 EUR\n"), []byte("Danke\n"), []byte{0x1D, 'V', 66, 0}), epson)
	b := Decode(cat([]byte{0x1B, '@'}, []byte("Summe\n"), []byte{0x1B, 'E', 0}, []byte("7,96 EUR\n"), []byte("Danke\n"), []byte{0x1D, 'V', 66, 0}), epson)
	got := string(AppendDiff(nil, a, b, 1))
	want := `@@ A 0007 B 0007 @@
  0007 0007  LF
- 0008       ESC E 1                   ; bold on
+      0008  ESC E 0                   ; bold off
  000b 000b  "7,96 EUR"
`
	assert.Equal(t, want, got)
	assert.Empty(t, AppendDiff(nil, a, a, 3))
	assert.True(t, Same(DiffCommands(a, a)))
	assert.Equal(t, "1 command only in A, 1 only in B", DiffSummary(DiffCommands(a, b)))

	// An insertion shifts offsets but aligns the rest.
	c := Decode(cat([]byte{0x1B, '@'}, []byte("Filiale 7\n"), []byte("Summe\n"), []byte{0x1B, 'E', 1}, []byte("7,96 EUR\n"), []byte("Danke\n"), []byte{0x1D, 'V', 66, 0}), epson)
	got = string(AppendDiff(nil, a, c, 0))
	assert.Equal(t, "@@ A 0002 B 0002 @@\n+      0002  \"Filiale 7\"\n+      000b  LF\n", got)
	// Context 2: one command before (ESC @, the stream's first), two after.
	require.Len(t, strings.Split(strings.TrimSuffix(string(AppendDiff(nil, a, c, 2)), "\n"), "\n"), 1+1+2+2)
}

// FuzzDiff: any two streams diff without panic, and a stream against
// itself shows nothing.
func FuzzDiff(f *testing.F) {
	s := seeds(f)
	for i := range s {
		f.Add(s[i], s[(i+1)%len(s)])
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		ca, cb := Decode(a, epson), Decode(b, epson)
		_ = AppendDiff(nil, ca, cb, 2)
		if len(AppendDiff(nil, ca, ca, 2)) != 0 {
			t.Fatal("a stream differs from itself")
		}
		if Same(DiffCommands(ca, cb)) != (string(a) == string(b)) {
			t.Fatalf("Same disagrees with the bytes")
		}
	})
}

func BenchmarkDiff(b *testing.B) {
	a, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", "pay-missing-sum", "TM-T88V-42col.bin"))
	require.NoError(b, err)
	c := bytes.Replace(a, []byte("7,96"), []byte("8,96"), 1)
	ca, cc := Decode(a, epson), Decode(c, epson)
	b.SetBytes(int64(len(a) + len(c)))
	b.ReportAllocs()
	for b.Loop() {
		_ = AppendDiff(nil, ca, cc, 3)
	}
}
