package printers_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos/star"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/transport"
	"github.com/secuprint/receipt/transport/usb"
)

// Identity answers used below, and where their bytes come from:
//   - Bematech MP-4000 Programmer's Manual, GS I: model ID 0x20 ("TM-T88II
//     series"), maker BEMATECH, name MP-4000, type of model INTERNATIONAL.
//   - Bixolon SPP-R300 Command Manual, GS I: model ID 0x41, feature ID 0x69,
//     maker BIXOLON, model SPP-R300; header 0x5F, 0–15 bytes, NUL.
//   - Epson ESC/POS reference (TM-J2000 spec. p. 480), GS I: TM-T70 model
//     ID 0x68, model name TM-T70. Epson's maker answer is EPSON; serial
//     numbers below are made up (their form is the maker's).
//   - STAR Line Mode Command Specifications, ESC # * LF NUL:
//     "ESC # *, HSP7000 Ver. 1.0 LF NUL".
func info(s string) []byte { return append(append([]byte{0x5F}, s...), 0) }

func gsI(n byte) string { return string([]byte{0x1D, 'I', n}) }

// idFake is a printer that answers each request from a table at once and
// times out reads when it has nothing to say.
type idFake struct {
	answers map[string][]byte
	out     []byte
	got     []string
}

var (
	dleEOT1    = string([]byte{0x10, 0x04, 1})
	escACKSOH  = string(star.StatusRequest)
	starVerReq = string(printers.StarVersionRequest)
	epsonReady = []byte{0x12}
	starASBv3  = []byte{0x23, 0x06, 0, 0, 0, 0, 0, 0, 0} // as the ASB appendix: 9 bytes, version 3
)

func (f *idFake) Name() string                     { return "fake" }
func (f *idFake) Close() error                     { return nil }
func (f *idFake) SetReadDeadline(time.Time) error  { return nil }
func (f *idFake) SetWriteDeadline(time.Time) error { return nil }
func (f *idFake) Write(p []byte) (int, error) {
	f.got = append(f.got, string(p))
	f.out = append(f.out, f.answers[string(p)]...)
	return len(p), nil
}
func (f *idFake) Read(p []byte) (int, error) {
	if len(f.out) == 0 {
		return 0, transport.ErrTimeout
	}
	n := copy(p, f.out)
	f.out = f.out[n:]
	return n, nil
}

