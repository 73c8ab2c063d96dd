package decode

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
)

var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")

// epson is an Epson-style slot map: 0 CP437, 16 WPC1252, 19 CP858.
var epson = &escpos.Profile{ID: "test", CodePages: []escpos.CodePageSlot{
	{Slot: 0, Encoding: "CP437"}, {Slot: 16, Encoding: "CP1252"}, {Slot: 19, Encoding: "CP858"}, {Slot: 42, Encoding: "Unknown"},
}}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestDecodeCommands(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		op   Op
		mn   string
		args []int
		data string
	}{
		{"init", []byte{0x1B, '@'}, OpInit, "ESC @", nil, ""},
		{"print mode", []byte{0x1B, '!', 0x38}, OpPrintMode, "ESC !", []int{0x38}, ""},
		{"bold", []byte{0x1B, 'E', 1}, OpEmphasis, "ESC E", []int{1}, ""},
		{"underline", []byte{0x1B, '-', 2}, OpUnderline, "ESC -", []int{2}, ""},
		{"double strike", []byte{0x1B, 'G', 1}, OpDoubleStrike, "ESC G", []int{1}, ""},
		{"font", []byte{0x1B, 'M', 1}, OpFont, "ESC M", []int{1}, ""},
		{"justify", []byte{0x1B, 'a', '1'}, OpJustify, "ESC a", []int{'1'}, ""},
		{"feed lines", []byte{0x1B, 'd', 3}, OpFeedLines, "ESC d", []int{3}, ""},
		{"feed dots", []byte{0x1B, 'J', 40}, OpFeedDots, "ESC J", []int{40}, ""},
		{"charset", []byte{0x1B, 'R', 2}, OpCharset, "ESC R", []int{2}, ""},
		{"spacing default", []byte{0x1B, '2'}, OpLineSpacingDefault, "ESC 2", nil, ""},
		{"spacing", []byte{0x1B, '3', 30}, OpLineSpacing, "ESC 3", []int{30}, ""},
		{"pulse", []byte{0x1B, 'p', 0, 25, 250}, OpPulse, "ESC p", []int{0, 25, 250}, ""},
		{"upside down", []byte{0x1B, '{', 1}, OpUpsideDown, "ESC {", []int{1}, ""},
		{"rotate", []byte{0x1B, 'V', 1}, OpRotate, "ESC V", []int{1}, ""},
		{"tabs", []byte{0x1B, 'D', 8, 16, 0}, OpTabStops, "ESC D", nil, "\x08\x10"},
		{"bit image 8-dot", []byte{0x1B, '*', 0, 2, 0, 0xFF, 0x81}, OpBitImage, "ESC *", []int{0, 2, 0}, "\xff\x81"},
		{"bit image 24-dot", cat([]byte{0x1B, '*', 33, 1, 0}, []byte{1, 2, 3}), OpBitImage, "ESC *", []int{33, 1, 0}, "\x01\x02\x03"},
		{"panel", []byte{0x1B, 'c', '5', 1}, OpPanel, "ESC c 5", []int{1}, ""},
		{"size", []byte{0x1D, '!', 0x11}, OpSize, "GS !", []int{0x11}, ""},
		{"reverse", []byte{0x1D, 'B', 1}, OpReverse, "GS B", []int{1}, ""},
		{"cut full", []byte{0x1D, 'V', 0}, OpCut, "GS V", []int{0}, ""},
		{"cut feed partial", []byte{0x1D, 'V', 66, 3}, OpCut, "GS V", []int{66, 3}, ""},
		{"raster", cat([]byte{0x1D, 'v', '0', 0, 2, 0, 2, 0}, []byte{1, 2, 3, 4}), OpRasterImage, "GS v 0", []int{0, 2, 0, 2, 0}, "\x01\x02\x03\x04"},
		{"graphics store", cat([]byte{0x1D, '(', 'L', 4, 0, 48, 112}, []byte{9, 9}), OpGraphics, "GS ( L", []int{48, 112}, "\x09\x09"},
		{"graphics 8L", []byte{0x1D, '8', 'L', 3, 0, 0, 0, 48, 112, 7}, OpGraphics, "GS 8 L", []int{48, 112}, "\x07"},
		{"qr store", cat([]byte{0x1D, '(', 'k', 6, 0, 49, 80, 48}, []byte("abc")), OpSymbol, "GS ( k", []int{49, 80}, "0abc"},
		{"qr print", []byte{0x1D, '(', 'k', 3, 0, 49, 81, 48}, OpSymbol, "GS ( k", []int{49, 81}, "0"},
		{"barcode A", cat([]byte{0x1D, 'k', 4}, []byte("*AB*"), []byte{0}), OpBarcode, "GS k", []int{4}, "*AB*"},
		{"barcode B", cat([]byte{0x1D, 'k', 73, 4, '{', 'B', 'A', 'B'}), OpBarcode, "GS k", []int{73}, "{BAB"},
		{"hri", []byte{0x1D, 'H', 2}, OpHRIPosition, "GS H", []int{2}, ""},
		{"barcode height", []byte{0x1D, 'h', 80}, OpBarcodeHeight, "GS h", []int{80}, ""},
		{"barcode width", []byte{0x1D, 'w', 3}, OpBarcodeWidth, "GS w", []int{3}, ""},
		{"hri font", []byte{0x1D, 'f', 1}, OpHRIFont, "GS f", []int{1}, ""},
		{"asb", []byte{0x1D, 'a', 0xFF}, OpASB, "GS a", []int{0xFF}, ""},
		{"transmit status", []byte{0x1D, 'r', 1}, OpTransmitStatus, "GS r", []int{1}, ""},
		{"printer id", []byte{0x1D, 'I', 67}, OpPrinterID, "GS I", []int{67}, ""},
		{"realtime status", []byte{0x10, 0x04, 4}, OpRealtimeStatus, "DLE EOT", []int{4}, ""},
		{"realtime status 7", []byte{0x10, 0x04, 7, 1}, OpRealtimeStatus, "DLE EOT", []int{7, 1}, ""},
		{"realtime request", []byte{0x10, 0x05, 2}, OpRealtimeRequest, "DLE ENQ", []int{2}, ""},
		{"realtime pulse", []byte{0x10, 0x14, 1, 0, 5}, OpRealtimeCommand, "DLE DC4 1", []int{0, 5}, ""},
		{"nv image", []byte{0x1C, 'p', 1, 0}, OpNVImage, "FS p", []int{1, 0}, ""},
		{"nv define", cat([]byte{0x1C, 'q', 1, 1, 0, 1, 0}, bytes.Repeat([]byte{0xAA}, 8)), OpNVImageDefine, "FS q", []int{1}, "\x01\x00\x01\x00" + strings.Repeat("\xaa", 8)},
		{"lf", []byte{0x0A}, OpLF, "LF", nil, ""},
		{"ht", []byte{0x09}, OpHT, "HT", nil, ""},
		{"cr", []byte{0x0D}, OpCR, "CR", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmds := Decode(tt.in, epson)
			require.Len(t, cmds, 1, "%v", cmds)
			c := cmds[0]
			assert.NoError(t, c.Err)
			assert.Equal(t, tt.op, c.Op)
			assert.Equal(t, tt.mn, c.Name)
			var args []int
			for i := range c.Args {
				args = append(args, c.Arg(i))
			}
			assert.Equal(t, tt.args, args)
			assert.Equal(t, tt.data, string(c.Data))
			assert.Equal(t, tt.in, c.Raw)
		})
	}
}

