package printers

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
)

func TestDecodeRealtime(t *testing.T) {
	tests := []struct {
		name  string
		bytes [4]byte
		want  Status
		ready bool
		why   Reason
	}{
		{"ready", [4]byte{0x12, 0x12, 0x12, 0x12}, Status{Online: true}, true, ReasonNone},
		{"paper end", [4]byte{0x1A, 0x32, 0x12, 0x7E}, Status{PaperEnd: true, PaperNearEnd: true}, false, ReasonPaperEnd},
		{"near end only", [4]byte{0x12, 0x12, 0x12, 0x1E}, Status{Online: true, PaperNearEnd: true}, true, ReasonNone},
		{"cover open", [4]byte{0x1A, 0x16, 0x12, 0x12}, Status{CoverOpen: true}, false, ReasonCoverOpen},
		{"autocutter", [4]byte{0x1A, 0x52, 0x1A, 0x12}, Status{Error: true, AutocutterError: true}, false, ReasonPrinterError},
		{"unrecoverable", [4]byte{0x1A, 0x52, 0x32, 0x12}, Status{Error: true, Unrecoverable: true}, false, ReasonPrinterError},
		{"offline, feed button", [4]byte{0x5A, 0x1A, 0x12, 0x12}, Status{FeedButton: true, PaperFeeding: true}, false, ReasonOffline},
		{"drawer", [4]byte{0x16, 0x12, 0x12, 0x12}, Status{Online: true, DrawerOpen: true}, true, ReasonNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Status
			for n, b := range tt.bytes {
				require.NoError(t, decodeRealtime(&s, n+1, b))
			}
			assert.Equal(t, tt.want, s)
			assert.Equal(t, tt.ready, s.Ready())
			assert.Equal(t, tt.why, s.Reason())
		})
	}
	var s Status
	for _, b := range []byte{0x00, 0xFF, 0x13, 0x10, 0x92} {
		assert.ErrorIs(t, decodeRealtime(&s, 1, b), ErrNotStatus, "0x%02X", b)
	}
	assert.Error(t, decodeRealtime(&s, 5, 0x12))
}

func TestDecodeASBAndPaperSensor(t *testing.T) {
	s, err := decodeASB([4]byte{0x38, 0x08, 0x0F, 0x00})
	require.NoError(t, err)
	assert.Equal(t, Status{CoverOpen: true, AutocutterError: true, Error: true, PaperNearEnd: true, PaperEnd: true}, s)
	assert.Equal(t, "offline, cover open, paper end, paper near end, error, autocutter error", s.String())
	_, err = decodeASB([4]byte{0x12, 0, 0, 0})
	assert.ErrorIs(t, err, ErrNotStatus)
	var p Status
	require.NoError(t, escpos.DecodePaperSensor((*escpos.Status)(&p), 0x0C))
	assert.True(t, p.PaperEnd)
	assert.ErrorIs(t, escpos.DecodePaperSensor((*escpos.Status)(&p), 0x12), ErrNotStatus)
	assert.Equal(t, "online", Status{Online: true}.String())
}

func FuzzDecodeStatus(f *testing.F) {
	f.Add([]byte{0x12, 0x12, 0x12, 0x12})
	f.Add([]byte{0x38, 0x08, 0x0F, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 4 {
			return
		}
		var s Status
		for n := 1; n <= 4; n++ {
			if err := decodeRealtime(&s, n, b[n-1]); err == nil && !escpos.IsRealtimeStatus(b[n-1]) {
				t.Fatalf("accepted 0x%02X", b[n-1])
			}
		}
		_, _ = decodeASB([4]byte(b[:4]))
		_ = escpos.DecodePaperSensor((*escpos.Status)(&s), b[0])
		_ = s.String()
	})
}

func BenchmarkDecodeStatus(b *testing.B) {
	for b.Loop() {
		var s Status
		for n, x := range []byte{0x1A, 0x32, 0x12, 0x7E} {
			_ = decodeRealtime(&s, n+1, x)
		}
		_ = s.Reason()
	}
}

// decodeRealtime and decodeASB read status bytes with escpos's codec into
// this package's Status, as the driver does.
func decodeRealtime(s *Status, n int, b byte) error {
	return escpos.DecodeRealtimeStatus((*escpos.Status)(s), escpos.StatusKind(n), b)
}

func decodeASB(p [4]byte) (Status, error) {
	s, err := escpos.DecodeASBPacket(p)
	return Status(s), err
}
