package escpos

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Each generated page round-trips (TestDBTablesRoundTrip covers them too,
// as they join dbTables) and holds the bytes its standard puts where.
func TestExtraTablesKnownBytes(t *testing.T) {
	tests := []struct {
		page string
		b    byte
		r    rune
	}{
		{"CP857", 0x98, 'İ'},
		{"CP857", 0x9E, 'Ş'},
		{"CP857", 0xA7, 'ğ'},
		{"CP857", 0xD5, '€'}, // IBM's euro update, Epson's PC857
		{"CP737", 0x80, 'Α'},
		{"CP737", 0x97, 'Ω'},
		{"CP737", 0xE0, 'ω'},
		{"CP864", 0xB0, '٠'},
		{"CP864", 0xB9, '٩'},
		{"CP864", 0x80, '°'},
		{"CP720", 0x98, 'ء'},
		{"CP775", 0x80, 'Ć'},
		{"CP775", 0xEF, '’'},
		{"CP861", 0x8B, 'Ð'},
		{"CP861", 0x8D, 'Þ'},
		{"CP869", 0xA4, 'Α'},
		{"CP869", 0x86, 'Ά'},
		{"RK1048", 0x88, '€'},
		{"RK1048", 0xAA, 'Ғ'},
		{"CP1125", 0xF4, 'Є'},
		{"CP856", 0x80, 'א'},
		{"CP772", 0xB5, 'Ą'},
		{"CP774", 0xB5, 'Ą'},
	}
	for _, tt := range tests {
		cp, ok := LookupCodePage(tt.page)
		require.True(t, ok, tt.page)
		r, ok := cp.Decode(tt.b)
		assert.True(t, ok, "%s %#x", tt.page, tt.b)
		assert.Equal(t, string(tt.r), string(r), "%s %#x", tt.page, tt.b)
		b, ok := cp.Encode(tt.r)
		assert.True(t, ok, "%s %q", tt.page, tt.r)
		assert.Equal(t, tt.b, b, "%s %q", tt.page, tt.r)
	}
}

// Undefined bytes of a source stay undefined, and C1 controls a codec
// passes through (CP720 0x80) are never text.
func TestExtraTablesUndefined(t *testing.T) {
	tests := []struct {
		page string
		b    byte
	}{{"CP857", 0xE7}, {"CP864", 0xFF}, {"CP864", 0xA6}, {"CP869", 0x80}, {"CP720", 0x80}, {"RK1048", 0x98}}
	for _, tt := range tests {
		cp, ok := LookupCodePage(tt.page)
		require.True(t, ok)
		_, ok = cp.Decode(tt.b)
		assert.False(t, ok, "%s %#x", tt.page, tt.b)
	}
	for _, name := range []string{"CP851", "CP853"} {
		_, ok := LookupCodePage(name)
		assert.False(t, ok, "%s has no trustworthy table (see cpgen.py)", name)
	}
}

func TestExtraTablesAreKnown(t *testing.T) {
	known := KnownCodePages()
	for name := range extraTables {
		assert.Contains(t, known, name)
		_, dup := charmaps[name]
		assert.False(t, dup, "x/text already knows %s", name)
	}
}

// The committed tables are what the generator makes today; skipped where
// python3 or iconv is missing (CI needs neither: the output is committed).
func TestExtraTablesUpToDate(t *testing.T) {
	for _, tool := range []string{"python3", "iconv", "gofmt"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	out := filepath.Join(t.TempDir(), "extra.go")
	cmd := exec.Command("python3", "internal/cpgen/cpgen.py", "-o", out)
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", msg)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	want, err := os.ReadFile("codepages_extra.go")
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "run go generate ./escpos/ and commit codepages_extra.go")
}