func TestDecodeText(t *testing.T) {
	in := cat([]byte("Summe "), []byte{0x1B, 't', 19}, []byte{0xD5, ' ', 0x84, 0x94, 0x81, 0xE1},
		[]byte{0x1B, 't', 16}, []byte{0x80, 0xC4}, []byte{0x1B, '@'}, []byte{0x84})
	cmds := Decode(in, epson)
	var texts, pages []string
	for _, c := range cmds {
		require.NoError(t, c.Err)
		if c.Op == OpText {
			texts = append(texts, c.Text)
			pages = append(pages, c.CodePage)
		}
	}
	assert.Equal(t, []string{"Summe ", "€ äöüß", "€Ä", "ä"}, texts)
	assert.Equal(t, []string{"CP437", "CP858", "CP1252", "CP437"}, pages, "ESC @ returns to slot 0")
}

// A slot without a table (or a byte its table lacks) costs that byte one
// U+FFFD, never the ASCII around it (issue 23 item 7).
func TestDecodeTextUnknownSlotKeepsASCII(t *testing.T) {
	p := &escpos.Profile{ID: "t", CodePages: []escpos.CodePageSlot{{Slot: 0, Encoding: "Unknown"}, {Slot: 1, Encoding: "CP437"}}}
	cmds := Decode([]byte("Br\xb9tchen x4\x1b@Kaffee \xcd"), p)
	var texts []string
	for _, c := range cmds {
		if c.Op == OpText {
			texts = append(texts, c.Text)
		}
	}
	assert.Equal(t, []string{"Br\uFFFDtchen x4", "Kaffee \uFFFD"}, texts)
}

