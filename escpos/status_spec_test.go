package escpos_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
)

// The bit tables below are transcribed from the Epson ESC/POS command
// reference (DLE EOT n "Transmit real-time status", GS a "Automatic Status
// Back", GS r "Transmit status"), independently of status.go, so the fuzz
// target checks the decoders against the reference rather than themselves.

func bit(b byte, i uint) bool { return b&(1<<i) != 0 }

// checkRealtime checks one DLE EOT n answer against the reference.
func checkRealtime(t *testing.T, n int, b byte, s escpos.Status) {
	t.Helper()
	switch n {
	case 1: // printer status
		assert.Equal(t, bit(b, 2), s.DrawerOpen, "DLE EOT 1 bit 2: drawer pin 3")
		assert.Equal(t, !bit(b, 3), s.Online, "DLE EOT 1 bit 3: offline")
		assert.Equal(t, bit(b, 5), s.Waiting, "DLE EOT 1 bit 5: waiting for online recovery")
		assert.Equal(t, bit(b, 6), s.FeedButton, "DLE EOT 1 bit 6: feed button pressed")
	case 2: // offline cause
		assert.Equal(t, bit(b, 2), s.CoverOpen, "DLE EOT 2 bit 2: cover open")
		assert.Equal(t, bit(b, 3), s.PaperFeeding, "DLE EOT 2 bit 3: paper fed by the feed button")
		assert.Equal(t, bit(b, 5), s.PaperEnd, "DLE EOT 2 bit 5: stopped by paper end")
		assert.Equal(t, bit(b, 6), s.Error, "DLE EOT 2 bit 6: error")
	case 3: // error cause
		assert.Equal(t, bit(b, 2), s.Recoverable, "DLE EOT 3 bit 2: recoverable error")
		assert.Equal(t, bit(b, 3), s.AutocutterError, "DLE EOT 3 bit 3: autocutter error")
		assert.Equal(t, bit(b, 5), s.Unrecoverable, "DLE EOT 3 bit 5: unrecoverable error")
		assert.Equal(t, bit(b, 6), s.AutoRecoverable, "DLE EOT 3 bit 6: auto-recoverable error")
	case 4: // roll paper sensor
		assert.Equal(t, bit(b, 2) || bit(b, 3), s.PaperNearEnd, "DLE EOT 4 bits 2, 3: near end")
		assert.Equal(t, bit(b, 5) || bit(b, 6), s.PaperEnd, "DLE EOT 4 bits 5, 6: paper end")
	}
}

// FuzzStatusSpec: every decoder accepts exactly the bytes whose fixed bits
// match the reference, and reads each flag from its documented bit.
func FuzzStatusSpec(f *testing.F) {
	f.Add([]byte{0x12, 0x12, 0x12, 0x12})
	f.Add([]byte{0x1A, 0x32, 0x12, 0x7E})
	f.Add([]byte{0x38, 0x08, 0x0F, 0x00})
	f.Add([]byte{0x16, 0x52, 0x3A, 0x1E})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 4 {
			return
		}
		// DLE EOT: bits 1 and 4 fixed on, bits 0 and 7 fixed off.
		for n := 1; n <= 4; n++ {
			x := b[n-1]
			var s escpos.Status
			err := escpos.DecodeRealtimeStatus(&s, escpos.StatusKind(n), x)
			fixed := !bit(x, 0) && bit(x, 1) && bit(x, 4) && !bit(x, 7)
			if !fixed {
				require.ErrorIs(t, err, escpos.ErrNotStatus, "DLE EOT %d 0x%02X", n, x)
				continue
			}
			require.NoError(t, err, "DLE EOT %d 0x%02X", n, x)
			checkRealtime(t, n, x, s)
		}

		// ASB: byte 1 bits 0, 1, 7 off and 4 on; bytes 2–4 bits 4 and 7 off.
		p := [4]byte(b[:4])
		s, err := escpos.DecodeASBPacket(p)
		fixed := p[0]&0x93 == 0x10 && p[1]&0x90 == 0 && p[2]&0x90 == 0 && p[3]&0x90 == 0
		if !fixed {
			require.ErrorIs(t, err, escpos.ErrNotStatus, "ASB % X", p)
		} else {
			require.NoError(t, err, "ASB % X", p)
			assert.Equal(t, bit(p[0], 2), s.DrawerOpen)
			assert.Equal(t, !bit(p[0], 3), s.Online)
			assert.Equal(t, bit(p[0], 5), s.CoverOpen)
			assert.Equal(t, bit(p[0], 6), s.FeedButton)
			assert.Equal(t, bit(p[1], 2), s.Recoverable)
			assert.Equal(t, bit(p[1], 3), s.AutocutterError)
			assert.Equal(t, bit(p[1], 5), s.Unrecoverable)
			assert.Equal(t, bit(p[1], 6), s.AutoRecoverable)
			assert.Equal(t, p[2]&0x03 != 0, s.PaperNearEnd)
			assert.Equal(t, p[2]&0x0C != 0, s.PaperEnd)
		}

		// GS r 1 and 2: bits 4 and 7 fixed off.
		x := b[0]
		var ps, ds escpos.Status
		perr, derr := escpos.DecodePaperSensor(&ps, x), escpos.DecodeDrawerSensor(&ds, x)
		if x&0x90 != 0 {
			require.ErrorIs(t, perr, escpos.ErrNotStatus)
			require.ErrorIs(t, derr, escpos.ErrNotStatus)
		} else {
			require.NoError(t, perr)
			require.NoError(t, derr)
			assert.Equal(t, x&0x03 != 0, ps.PaperNearEnd)
			assert.Equal(t, x&0x0C != 0, ps.PaperEnd)
			assert.Equal(t, bit(x, 0), ds.DrawerOpen)
		}
	})
}

