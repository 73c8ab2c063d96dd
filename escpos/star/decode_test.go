package star

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
)

func names(cmds []Command) []string {
	var s []string
	for _, c := range cmds {
		s = append(s, c.Name)
	}
	return s
}

// What the encoder writes, the decoder reads back without error.
func TestDecodeRoundTrip(t *testing.T) {
	e, err := NewEncoder(prnt)
	require.NoError(t, err)
	b := e.AppendInit(nil)
	b, _ = e.AppendJustification(b, escpos.JustifyCenter)
	b, _ = e.AppendSize(b, escpos.Size{Width: 2, Height: 2})
	b = e.AppendBold(b, true)
	b = e.AppendText(b, "Grüße 3 €")
	b = e.AppendLF(b)
	b, _, _ = e.AppendQR(b, escpos.QR{Data: "https://example.org"}, escpos.JustifyCenter)
	b, _, _ = e.AppendBarcode(b, escpos.Barcode{Symbology: escpos.EAN13, Data: "400638133393", HRI: escpos.HRIBelow}, escpos.JustifyCenter)
	r := &escpos.Raster{Width: 16, Height: 30, Stride: 2, Bits: make([]byte, 60)}
	b, _ = e.AppendRaster(b, r, escpos.JustifyRight)
	b, _ = e.AppendDrawer(b, escpos.DrawerPin5)
	b, _ = e.AppendCut(b, escpos.CutPartial)
	cmds := Decode(b, prnt)
	for _, c := range cmds {
		assert.NoError(t, c.Err, "%s", c.Name)
	}
	assert.Equal(t, []string{"ESC @", "ESC GS a", "ESC i", "ESC E", "ESC GS t", "TEXT", "LF",
		"ESC a", "ESC GS y S 0", "ESC GS y S 1", "ESC GS y S 2", "ESC GS y D", "ESC GS y P", "ESC a", "ESC a", "ESC b", "ESC a", // the QR code's quiet zone, then a line of it above and below the bar code
		"ESC GS a", "ESC GS S", "ESC BEL", "SUB", "ESC d"}, names(cmds))
	var text string
	for _, c := range cmds {
		if c.Name == "TEXT" {
			text += c.Text
		}
	}
	assert.Equal(t, "Grüße 3 €", text)
	assert.Contains(t, string(AppendDisassembly(nil, cmds)), "; feed to cutter, partial cut\n")
}

func TestDecodeGraphic(t *testing.T) {
	in := []byte("\x1b*rA\x1b*rP0\x00\x1b*rE13\x00b\x02\x00\xff\x01b\x01\x00\x00\x1b\x0c\x04\x07\x1b*rB")
	cmds := Decode(in, nil)
	for _, c := range cmds {
		assert.NoError(t, c.Err, "%s", c.Name)
	}
	assert.Equal(t, []string{"ESC * r A", "ESC * r P", "ESC * r E", "b", "b", "ESC FF EOT", "BEL", "ESC * r B"}, names(cmds))
	assert.Equal(t, []byte{0xFF, 0x01}, cmds[3].Data)
	assert.Equal(t, "13", cmds[2].Text)
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"truncated QR data", []byte{0x1B, 0x1D, 'y', 'D', '1', 0, 5, 0, 'a'}, ErrTruncated},
		{"truncated band", []byte{0x1B, 'X', 2, 0, 1, 2}, ErrTruncated},
		{"barcode without RS", []byte("\x1bb\x06\x01\x01\x50abc"), ErrTruncated},
		{"unknown", []byte{0x1B, 'Z', 1}, ErrUnknown},
		{"bad size", []byte{0x1B, 'i', 9, 0}, ErrArgument},
		{"bad slot", []byte{0x1B, 0x1D, 't', 99}, ErrArgument},
		{"bad number", []byte("\x1b*rAb"), ErrTruncated},
		{"not a number", []byte("\x1b*rEx\x00"), ErrArgument},
		{"undefined byte", []byte{0x1B, 0x1D, 't', 0, 0x80}, nil},
		{"stray control", []byte{0x06}, ErrUnknown}, // 0x05 is ENQ
	} {
		cmds := Decode(tc.in, prnt)
		var got error
		for _, c := range cmds {
			if c.Err != nil {
				got = c.Err
				break
			}
		}
		if tc.want == nil {
			continue
		}
		assert.True(t, errors.Is(got, tc.want), "%s: %v", tc.name, got)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("\x1b@\x1b\x1da\x01\x1bi\x01\x01Text\n\x1bd\x03"))
	f.Add([]byte("\x1b*rA\x1b*rE13\x00b\x02\x00\xff\x01\x1b\x0c\x04\x1b*rB"))
	f.Add([]byte{0x1B, 0x1D, 'y', 'D', '1', 0, 2, 0, 'a', 'b', 0x1B, 'X', 1, 0, 1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		cmds := Decode(b, prnt)
		n := 0
		for _, c := range cmds {
			if c.Offset != n {
				t.Fatalf("command at %d, want %d", c.Offset, n)
			}
			n += len(c.Raw)
		}
		if n != len(b) {
			t.Fatalf("decoded %d of %d bytes", n, len(b))
		}
		AppendDisassembly(nil, cmds)
		ToESCPOS(cmds)
	})
}

// Issue 23 item 12: Star Line VT (node-thermal-printer's Star cut() sends
// it) is known and prints nothing while no vertical tabs are set.
func TestDecodeVT(t *testing.T) {
	cmds := Decode([]byte("A\n\x0b\x1bd\x02"), prnt)
	require.Len(t, cmds, 4)
	assert.Equal(t, "VT", cmds[2].Name)
	assert.NoError(t, cmds[2].Err)
	assert.Equal(t, "A\n\x1dVA\x00", string(ToESCPOS(cmds)))
}
