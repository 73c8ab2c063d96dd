package escpos

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendCommands(t *testing.T) {
	must := func(b []byte, err error) []byte {
		require.NoError(t, err)
		return b
	}
	tests := []struct {
		name string
		got  []byte
		want []byte
	}{
		{"init", AppendInit(nil), []byte{0x1B, 0x40}},
		{"lf", AppendLF(nil), []byte{0x0A}},
		{"bold on", AppendEmphasis(nil, true), []byte{0x1B, 0x45, 1}},
		{"bold off", AppendEmphasis(nil, false), []byte{0x1B, 0x45, 0}},
		{"size 1x1", must(AppendSize(nil, Normal)), []byte{0x1D, 0x21, 0x00}},
		{"size 2x2", must(AppendSize(nil, Size{2, 2})), []byte{0x1D, 0x21, 0x11}},
		{"size 1x2", must(AppendSize(nil, Size{1, 2})), []byte{0x1D, 0x21, 0x01}},
		{"size 8x8", must(AppendSize(nil, Size{8, 8})), []byte{0x1D, 0x21, 0x77}},
		{"justify right", must(AppendJustification(nil, JustifyRight)), []byte{0x1B, 0x61, 2}},
		{"font B", must(AppendFont(nil, FontB)), []byte{0x1B, 0x4D, 1}},
		{"code page", AppendCodePage(nil, 19), []byte{0x1B, 0x74, 19}},
		{"feed", AppendFeedLines(nil, 3), []byte{0x1B, 0x64, 3}},
		{"partial cut", must(AppendCut(nil, CutPartial, 0)), []byte{0x1D, 0x56, 66, 0}},
		{"full cut with feed", must(AppendCut(nil, CutFull, 10)), []byte{0x1D, 0x56, 65, 10}},
		{"pulse", must(AppendPulse(nil, DrawerPin5, 25, 250)), []byte{0x1B, 0x70, 1, 25, 250}},
		{"status", must(AppendStatusRequest(nil, StatusPaper)), []byte{0x10, 0x04, 4}},
		{"GS r 1", must(AppendTransmitStatus(nil, TransmitPaperSensor)), []byte{0x1D, 0x72, 1}},
		{"ASB all", must(AppendASB(nil, ASBAll)), []byte{0x1D, 0x61, 0x0F}},
		{"appends", AppendLF([]byte("x")), []byte{'x', 0x0A}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, tt.got) })
	}
}

func TestAppendCommandsRejectOutOfRange(t *testing.T) {
	prefix := []byte("keep")
	errs := []struct {
		name string
		fn   func() ([]byte, error)
	}{
		{"size 0", func() ([]byte, error) { return AppendSize(prefix, Size{0, 1}) }},
		{"size 9", func() ([]byte, error) { return AppendSize(prefix, Size{1, 9}) }},
		{"justify 3", func() ([]byte, error) { return AppendJustification(prefix, Justification(3)) }},
		{"font 3", func() ([]byte, error) { return AppendFont(prefix, Font(3)) }},
		{"cut none", func() ([]byte, error) { return AppendCut(prefix, CutNone, 0) }},
		{"cut 9", func() ([]byte, error) { return AppendCut(prefix, CutMode(9), 0) }},
		{"pulse pin 2", func() ([]byte, error) { return AppendPulse(prefix, Drawer(2), 1, 1) }},
		{"pulse on 0", func() ([]byte, error) { return AppendPulse(prefix, DrawerPin2, 0, 1) }},
		{"pulse off < on", func() ([]byte, error) { return AppendPulse(prefix, DrawerPin2, 5, 1) }},
		{"status 0", func() ([]byte, error) { return AppendStatusRequest(prefix, StatusKind(0)) }},
		{"status 5", func() ([]byte, error) { return AppendStatusRequest(prefix, StatusKind(5)) }},
		{"GS r 3", func() ([]byte, error) { return AppendTransmitStatus(prefix, TransmitStatus(3)) }},
		{"ASB 0x10", func() ([]byte, error) { return AppendASB(prefix, ASB(0x10)) }},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.fn()
			assert.Error(t, err)
			assert.Equal(t, []byte("keep"), b, "nothing appended on error")
		})
	}
}

func TestParseEnums(t *testing.T) {
	f, err := ParseFont("b")
	require.NoError(t, err)
	assert.Equal(t, FontB, f)
	_, err = ParseFont("Z")
	assert.Error(t, err)
	c, err := ParseCutMode("partial")
	require.NoError(t, err)
	assert.Equal(t, CutPartial, c)
	_, err = ParseCutMode("half")
	assert.Error(t, err)
}
