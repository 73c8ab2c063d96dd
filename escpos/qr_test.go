package escpos

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendQRBytes(t *testing.T) {
	tests := []struct {
		name string
		q    QR
		want []byte
	}{
		{"ABC, level M, 4 dots", QR{Data: "ABC", Module: 4, Level: QRLevelM}, []byte{
			GS, '(', 'k', 4, 0, 49, 65, 50, 0, // model 2
			GS, '(', 'k', 3, 0, 49, 67, 4, // module size
			GS, '(', 'k', 3, 0, 49, 69, 49, // error correction M
			GS, '(', 'k', 6, 0, 49, 80, 48, 'A', 'B', 'C', // store: pL = len + 3
			GS, '(', 'k', 3, 0, 49, 81, 48, // print
		}},
		{"module 0 is the default 3, level L", QR{Data: "1"}, []byte{
			GS, '(', 'k', 4, 0, 49, 65, 50, 0,
			GS, '(', 'k', 3, 0, 49, 67, 3,
			GS, '(', 'k', 3, 0, 49, 69, 48,
			GS, '(', 'k', 4, 0, 49, 80, 48, '1',
			GS, '(', 'k', 3, 0, 49, 81, 48,
		}},
		{"level H, 16 dots", QR{Data: "x", Module: 16, Level: QRLevelH}, []byte{
			GS, '(', 'k', 4, 0, 49, 65, 50, 0,
			GS, '(', 'k', 3, 0, 49, 67, 16,
			GS, '(', 'k', 3, 0, 49, 69, 51,
			GS, '(', 'k', 4, 0, 49, 80, 48, 'x',
			GS, '(', 'k', 3, 0, 49, 81, 48,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AppendQR([]byte{0xAA}, tt.q)
			require.NoError(t, err)
			assert.Equal(t, append([]byte{0xAA}, tt.want...), got)
		})
	}
}

func TestAppendQRStoreLengthTwoBytes(t *testing.T) {
	data := strings.Repeat("é", 600) // 1200 bytes: pL pH = 1203
	got, err := AppendQR(nil, QR{Data: data, Level: QRLevelL})
	require.NoError(t, err)
	store := got[9+8+8:]
	assert.Equal(t, []byte{GS, '(', 'k', 1203 & 0xFF, 1203 >> 8, 49, 80, 48}, store[:8])
	assert.Equal(t, data, string(store[8:8+1200]))
}

// Version 40 capacities from ISO/IEC 18004 table 7, per mode and level.
func TestQRCapacity(t *testing.T) {
	tests := []struct {
		mode       string
		char       string
		l, m, q, h int
	}{
		{"numeric", "7", 7089, 5596, 3993, 3057},
		{"alphanumeric", "A", 4296, 3391, 2420, 1852},
		{"bytes", "a", 2953, 2331, 1663, 1273},
	}
	for _, tt := range tests {
		for lvl, n := range []int{tt.l, tt.m, tt.q, tt.h} {
			q := QR{Data: strings.Repeat(tt.char, n), Level: QRLevel(lvl)}
			_, err := AppendQR(nil, q)
			assert.NoError(t, err, "%s at %v: %d fit", tt.mode, q.Level, n)
			q.Data += tt.char
			_, err = AppendQR(nil, q)
			assert.EqualError(t, err, "escpos: qr: "+strconv.Itoa(n+1)+" bytes of data exceed the capacity of version 40 at level "+q.Level.String(), tt.mode)
			_, err = NewQRRaster(q)
			assert.Error(t, err)
		}
	}
}

func TestQRErrors(t *testing.T) {
	tests := []struct {
		q    QR
		want string
	}{
		{QR{}, "escpos: qr: no data"},
		{QR{Data: "x", Module: 17}, "escpos: qr: module size 17 out of range 1..16"},
		{QR{Data: "x", Level: 4}, "escpos: qr: QRLevel(4) out of range"},
	}
	for _, tt := range tests {
		got, err := AppendQR([]byte{1}, tt.q)
		assert.EqualError(t, err, tt.want)
		assert.Equal(t, []byte{1}, got)
		_, err = NewQRRaster(tt.q)
		assert.EqualError(t, err, tt.want)
	}
}

func TestNewQRRaster(t *testing.T) {
	r, err := NewQRRaster(QR{Data: "1", Module: 2})
	require.NoError(t, err)
	const side = (21 + 2*QRQuietZone) * 2 // version 1
	assert.Equal(t, [3]int{side, side, (side + 7) / 8}, [3]int{r.Width, r.Height, r.Stride})
	for i := 0; i < QRQuietZone*2; i++ {
		for j := 0; j < side; j++ {
			require.False(t, r.Black(i, j) || r.Black(j, i) || r.Black(side-1-i, j) || r.Black(j, side-1-i), "quiet zone at %d,%d", i, j)
		}
	}
	// The finder pattern's outer ring starts right after the quiet zone.
	q := QRQuietZone * 2
	for d := 0; d < 14; d++ {
		assert.True(t, r.Black(q+d, q) && r.Black(q, q+d), "finder ring %d", d)
	}
	assert.False(t, r.Black(q+2, q+2), "finder's white ring")
	assert.True(t, r.Black(q+4, q+4), "finder's centre")

	big, err := NewQRRaster(QR{Data: strings.Repeat("a", 2953), Module: 16})
	require.NoError(t, err)
	assert.Equal(t, (177+8)*16, big.Width, "version 40 at 16 dots")
}

func TestParseQRLevel(t *testing.T) {
	for l := QRLevelL; l <= QRLevelH; l++ {
		got, err := ParseQRLevel(l.String())
		require.NoError(t, err)
		assert.Equal(t, l, got)
		got, err = ParseQRLevel(strings.ToLower(l.String()))
		require.NoError(t, err)
		assert.Equal(t, l, got)
	}
	_, err := ParseQRLevel("X")
	assert.EqualError(t, err, `escpos: unknown QR level "X" (want L, M, Q or H)`)
	assert.Equal(t, "QRLevel(7)", QRLevel(7).String())
}

func TestQRVersionMatchesSymbol(t *testing.T) {
	for _, q := range []QR{
		{Data: "1"}, {Data: "HELLO"}, {Data: "https://example.com"}, {Data: strings.Repeat("9", 500), Level: QRLevelH},
		{Data: strings.Repeat("a", 2953)}, {Data: strings.Repeat("Z", 1000), Level: QRLevelQ},
	} {
		_, v, err := q.check()
		require.NoError(t, err)
		r, err := NewQRRaster(QR{Data: q.Data, Level: q.Level, Module: 1})
		require.NoError(t, err)
		assert.Equal(t, r.Width, qrSide(v), "%.10q at %v", q.Data, q.Level)
	}
}