func escposAnswers(extra map[string][]byte) map[string][]byte {
	m := map[string][]byte{dleEOT1: epsonReady}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func b(x byte) *byte { return &x }

const noGSINote = "no GS I answer: the printer may not know GS I, or be offline or at paper end (GS I is not real-time); ask again later"

func TestIdentify(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		answers map[string][]byte
		usb     *printers.USBIdentity
		want    printers.Identity
		err     error
		profile string
		match   printers.MatchKind
		noGSI   bool // no GS I may be sent (a Star)
	}{
		{name: "Bematech MP-4000, all answered (documented)",
			answers: escposAnswers(map[string][]byte{gsI(1): {0x20}, gsI(2): {0x02}, gsI(3): {0x40},
				gsI(65): info("1.5"), gsI(66): info("BEMATECH"), gsI(67): info("MP-4000"),
				gsI(68): info("1234567890"), gsI(69): info("INTERNATIONAL")}),
			want: printers.Identity{Language: "escpos", Maker: "BEMATECH", Model: "MP-4000", Serial: "1234567890",
				Firmware: "1.5", FontLanguage: "INTERNATIONAL", ModelID: b(0x20), TypeID: b(0x02), ROMID: b(0x40),
				Answered: []int{1, 2, 3, 66, 67, 68, 65, 69}},
			profile: printers.FallbackProfileID, match: printers.MatchFallback},
		{name: "Bixolon SPP-R300: no serial, no firmware (documented subset)",
			answers: escposAnswers(map[string][]byte{gsI(1): {0x41}, gsI(2): {0x02}, gsI(3): {0x69},
				gsI(66): info("BIXOLON"), gsI(67): info("SPP-R300"), gsI(69): info("PC437")}),
			want: printers.Identity{Language: "escpos", Maker: "BIXOLON", Model: "SPP-R300", FontLanguage: "PC437",
				ModelID: b(0x41), TypeID: b(0x02), ROMID: b(0x69),
				Answered: []int{1, 2, 3, 66, 67, 69}, Unanswered: []int{68, 65}},
			profile: printers.FallbackProfileID, match: printers.MatchFallback},
		{name: "Epson TM-T70: model ID and name only",
			answers: escposAnswers(map[string][]byte{gsI(1): {0x68}, gsI(67): info("TM-T70")}),
			want: printers.Identity{Language: "escpos", Model: "TM-T70", ModelID: b(0x68),
				Answered: []int{1, 67}, Unanswered: []int{2, 3, 66, 68, 65, 69}},
			profile: "TM-T70", match: printers.MatchExact},
		{name: "Epson TM-T88VI-iHUB: family",
			answers: escposAnswers(map[string][]byte{gsI(66): info("EPSON"), gsI(67): info("TM-T88VI-iHUB"), gsI(68): info("X6JT000001")}),
			want: printers.Identity{Language: "escpos", Maker: "EPSON", Model: "TM-T88VI-iHUB", Serial: "X6JT000001",
				Answered: []int{66, 67, 68}, Unanswered: []int{1, 2, 3, 65, 69}},
			profile: "TM-T88VI", match: printers.MatchFamily},
		{name: "status bytes before an answer are skipped",
			answers: escposAnswers(map[string][]byte{gsI(67): append([]byte{0x12, 0x16}, info("TM-m30II-H")...)}),
			want: printers.Identity{Language: "escpos", Model: "TM-m30II-H",
				Answered: []int{67}, Unanswered: []int{1, 2, 3, 66, 68, 65, 69}},
			profile: "TM-m30II-H", match: printers.MatchExact},
		{name: "garbled maker: control byte in the text",
			answers: escposAnswers(map[string][]byte{gsI(66): []byte("_EP\x01SON\x00"), gsI(67): info("TM-T20IV")}),
			want: printers.Identity{Language: "escpos", Model: "TM-T20IV",
				Answered: []int{67}, Unanswered: []int{1, 2, 3, 66, 68, 65, 69},
				Notes: []string{"printers: garbled identity answer: GS I 66: control or 8-bit byte 0x01 in the text"}},
			profile: "TM-T20IV", match: printers.MatchExact},
		{name: "garbage where an ID byte belongs",
			answers: escposAnswers(map[string][]byte{gsI(1): []byte("_x\x00"), gsI(67): info("POS-80")}),
			want: printers.Identity{Language: "escpos", Model: "POS-80",
				Answered: []int{67}, Unanswered: []int{1, 2, 3, 66, 68, 65, 69},
				Notes: []string{"printers: garbled identity answer: GS I 1 answered a text block"}},
			profile: "POS-80", match: printers.MatchExact},
		{name: "ESC/POS that answers status but no GS I (a clone)",
			answers: escposAnswers(nil),
			want: printers.Identity{Language: "escpos",
				Unanswered: []int{1, 2, 3, 66, 67, 68, 65, 69}, Notes: []string{noGSINote}},
			profile: printers.FallbackProfileID, match: printers.MatchFallback},
		{name: "clone silent, USB product names it",
			answers: escposAnswers(nil),
			usb:     &printers.USBIdentity{VID: 0x0416, PID: 0x5011, Manufacturer: "Winbond", Product: "POS58 Printer"},
			want: printers.Identity{Language: "escpos", Unanswered: []int{1, 2, 3, 66, 67, 68, 65, 69}, Notes: []string{noGSINote},
				USB: &printers.USBIdentity{VID: 0x0416, PID: 0x5011, Manufacturer: "Winbond", Product: "POS58 Printer"}},
			profile: "POS-58", match: printers.MatchExact},
		{name: "nothing answers",
			answers: map[string][]byte{},
			want:    printers.Identity{},
			err:     printers.ErrNoIdentity, profile: printers.FallbackProfileID, match: printers.MatchFallback},
		{name: "Star mC-Print2: ASB and ESC # * (documented form)",
			answers: map[string][]byte{escACKSOH: starASBv3, starVerReq: []byte("\x1b#*,mC-Print2 Ver. 1.0\n\x00")},
			want:    printers.Identity{Language: "star", Maker: "Star Micronics", Model: "mC-Print2", Firmware: "1.0", ASBVersion: 3},
			profile: "mC-Print2", match: printers.MatchExact, noGSI: true},
		{name: "Star TSP143IV by its model number",
			answers: map[string][]byte{escACKSOH: starASBv3, starVerReq: []byte("\x1b#*,TSP143IV Ver1.2\n\x00")},
			want:    printers.Identity{Language: "star", Maker: "Star Micronics", Model: "TSP143IV", Firmware: "1.2", ASBVersion: 3},
			profile: "TSP143IV", match: printers.MatchExact, noGSI: true},
		{name: "Star that does not answer ESC # *",
			answers: map[string][]byte{escACKSOH: starASBv3},
			want: printers.Identity{Language: "star", Maker: "Star Micronics", ASBVersion: 3,
				Notes: []string{"no answer to ESC # * LF NUL within 50ms"}},
			profile: "TSP100IV", match: printers.MatchFamily, noGSI: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &idFake{answers: tc.answers}
			got, err := printers.Identify(ctx, f, printers.IdentifyOptions{Timeout: 50 * time.Millisecond, USB: tc.usb})
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
			} else {
				require.NoError(t, err)
			}
			tc.want.USB = tc.usb
			assert.Equal(t, tc.want, got)
			p, m := printers.ProfileFor(got)
			assert.Equal(t, tc.profile, p.ID)
			assert.Equal(t, tc.match, m.Kind, m.Reason)
			if tc.noGSI {
				for _, r := range f.got {
					assert.False(t, bytes.HasPrefix([]byte(r), []byte{0x1D, 'I'}), "GS I sent to a Star")
					assert.NotEqual(t, dleEOT1, r, "DLE EOT sent to a Star")
				}
			}
			if got.Language == "escpos" {
				assert.NotContains(t, f.got, starVerReq, "ESC # * sent to an ESC/POS printer")
			}
		})
	}
}

