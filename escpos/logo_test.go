package escpos

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLogoBytes(t *testing.T) {
	r := newRaster(9, 2)
	r.Bits = []byte{0xFF, 0x80, 0x01, 0x00}
	key := LogoKey{'L', 'G'}

	got, err := AppendDefineLogo([]byte{0xAA}, key, r)
	require.NoError(t, err)
	assert.Equal(t, []byte{0xAA, GS, '(', 'L', 15, 0, 48, 67, 48, 'L', 'G', 1, 9, 0, 2, 0, 49, 0xFF, 0x80, 0x01, 0x00}, got)

	got, err = AppendPrintLogo(nil, key)
	require.NoError(t, err)
	assert.Equal(t, []byte{GS, '(', 'L', 6, 0, 48, 69, 'L', 'G', 1, 1}, got)
	assert.Len(t, got, 11)

	got, err = AppendDeleteLogo(nil, key)
	require.NoError(t, err)
	assert.Equal(t, []byte{GS, '(', 'L', 4, 0, 48, 66, 'L', 'G'}, got)
}

func TestDefineBigLogoUsesGS8L(t *testing.T) {
	r := newRaster(1024, 600) // 76 800 bytes
	got, err := AppendDefineLogo(nil, LogoKey{'A', '1'}, r)
	require.NoError(t, err)
	n := 11 + 128*600
	assert.Equal(t, []byte{GS, '8', 'L', byte(n), byte(n >> 8), byte(n >> 16), 0, 48, 67, 48, 'A', '1', 1, 0, 4, 0x58, 2, 49}, got[:18])
	assert.Len(t, got, 18+128*600)
}

func TestLegacyLogoBytes(t *testing.T) {
	r := newRaster(9, 3)
	r.set(0, 0)
	r.set(0, 2)
	r.set(8, 1)
	got, err := AppendLegacyDefineLogo(nil, r)
	require.NoError(t, err)
	// 2 blocks of 8 dots across, 1 byte down; then 16 columns, top bit first.
	want := []byte{FS, 'q', 1, 2, 0, 1, 0, 0xA0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0}
	assert.Equal(t, want, got)

	got, err = AppendLegacyPrintLogo(nil, 1)
	require.NoError(t, err)
	assert.Equal(t, []byte{FS, 'p', 1, 0}, got)
	_, err = AppendLegacyPrintLogo(nil, 0)
	assert.EqualError(t, err, "escpos: NV bit image number 0 out of range 1..255")
}

func TestLogoErrors(t *testing.T) {
	r := newRaster(8, 1)
	for _, k := range []LogoKey{{31, 'A'}, {'A', 127}, {}} {
		_, err := AppendDefineLogo(nil, k, r)
		assert.Error(t, err, "%v", k[:])
		_, err = AppendPrintLogo(nil, k)
		assert.Error(t, err)
		_, err = AppendDeleteLogo(nil, k)
		assert.Error(t, err)
		assert.False(t, k.Valid())
	}
	_, err := AppendPrintLogo(nil, LogoKey{0x1B, '@'})
	assert.EqualError(t, err, `escpos: logo key "\x1b@": characters must be printable ASCII`)
	_, err = AppendDefineLogo(nil, LogoKey{'A', 'B'}, newRaster(MaxLogoWidth+1, 1))
	assert.EqualError(t, err, "escpos: logo 8193x1 exceeds 8192x2304")
	_, err = AppendDefineLogo(nil, LogoKey{'A', 'B'}, newRaster(8, MaxLogoHeight+1))
	assert.EqualError(t, err, "escpos: logo 8x2305 exceeds 8192x2304")
	_, err = AppendLegacyDefineLogo(nil, newRaster(8, 2305))
	assert.EqualError(t, err, "escpos: legacy logo 8x2305 exceeds 8184x2304")
}

func TestParseLogoKey(t *testing.T) {
	k, err := ParseLogoKey("LG")
	require.NoError(t, err)
	assert.Equal(t, LogoKey{'L', 'G'}, k)
	assert.Equal(t, "LG", k.String())
	for _, bad := range []string{"", "L", "LGO", "L\n", "é"} {
		_, err := ParseLogoKey(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestDrawerBytes(t *testing.T) {
	assert.Equal(t, []byte{1, BEL}, AppendDrawerBel([]byte{1}))
	got, err := AppendRealtimePulse(nil, DrawerPin5, 8)
	require.NoError(t, err)
	assert.Equal(t, []byte{DLE, DC4, 1, 1, 8}, got)
	got, err = AppendRealtimePulse(nil, DrawerPin2, 1)
	require.NoError(t, err)
	assert.Equal(t, []byte{DLE, DC4, 1, 0, 1}, got)
	_, err = AppendRealtimePulse(nil, DrawerPin2, 0)
	assert.EqualError(t, err, "escpos: real-time pulse of 0×100 ms out of range 1..8")
	_, err = AppendRealtimePulse(nil, DrawerPin2, 9)
	assert.Error(t, err)
	_, err = AppendRealtimePulse(nil, 2, 1)
	assert.EqualError(t, err, "escpos: drawer pin 2 out of range")
}
