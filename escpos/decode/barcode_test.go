package decode

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseCode128(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		values []int
		hri    string
		check  int
	}{
		{"set B", "{BAB", []int{C128StartB, 33, 34}, "AB", -1},
		{"set C values", "{C\x0c\x22", []int{C128StartC, 12, 34}, "1234", -1},
		{"B then C", "{BNo{C\x0c", []int{C128StartB, 46, 79, C128CodeC, 12}, "No12", -1},
		{"set A control", "{A\x0dA", []int{C128StartA, 77, 33}, " A", -1},
		{"literal brace", "{Ba{{", []int{C128StartB, 65, 91}, "a{", -1},
		{"shift", "{Aa{Sb", nil, "", 0}, // a is not in set A
		{"shift B into A", "{BA{S\x0d", []int{C128StartB, 33, C128Shift, 77}, "A ", -1},
		{"FNC1 GS1", "{C{1\x01\x02", []int{C128StartC, C128FNC1, 1, 2}, "0102", -1},
		// 104 + 48·1 + 42·2 + 42·3 + 17·4 + 18·5 + 19·6 + 35·7 = 879 ≡ 55 (mod 103).
		{"checksum", "{BPJJ123C", []int{C128StartB, 48, 42, 42, 17, 18, 19, 35}, "PJJ123C", 55},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCode128([]byte(tt.in))
			if tt.values == nil {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.values, c.Values)
			assert.Equal(t, tt.hri, c.HRI)
			if tt.check >= 0 {
				assert.Equal(t, tt.check, c.Checksum())
			}
		})
	}
	for _, bad := range []string{"", "AB", "{D12", "{B", "{BA{", "{BA{B", "{C\x64", "{C{2", "{C{{", "{BA{X", "{C{4"} {
		_, err := ParseCode128([]byte(bad))
		assert.Error(t, err, "%q", bad)
	}
}

func TestCheckBarcode(t *testing.T) {
	ok := map[byte]string{0: "03600029145", 2: "400638133393", 3: "9638507", 4: "*AB-12*", 5: "1234", 6: "A123B",
		65: "036000291452", 67: "4006381333931", 68: "96385074", 69: "AB $%", 70: "12", 72: "any\x01", 73: "{Bx"}
	for m, d := range ok {
		assert.NoError(t, CheckBarcode(m, []byte(d)), "%d %q", m, d)
	}
	bad := map[byte]string{0: "1234", 2: "40063813339X", 3: "123", 4: "ab", 5: "1", 6: "", 65: "", 67: "4006381333931\r", 70: "1", 73: "xy"}
	for m, d := range bad {
		assert.Error(t, CheckBarcode(m, []byte(d)), "%d %q", m, d)
	}
	// The decoder flags it, so decode -strict fails on it.
	// As on an Epson printer, the first byte CODE39 cannot hold ends the
	// command, and what follows is normal data.
	cmds := Decode(append([]byte{0x1D, 'k', 4}, "A\r\n\x1dH\x00"...), epson)
	var ops []Op
	for _, c := range cmds {
		ops = append(ops, c.Op)
	}
	assert.Equal(t, []Op{OpBarcode, OpCR, OpLF, OpHRIPosition}, ops)
	assert.True(t, errors.Is(cmds[0].Err, ErrArgument))
	assert.True(t, errors.Is(cmds[0].Err, ErrBarcodeData))
	assert.Equal(t, "A", string(cmds[0].Data))
}

func FuzzCode128(f *testing.F) {
	for _, s := range []string{"{BAB", "{C\x0c\x22", "{A\x0d{SB{C\x01", "{Ba{{"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := ParseCode128(in)
		if err != nil {
			if !errors.Is(err, ErrBarcodeData) {
				t.Fatalf("unclassified %v", err)
			}
			return
		}
		if c.Values[0] < C128StartA || c.Values[0] > C128StartC {
			t.Fatalf("no start code: %v", c.Values)
		}
		for _, v := range c.Values {
			if v < 0 || v > 105 {
				t.Fatalf("value %d", v)
			}
		}
		if s := c.Checksum(); s < 0 || s > 102 {
			t.Fatalf("checksum %d", s)
		}
	})
}