func TestIdentifyBrokenLink(t *testing.T) {
	c := &brokenConn{}
	_, err := printers.Identify(context.Background(), c, printers.IdentifyOptions{Timeout: 10 * time.Millisecond})
	assert.ErrorIs(t, err, transport.ErrDisconnected)
	assert.NotErrorIs(t, err, printers.ErrNoIdentity)
}

type brokenConn struct{ idFake }

func (brokenConn) Write([]byte) (int, error) { return 0, transport.ErrDisconnected }

func TestParseIDAnswer(t *testing.T) {
	tests := []struct {
		name string
		n    byte
		in   []byte
		text string
		id   byte
		used int
		err  error
	}{
		{"model ID 0x20 (Bematech MP-4000)", 1, []byte{0x20}, "", 0x20, 1, nil},
		{"type ID: autocutter", 2, []byte{0x02}, "", 0x02, 1, nil},
		{"status byte before the ID is skipped", 1, []byte{0x12, 0x68}, "", 0x68, 2, nil},
		{"ID byte with bit 4 set is no ID", 3, []byte{0x14}, "", 0, 1, printers.ErrShortAnswer},
		{"text block for a one-byte function", 1, []byte("_TM\x00"), "", 0, 0, printers.ErrGarbledAnswer},
		{"empty", 67, nil, "", 0, 0, printers.ErrShortAnswer},
		{"maker BIXOLON", 66, info("BIXOLON"), "BIXOLON", 0, 9, nil},
		{"empty text (0 bytes allowed)", 68, info(""), "", 0, 2, nil},
		{"text cut off", 67, []byte("_TM-T8"), "", 0, 0, printers.ErrShortAnswer},
		{"status then text", 65, append([]byte{0x16}, info("30.05 ESC/POS")...), "30.05 ESC/POS", 0, 16, nil},
		{"answer followed by more", 66, append(info("EPSON"), 0x12), "EPSON", 0, 7, nil},
		{"8-bit byte in text", 67, []byte("_TM\xC3\x00"), "", 0, 4, printers.ErrGarbledAnswer},
		{"ID byte before header", 66, []byte("\x20_EPSON\x00"), "", 0, 0, printers.ErrGarbledAnswer},
		{"no header, only garbage", 67, []byte{0x01, 0x02}, "", 0, 0, printers.ErrGarbledAnswer},
		{"runaway text", 67, append([]byte{0x5F}, bytes.Repeat([]byte{'A'}, 100)...), "", 0, 81, printers.ErrGarbledAnswer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text, id, used, err := printers.ParseIDAnswer(tc.n, tc.in)
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.text, text)
			assert.Equal(t, tc.id, id)
			assert.Equal(t, tc.used, used)
		})
	}
}

