package escpos

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDBTablesRoundTrip checks every table generated from escpos-printer-db:
// whatever a byte decodes to must encode to a byte that decodes to it again
// (not always the same byte: a page may repeat a glyph or an ASCII one).
func TestDBTablesRoundTrip(t *testing.T) {
	require.NotEmpty(t, dbTables)
	for name := range dbTables {
		t.Run(name, func(t *testing.T) {
			_, dup := charmaps[name]
			assert.False(t, dup, "x/text already knows %s; drop the table", name)
			cp, ok := LookupCodePage(name)
			require.True(t, ok)
			defined := 0
			for i := range 128 {
				b := byte(0x80 + i)
				r, ok := cp.Decode(b)
				if !ok {
					assert.Zero(t, r)
					continue
				}
				defined++
				assert.NotEqual(t, ' ', r, "byte %#x: the db's placeholder space leaked", b)
				e, ok := cp.Encode(r)
				require.True(t, ok, "byte %#x (%q) does not encode", b, r)
				back, ok := cp.Decode(e)
				require.True(t, ok)
				assert.Equal(t, r, back, "byte %#x", b)
			}
			assert.Greater(t, defined, 10)
		})
	}
}

func TestDBTablesPlaceholders(t *testing.T) {
	kata, ok := LookupCodePage("katakana") // names are case-insensitive
	require.True(t, ok)
	_, ok = kata.Decode(0xA0) // a space in the db table: undefined
	assert.False(t, ok)
	r, ok := kata.Decode(0xFF) // U+00A0 is a real character there
	assert.True(t, ok)
	assert.Equal(t, '\u00a0', r)
	r, ok = kata.Decode(0xB1)
	assert.True(t, ok)
	assert.Equal(t, 'ｱ', r)
}

func TestCodePageKnownBytes(t *testing.T) {
	tests := []struct {
		page string
		r    rune
		b    byte
	}{
		{"CP858", '€', 0xD5},
		{"CP1252", '€', 0x80},
		{"CP437", 'ä', 0x84},
		{"CP437", 'ö', 0x94},
		{"CP437", 'ü', 0x81},
		{"CP437", 'ß', 0xE1},
		{"CP437", 'Ä', 0x8E},
		{"CP437", 'Ö', 0x99},
		{"CP437", 'Ü', 0x9A},
		{"CP3012", 'Я', 0x9F},
		{"TCVN-3-1", 'đ', 0xAE},
	}
	for _, tt := range tests {
		t.Run(tt.page+"/"+string(tt.r), func(t *testing.T) {
			cp, ok := LookupCodePage(tt.page)
			require.True(t, ok)
			b, ok := cp.Encode(tt.r)
			require.True(t, ok)
			assert.Equal(t, tt.b, b)
			r, ok := cp.Decode(tt.b)
			require.True(t, ok)
			assert.Equal(t, tt.r, r)
		})
	}
	cp437, _ := LookupCodePage("CP437")
	_, ok := cp437.Encode('€')
	assert.False(t, ok, "CP437 has no euro sign")
}

func TestLookupCodePageUnknown(t *testing.T) {
	for _, name := range []string{"Unknown", "CP932", ""} {
		cp, ok := LookupCodePage(name)
		assert.False(t, ok, name)
		assert.Nil(t, cp, name)
	}
}

// FuzzCodePageEncode: no rune ever encodes to a control byte, and every
// encoding decodes back to the rune.
func FuzzCodePageEncode(f *testing.F) {
	for _, r := range "aä€\u0000\u001b\u007f\u0085\u00a0ｱ" {
		f.Add(r)
	}
	names := KnownCodePages()
	f.Fuzz(func(t *testing.T, r rune) {
		for _, name := range names {
			cp, ok := LookupCodePage(name)
			require.True(t, ok, name)
			b, ok := cp.Encode(r)
			if !ok {
				continue
			}
			require.False(t, b < 0x20 || b == 0x7F, "%s encodes %U as control byte %#x", name, r, b)
			back, ok := cp.Decode(b)
			require.True(t, ok)
			require.Equal(t, r, back, name)
		}
	})
}

func BenchmarkCodePageEncode(b *testing.B) {
	for _, bc := range []struct {
		page string
		r    rune
	}{{"CP858", '€'}, {"CP437", 'ü'}, {"TCVN-3-1", 'ự'}} {
		cp, ok := LookupCodePage(bc.page)
		require.True(b, ok)
		b.Run(bc.page, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := cp.Encode(bc.r); !ok {
					b.Fatal("not encodable")
				}
			}
		})
	}
}