func TestDecodeProblems(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		want    error
		ops     []Op
		offsets []int
	}{
		{"unknown ESC", []byte{0x1B, 0x01, 'A'}, ErrUnknown, []Op{OpUnknown, OpText}, []int{0, 2}},
		{"unknown GS", []byte{'x', 0x1D, 0xFE, 'A'}, ErrUnknown, []Op{OpText, OpUnknown, OpText}, []int{0, 1, 3}},
		{"unknown C0", []byte{0x07, 'A'}, ErrUnknown, []Op{OpUnknown, OpText}, []int{0, 1}},
		{"truncated ESC E", []byte{'A', 0x1B, 'E'}, ErrTruncated, []Op{OpText, OpTruncated}, []int{0, 1}},
		{"truncated raster", []byte{0x1D, 'v', '0', 0, 10, 0, 10, 0, 1, 2}, ErrTruncated, []Op{OpTruncated}, []int{0}},
		{"truncated barcode", []byte{0x1D, 'k', 4, 'A', 'B'}, ErrTruncated, []Op{OpTruncated}, []int{0}},
		{"lone ESC", []byte{0x1B}, ErrTruncated, []Op{OpTruncated}, []int{0}},
		{"bad cut", []byte{0x1D, 'V', 7, 'A'}, ErrArgument, []Op{OpCut, OpText}, []int{0, 3}},
		{"bad bit image", []byte{0x1B, '*', 9, 1, 0, 'A'}, ErrArgument, []Op{OpBitImage, OpText}, []int{0, 5}},
		{"slot not in profile", []byte{0x1B, 't', 7, 0x80}, ErrArgument, []Op{OpCodePage, OpText}, []int{0, 3}},
		{"slot without table", []byte{0x1B, 't', 42, 0x80}, ErrArgument, []Op{OpCodePage, OpText}, []int{0, 3}},
		{"bad size", []byte{0x1D, '!', 0x88}, ErrArgument, []Op{OpSize}, []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmds := Decode(tt.in, epson)
			var ops []Op
			var offsets []int
			var errs []error
			total := 0
			for _, c := range cmds {
				ops = append(ops, c.Op)
				offsets = append(offsets, c.Offset)
				total += len(c.Raw)
				if c.Err != nil {
					errs = append(errs, c.Err)
				}
			}
			assert.Equal(t, tt.ops, ops)
			assert.Equal(t, tt.offsets, offsets)
			assert.Equal(t, len(tt.in), total, "every byte belongs to one command")
			require.NotEmpty(t, errs)
			assert.ErrorIs(t, errs[0], tt.want)
			assert.Contains(t, errs[0].Error(), "offset ")
		})
	}
}

func TestNextStreaming(t *testing.T) {
	d := NewDecoder(epson)
	stream := cat([]byte{0x1D, 'v', '0', 0, 1, 0, 2, 0, 0xF0, 0x0F}, []byte{0x10, 0x04, 1})
	// Every proper prefix of the raster command asks for more input.
	for i := 0; i < 10; i++ {
		_, n, err := d.Next(stream[:i])
		assert.ErrorIs(t, err, ErrShort, "prefix %d", i)
		assert.Zero(t, n)
	}
	c, n, err := d.Next(stream)
	require.NoError(t, err)
	assert.Equal(t, 10, n)
	assert.Equal(t, OpRasterImage, c.Op)
	c, n, err = d.Next(stream[10:])
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	assert.Equal(t, OpRealtimeStatus, c.Op)
}