func TestParseStarVersion(t *testing.T) {
	tests := []struct {
		name           string
		in             string
		model, version string
		used           int
		err            error
	}{
		{"spec example HSP7000", "\x1b#*,HSP7000 Ver. 1.0\n\x00", "HSP7000", "1.0", 22, nil},
		{"spec example with space after comma", "\x1b#*, HSP7000 Ver. 1.0\n\x00", "HSP7000", "1.0", 23, nil},
		{"no space before the number", "\x1b#*,TSP143IV Ver1.2\n\x00", "TSP143IV", "1.2", 21, nil},
		{"no version", "\x1b#*,TSP650II\n\x00", "TSP650II", "", 14, nil},
		{"ASB before the answer", "\x23\x06\x00\x00\x00\x00\x00\x00\x00\x1b#*,mC-Print3 Ver 5.1\n\x00", "mC-Print3", "5.1", 32, nil},
		{"cut off", "\x1b#*,mC-Pr", "", "", 0, printers.ErrShortAnswer},
		{"LF without NUL yet", "\x1b#*,X Ver1\n", "", "", 0, printers.ErrShortAnswer},
		{"LF then junk", "\x1b#*,X Ver1\nA", "", "", 11, printers.ErrGarbledAnswer},
		{"control byte", "\x1b#*,X\x07Y\n\x00", "", "", 6, printers.ErrGarbledAnswer},
		{"garbage only", string(bytes.Repeat([]byte{0xFF}, 70)), "", "", 70, printers.ErrGarbledAnswer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			model, version, used, err := printers.ParseStarVersion([]byte(tc.in))
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.model, model)
			assert.Equal(t, tc.version, version)
			assert.Equal(t, tc.used, used)
		})
	}
}

func TestProfileFor(t *testing.T) {
	tests := []struct {
		id      printers.Identity
		profile string
		kind    printers.MatchKind
	}{
		{printers.Identity{Model: "TM-T88VII"}, "TM-T88VII", printers.MatchExact},
		{printers.Identity{Model: "TM-T88VI"}, "TM-T88VI", printers.MatchExact},
		{printers.Identity{Model: "TM-T88V"}, "TM-T88V", printers.MatchExact},
		{printers.Identity{Model: "tm m30ii h"}, "TM-m30II-H", printers.MatchExact},
		{printers.Identity{Model: "TM-m30II-NT"}, "TM-m30II", printers.MatchFamily},
		{printers.Identity{Model: "TM-m50"}, "TM-m50", printers.MatchExact},
		{printers.Identity{Model: "TM-L100"}, "TM-L100", printers.MatchExact},
		{printers.Identity{Maker: "BIXOLON", Model: "SRP-350plusIII"}, "SRP-350plusIII", printers.MatchExact},
		{printers.Identity{Maker: "BIXOLON", Model: "SRP-Q300"}, "SRP-Q300", printers.MatchExact},
		{printers.Identity{Model: "CT-S310II"}, "CT-S310II", printers.MatchExact},
		{printers.Identity{Model: "CT-E351"}, "CT-E351", printers.MatchExact},
		{printers.Identity{Model: "EPSON TM-T20IV"}, "TM-T20IV", printers.MatchExact},
		{printers.Identity{Language: "star", Model: "MCP31"}, "mC-Print3", printers.MatchExact},
		{printers.Identity{Language: "star", Model: "TSP143IIIU"}, "TSP100III", printers.MatchExact},
		{printers.Identity{Language: "star", Model: "SM-L200"}, "TSP100IV", printers.MatchFamily},
		{printers.Identity{USB: &printers.USBIdentity{VID: 0x04b8, PID: 0x0202, Manufacturer: "EPSON", Product: "TM-T88VI"}}, "TM-T88VI", printers.MatchExact},
		{printers.Identity{USB: &printers.USBIdentity{VID: 0x0519, PID: 0x0003, Product: "mC-Print2"}}, "mC-Print2", printers.MatchExact},
		{printers.Identity{Model: "Printer-80"}, "POS-80", printers.MatchExact},
		{printers.Identity{Model: "XP-Q200"}, printers.FallbackProfileID, printers.MatchFallback},
		{printers.Identity{}, printers.FallbackProfileID, printers.MatchFallback},
		{printers.Identity{USB: &printers.USBIdentity{VID: 0x0416, PID: 0x5011}}, printers.FallbackProfileID, printers.MatchFallback},
	}
	for _, tc := range tests {
		p, m := printers.ProfileFor(tc.id)
		assert.Equal(t, tc.profile, p.ID, "%+v", tc.id)
		assert.Equal(t, tc.kind, m.Kind, "%+v: %s", tc.id, m.Reason)
		assert.NotEmpty(t, m.Reason)
	}
}