func TestDecodeDrawerSensor(t *testing.T) {
	tests := []struct {
		b    byte
		open bool
		err  error
	}{
		{0x00, false, nil},
		{0x01, true, nil},
		{0x6E, false, nil}, // reserved bits are ignored
		{0x10, false, escpos.ErrNotStatus},
		{0x81, false, escpos.ErrNotStatus},
	}
	for _, tt := range tests {
		s := escpos.Status{DrawerOpen: !tt.open, Online: true}
		err := escpos.DecodeDrawerSensor(&s, tt.b)
		if tt.err != nil {
			assert.ErrorIs(t, err, tt.err, "0x%02X", tt.b)
			continue
		}
		require.NoError(t, err, "0x%02X", tt.b)
		assert.Equal(t, escpos.Status{DrawerOpen: tt.open, Online: true}, s, "0x%02X merges only the drawer", tt.b)
	}
}

func BenchmarkDecodeASB(b *testing.B) {
	b.ReportAllocs()
	p := [4]byte{0x38, 0x08, 0x0F, 0x00}
	for b.Loop() {
		s, err := escpos.DecodeASBPacket(p)
		if err != nil || !s.PaperEnd {
			b.Fatal(s, err)
		}
	}
}

// FuzzStatusRoundTrip: what the encoders send (the virtual printer's
// answers) decodes to the state they were given, for every condition a
// status byte carries.
func FuzzStatusRoundTrip(f *testing.F) {
	f.Add(uint16(0))
	f.Add(uint16(0x1FFF))
	f.Add(uint16(0x0A5A))
	f.Fuzz(func(t *testing.T, bits uint16) {
		on := func(i uint) bool { return bits&(1<<i) != 0 }
		in := escpos.Status{Online: on(0), CoverOpen: on(1), PaperEnd: on(2), PaperNearEnd: on(3), DrawerOpen: on(4),
			FeedButton: on(5), PaperFeeding: on(6), Waiting: on(7), Error: on(8), Recoverable: on(9),
			Unrecoverable: on(10), AutocutterError: on(11), AutoRecoverable: on(12)}
		var rt escpos.Status
		for n := escpos.StatusPrinter; n <= escpos.StatusPaper; n++ {
			b := escpos.RealtimeStatus(in, n)
			require.True(t, escpos.IsRealtimeStatus(b), "DLE EOT %d 0x%02X", n, b)
			require.NoError(t, escpos.DecodeRealtimeStatus(&rt, n, b))
		}
		assert.Equal(t, in, rt, "DLE EOT 1-4")

		asb, err := escpos.DecodeASBPacket(escpos.ASBPacket(in))
		require.NoError(t, err)
		want := escpos.Status{DrawerOpen: in.DrawerOpen, Online: in.Online, CoverOpen: in.CoverOpen, FeedButton: in.FeedButton,
			Recoverable: in.Recoverable, AutocutterError: in.AutocutterError, Unrecoverable: in.Unrecoverable,
			AutoRecoverable: in.AutoRecoverable, PaperNearEnd: in.PaperNearEnd, PaperEnd: in.PaperEnd}
		want.Error = want.Recoverable || want.AutocutterError || want.Unrecoverable || want.AutoRecoverable
		assert.Equal(t, want, asb, "ASB")
		assert.True(t, escpos.IsASBStart(escpos.ASBPacket(in)[0]))

		var ps escpos.Status
		require.NoError(t, escpos.DecodePaperSensor(&ps, escpos.PaperSensor(in)))
		assert.Equal(t, escpos.Status{PaperNearEnd: in.PaperNearEnd, PaperEnd: in.PaperEnd}, ps, "GS r 1")
	})
}

// ASBWatch covers exactly the bits ASBPacket can set for each event.
func TestASBWatch(t *testing.T) {
	assert.Equal(t, [4]byte{0x04, 0, 0, 0}, escpos.ASBWatch(escpos.ASBDrawer))
	assert.Equal(t, [4]byte{0x68, 0x01, 0, 0}, escpos.ASBWatch(escpos.ASBOnline))
	assert.Equal(t, [4]byte{0, 0x6C, 0, 0}, escpos.ASBWatch(escpos.ASBError))
	assert.Equal(t, [4]byte{0, 0, 0x0F, 0}, escpos.ASBWatch(escpos.ASBPaper))
	assert.Equal(t, [4]byte{}, escpos.ASBWatch(0))
}