// TestForeignStreams decodes streams this project does not produce, written
// by hand after the command reference: images, barcodes, symbols and code
// page switches must all decode without a single problem.
func TestForeignStreams(t *testing.T) {
	streams := map[string][]byte{
		"logo and qr": cat(
			[]byte{0x1B, '@', 0x1B, 'a', 1},
			[]byte{0x1D, 'v', '0', 0, 2, 0, 3, 0}, bytes.Repeat([]byte{0xFF, 0x00}, 3),
			[]byte{0x1D, '(', 'k', 4, 0, 49, 65, 50, 0},
			[]byte{0x1D, '(', 'k', 3, 0, 49, 67, 6},
			[]byte{0x1D, '(', 'k', 3, 0, 49, 69, 49},
			[]byte{0x1D, '(', 'k', 14, 0, 49, 80, 48}, []byte("secuconnect"),
			[]byte{0x1D, '(', 'k', 3, 0, 49, 81, 48},
			[]byte{0x0A, 0x1D, 'V', 66, 0},
		),
		"barcodes": cat(
			[]byte{0x1D, 'H', 2, 0x1D, 'h', 80, 0x1D, 'w', 2, 0x1D, 'f', 0},
			[]byte{0x1D, 'k', 2}, []byte("400638133393"), []byte{0},
			[]byte{0x1D, 'k', 67, 12}, []byte("400638133393"),
			[]byte{0x1D, 'k', 73, 10, '{', 'B'}, []byte("No.123"), []byte{'{', 'C', 12},
			[]byte{0x1D, '(', 'k', 4, 0, 48, 65, 0, 0},
			[]byte{0x1D, '(', 'k', 7, 0, 48, 80, 48}, []byte("1234"),
			[]byte{0x1D, '(', 'k', 3, 0, 48, 81, 48},
		),
		"graphics and nv": cat(
			[]byte{0x1D, '(', 'L', 11, 0, 48, 112, 48, 1, 1, 49, 8, 0, 1, 0}, []byte{0xAA},
			[]byte{0x1D, '(', 'L', 2, 0, 48, 50},
			[]byte{0x1D, '8', 'L', 6, 0, 0, 0, 48, 67, 48, 32, 32, 1},
			[]byte{0x1C, 'p', 1, 0},
			[]byte{0x1B, '*', 33, 2, 0}, bytes.Repeat([]byte{0x18}, 6),
			[]byte{0x1D, '*', 1, 1}, bytes.Repeat([]byte{0x3C}, 8), []byte{0x1D, '/', 0},
		),
		"pages and styles": cat(
			[]byte{0x1B, 't', 19}, []byte("Betrag "), []byte{0xD5, 0x0A},
			[]byte{0x1B, 't', 16, 0x80, 0xE4, 0xF6, 0xFC, 0xDF, 0x0A},
			[]byte{0x1B, 't', 0, 0x84, 0x94, 0x81, 0xE1, 0x0A},
			[]byte{0x1B, '!', 0x38, 0x1B, '-', 1, 0x1D, 'B', 1, 0x1B, '{', 0, 0x1B, 'M', 1},
			[]byte{0x1B, 'D', 10, 20, 0, 0x09, 'x', 0x0D, 0x0A},
			[]byte{0x1B, '3', 40, 0x1B, 'J', 10, 0x1B, 'd', 2, 0x1D, 'L', 0, 0, 0x1D, 'W', 0x40, 0x02},
			[]byte{0x1B, 'p', 0, 50, 50, 0x10, 0x14, 1, 0, 1, 0x10, 0x04, 1, 0x1D, 'r', 1, 0x1D, 'I', 66, 0x1D, 'a', 0xFF},
			[]byte{0x1D, 'V', 49},
		),
	}
	for name, in := range streams {
		t.Run(name, func(t *testing.T) {
			cmds := Decode(in, epson)
			total := 0
			for _, c := range cmds {
				assert.NoError(t, c.Err, "%s at %d", c.Name, c.Offset)
				assert.NotEqual(t, OpUnknown, c.Op)
				total += len(c.Raw)
			}
			assert.Equal(t, len(in), total)
		})
	}
}

