package printers_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos/star"
	"github.com/secuprint/receipt/printers"
)

// Packets built from the bit tables of Star's ASB appendix.
func TestStarASBReasons(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     []byte
		reason printers.Reason
		check  func(t *testing.T, s star.ASB)
	}{
		{"online, version 3", []byte{0x23, 0x06, 0, 0, 0, 0, 0, 0, 0}, printers.ReasonNone, func(t *testing.T, s star.ASB) {
			assert.Equal(t, 3, s.Version)
			assert.True(t, s.HasETB)
			assert.Equal(t, 0, s.ETBCounter)
		}},
		{"offline", []byte{0x23, 0x06, 0x08, 0, 0, 0, 0, 0, 0}, printers.ReasonOffline, nil},
		{"offline by switch", []byte{0x23, 0x06, 0x40, 0, 0, 0, 0, 0, 0}, printers.ReasonOffline, nil},
		{"cover open", []byte{0x23, 0x06, 0x28, 0, 0, 0, 0, 0, 0}, printers.ReasonCoverOpen, func(t *testing.T, s star.ASB) { assert.True(t, s.CoverOpen) }},
		{"paper out", []byte{0x23, 0x06, 0x08, 0, 0, 0x08, 0, 0, 0}, printers.ReasonPaperEnd, nil},
		{"near end prints", []byte{0x23, 0x06, 0, 0, 0, 0x04, 0, 0, 0}, printers.ReasonNone, func(t *testing.T, s star.ASB) { assert.True(t, s.PaperNearEnd) }},
		{"cutter error", []byte{0x23, 0x06, 0x08, 0x08, 0, 0, 0, 0, 0}, printers.ReasonPrinterError, func(t *testing.T, s star.ASB) { assert.True(t, s.AutocutterError) }},
		{"head overheat", []byte{0x23, 0x06, 0, 0x40, 0, 0, 0, 0, 0}, printers.ReasonPrinterError, nil},
		{"etb 21", []byte{0x23, 0x06, 0x02, 0, 0, 0, 0, 0x4A, 0}, printers.ReasonNone, func(t *testing.T, s star.ASB) {
			assert.True(t, s.ETBExecuted)
			assert.Equal(t, 21, s.ETBCounter) // 10101: bits 1-3 = 101, bits 5-6 = 10 (0x4A)
		}},
		{"version 1, 7 bytes", []byte{0x0F, 0x02, 0, 0, 0, 0, 0}, printers.ReasonNone, func(t *testing.T, s star.ASB) {
			assert.Equal(t, 1, s.Version)
			assert.False(t, s.HasETB, "the 8th byte is not sent")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, n, err := star.DecodeASB(append(tc.in, 0xAA))
			require.NoError(t, err)
			assert.Equal(t, len(tc.in), n)
			assert.Equal(t, tc.reason, printers.Status(s.Status).Reason(), "%v", s.Status)
			if tc.check != nil {
				tc.check(t, s)
			}
		})
	}
}

func TestStarASBErrors(t *testing.T) {
	_, _, err := star.DecodeASB([]byte{0x23, 0x06, 0})
	assert.ErrorIs(t, err, star.ErrShortASB)
	_, _, err = star.DecodeASB(nil)
	assert.ErrorIs(t, err, star.ErrShortASB)
	for name, in := range map[string][]byte{
		"epson DLE EOT answer": {0x12},
		"too short":            {0x05, 0x02, 0},
		"bad status byte":      {0x23, 0x06, 0x01, 0, 0, 0, 0, 0, 0},
	} {
		_, _, err := star.DecodeASB(in)
		assert.True(t, errors.Is(err, printers.ErrNotStatus), "%s: %v", name, err)
	}
}

func TestStarASBRoundTrip(t *testing.T) {
	for c := 0; c < 32; c++ {
		in := star.ASB{ETBCounter: c, HasETB: true, Version: 3}
		in.Online, in.PaperNearEnd, in.CoverOpen = c%2 == 0, c%3 == 0, c%5 == 0
		b := star.AppendASB(nil, in)
		out, n, err := star.DecodeASB(b)
		require.NoError(t, err)
		assert.Equal(t, 9, n)
		assert.Equal(t, in.ETBCounter, out.ETBCounter)
		assert.Equal(t, in.Online, out.Online)
		assert.Equal(t, in.CoverOpen, out.CoverOpen)
		assert.Equal(t, in.PaperNearEnd, out.PaperNearEnd)
	}
	before := star.ASB{ETBCounter: 31, HasETB: true}
	assert.True(t, star.Printed(before, star.ASB{ETBCounter: 0, HasETB: true}), "wraps at 32")
	assert.False(t, star.Printed(before, before))
	assert.False(t, star.Printed(star.ASB{}, star.ASB{ETBCounter: 1, HasETB: true}))
	assert.True(t, star.IsASBHeader(0x23))
	assert.False(t, star.IsASBHeader(0x12), "an Epson status byte is no ASB header")
}

func FuzzStarASB(f *testing.F) {
	f.Add([]byte{0x23, 0x06, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x0F, 0x02, 0x28, 0, 0, 0x08, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, n, err := star.DecodeASB(b)
		if err != nil {
			return
		}
		if n < 6 || n > len(b) || s.ETBCounter > 31 {
			t.Fatalf("n=%d of %d, counter %d", n, len(b), s.ETBCounter)
		}
	})
}
