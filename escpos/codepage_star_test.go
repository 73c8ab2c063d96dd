package escpos

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The cells of Star's Standard table that German receipts use, as
// receipt-printer-encoder writes them (testdata/thirdparty/star).
func TestStarStandardTable(t *testing.T) {
	cp, ok := LookupCodePage(StarStandard)
	require.True(t, ok)
	for b, want := range map[byte]rune{0xCD: 'ä', 0xB9: 'ö', 0xBE: 'ü', 0xA0: 'Ä', 0xA1: 'Ö', 0xA2: 'Ü', 0xA3: 'ß', 0xB0: 'é', 'A': 'A'} {
		r, ok := cp.Decode(b)
		assert.True(t, ok, "%#x", b)
		assert.Equal(t, string(want), string(r), "%#x", b)
	}
	_, ok = cp.Decode(0xA7)
	assert.False(t, ok, "undefined cell")
	assert.Contains(t, KnownCodePages(), StarStandard)
}