func TestDisassemblyFormat(t *testing.T) {
	in := cat([]byte{0x1B, '@', 0x1B, 't', 19, 0x1D, '!', 0x11}, []byte("Summe \xd5"), []byte{0x0A, 0x1B, 0x01, 0x1D, 'V', 66, 3})
	got := string(AppendDisassembly(nil, Decode(in, epson)))
	want := `0000  ESC @                     ; initialise printer
0002  ESC t 19                  ; code page CP858
0005  GS ! 17                   ; character size 2x wide, 2x high
0008  "Summe €"
000f  LF
0010  ESC [1b 01]               ; error: offset 16: ESC 0x01: unknown command
0012  GS V 66 3                 ; feed 3 dots, partial cut
`
	assert.Equal(t, want, got)
}

func TestMarshalJSON(t *testing.T) {
	cmds := Decode([]byte{0x1B, 'E', 1, 'h', 'i', 0x1B}, epson)
	out, err := json.Marshal(cmds)
	require.NoError(t, err)
	assert.JSONEq(t, `[
		{"offset":0,"name":"ESC E","args":[1],"note":"bold on"},
		{"offset":3,"name":"TEXT","text":"hi","code_page":"CP437"},
		{"offset":5,"name":"ESC","error":"offset 5: ESC: input ends inside a command"}]`, string(out))
}

// seeds returns golden ESC/POS streams from testdata plus hand-made ones.
func seeds(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "golden", "*", "*.bin"))
	require.NoError(tb, err)
	foreign, err := filepath.Glob(filepath.Join("..", "..", "testdata", "thirdparty", "*.bin"))
	require.NoError(tb, err)
	files = append(files, foreign...)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(tb, err)
		out = append(out, b)
	}
	return append(out, []byte{0x1D, '8', 'L', 0xFF, 0xFF, 0xFF, 0x7F}, []byte{0x1B, '&', 3, 32, 126, 2})
}

func FuzzDecode(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		cmds := Decode(in, epson)
		total := 0
		for i, c := range cmds {
			if len(c.Raw) == 0 {
				t.Fatalf("command %d consumed nothing", i)
			}
			if c.Offset != total {
				t.Fatalf("command %d at %d, want %d", i, c.Offset, total)
			}
			total += len(c.Raw)
			if (c.Op == OpUnknown || c.Op == OpTruncated) && c.Err == nil {
				t.Fatalf("%s without error", c.Name)
			}
			if c.Err != nil && !errors.Is(c.Err, ErrUnknown) && !errors.Is(c.Err, ErrTruncated) &&
				!errors.Is(c.Err, ErrArgument) && !errors.Is(c.Err, ErrUndefined) {
				t.Fatalf("unclassified error %v", c.Err)
			}
		}
		if total != len(in) {
			t.Fatalf("decoded %d of %d bytes", total, len(in))
		}
		_ = AppendDisassembly(nil, cmds)
	})
}

func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"pay-missing-sum", "card-topup"} {
		in, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", name, "TM-T88V-42col.bin"))
		require.NoError(b, err)
		b.Run(name, func(b *testing.B) {
			d := NewDecoder(epson)
			var cmds []Command
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				d.Reset()
				cmds = d.DecodeAll(cmds[:0], in)
			}
		})
	}
}

// Star's ESC GS t n selects the slot as ESC t n does.
func TestStarCodePage(t *testing.T) {
	p := &escpos.Profile{ID: "star", CodePages: []escpos.CodePageSlot{{Slot: 0, Encoding: "CP437"}, {Slot: 4, Encoding: "CP858"}}, Features: escpos.Features{StarCommands: true}}
	cmds := Decode([]byte{0x1B, 0x1D, 't', 4, 0xD5}, p)
	require.Len(t, cmds, 2)
	assert.Equal(t, "ESC GS t", cmds[0].Name)
	assert.Equal(t, OpCodePage, cmds[0].Op)
	assert.Equal(t, "€", cmds[1].Text)
	assert.NoError(t, cmds[1].Err)
}