func TestFallbackProfileIsSafe(t *testing.T) {
	p, err := printers.Lookup(printers.FallbackProfileID)
	require.NoError(t, err)
	var pages []string
	for _, s := range p.CodePages {
		pages = append(pages, s.Encoding)
	}
	assert.Equal(t, []string{"CP437", "CP858"}, pages)
	assert.False(t, p.Features.QRCode, "QR as a raster image")
	assert.False(t, p.Features.Graphics, "no NV graphics")
	assert.True(t, p.Features.BitImageRaster)
	assert.Equal(t, 384, p.WidthDots)
}

func TestSameUnit(t *testing.T) {
	a := printers.Identity{Maker: "EPSON", Model: "TM-T88VI", Serial: "A"}
	assert.True(t, a.SameUnit(a))
	assert.False(t, a.SameUnit(printers.Identity{Maker: "EPSON", Model: "TM-T88VI", Serial: "B"}))
	assert.False(t, a.SameUnit(printers.Identity{Maker: "EPSON", Model: "TM-T88VII", Serial: "A"}))
	assert.True(t, a.SameUnit(printers.Identity{Maker: "EPSON", Model: "TM-T88VI"}), "no serial: cannot tell")
}

func TestUSBIdentityOf(t *testing.T) {
	devs := []usb.DeviceInfo{
		{VID: 0x04b8, PID: 0x0202, Manufacturer: "EPSON", Product: "TM-T88VI", Serial: "A1", Bus: 1, Device: 4},
		{VID: 0x04b8, PID: 0x0202, Manufacturer: "EPSON", Product: "TM-T88VII", Serial: "B2", Bus: 1, Device: 5},
		{VID: 0x0519, PID: 0x0003, Manufacturer: "Star Micronics", Product: "mC-Print2", Bus: 2, Device: 2},
	}
	tests := []struct {
		addr    transport.USBAddress
		product string // "": none
	}{
		{transport.USBAddress{VID: 0x04b8, PID: 0x0202}, "TM-T88VI"},
		{transport.USBAddress{VID: 0x04b8, PID: 0x0202, Serial: "B2"}, "TM-T88VII"},
		{transport.USBAddress{VID: 0x04b8, PID: 0x0202, Bus: 1, Addr: 5}, "TM-T88VII"},
		{transport.USBAddress{VID: 0x04b8, PID: 0x0202, Serial: "C3"}, ""},
		{transport.USBAddress{VID: 0x0519, PID: 0x0003}, "mC-Print2"},
		{transport.USBAddress{VID: 0x0416, PID: 0x5011}, ""},
	}
	for _, tc := range tests {
		got := printers.USBIdentityOf(devs, tc.addr)
		if tc.product == "" {
			assert.Nil(t, got, "%+v", tc.addr)
			continue
		}
		require.NotNil(t, got, "%+v", tc.addr)
		assert.Equal(t, tc.product, got.Product)
		p, m := printers.ProfileFor(printers.Identity{USB: got})
		assert.Equal(t, tc.product, p.ID)
		assert.Equal(t, printers.MatchExact, m.Kind)
	}
}
