package paper_test

import (
	"bytes"
	"image"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/escpos/paper"
	"github.com/secuprint/receipt/printers"
)

func tmT88V(t *testing.T) *escpos.Profile {
	t.Helper()
	p, err := printers.Lookup("TM-T88V")
	require.NoError(t, err)
	return p
}

func pos(cmd byte, n int) []byte { return []byte{0x1B, cmd, byte(n), byte(n >> 8)} }

// TestPositioning: ESC $ and ESC \ place text where receiptline puts its
// columns, inside the print area GS L / GS W set.
func TestPositioning(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want []string
	}{
		{"absolute column", cat([]byte("Brötchen x4"), pos('$', 30*12), []byte("2,40 €\n")),
			[]string{"Brötchen x4                   2,40 €"}},
		{"centred by position", cat(pos('$', 17*12), []byte("TOTAL\n")), []string{"                 TOTAL"}},
		{"relative forward", cat([]byte("ab"), pos('\\', 24), []byte("cd\n")), []string{"ab  cd"}},
		{"relative back", cat([]byte("abcd"), pos('\\', -24), []byte("XY\n")), []string{"abXY"}},
		{"beyond the area ignored", cat([]byte("ab"), pos('$', 9999), []byte("cd\n")), []string{"abcd"}},
		{"relative before the margin ignored", cat([]byte("ab"), pos('\\', -100), []byte("cd\n")), []string{"abcd"}},
		{"from the GS L margin", cat([]byte{0x1D, 'L', 48, 0}, pos('$', 24), []byte("x\n")), []string{"      x"}},
		{"GS W narrows the area", cat([]byte{0x1D, 'W', 120, 0}, []byte("abcdefghijkl\n")), []string{"abcdefghij", "kl"}},
		{"ESC SP widens cells", cat([]byte{0x1B, ' ', 12}, []byte("abc\n")), []string{"a b c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tmT88V(t)
			in := append([]byte{0x1B, 't', 19}, tt.in...)
			in = bytes.ReplaceAll(in, []byte("ö"), []byte{0x94})
			in = bytes.ReplaceAll(in, []byte("€"), []byte{0xD5})
			res := paper.Print(in, p)
			require.Empty(t, res.Problems)
			require.Len(t, res.Tickets, 1)
			assert.Equal(t, tt.want, res.Tickets[0].Lines())
		})
	}
}

// TestColumnImageStripesJoin: ESC * 33 stripes under ESC 3 24 print edge to
// edge, one picture; under the default spacing they keep the printer's gap.
func TestColumnImageStripesJoin(t *testing.T) {
	stripe := cat([]byte{0x1B, '*', 33, 16, 0}, bytes.Repeat([]byte{0xFF, 0x00, 0xFF}, 16), []byte{'\n'})
	res := paper.Print(cat([]byte{0x1B, 'a', 1, 0x1B, '3', 24}, bytes.Repeat(stripe, 5), []byte{0x1B, '2'}, []byte("x\n")), tmT88V(t))
	require.Empty(t, res.Problems)
	tk := res.Tickets[0]
	assert.Equal(t, []string{"[bit image 16x120]", "                    x"}, tk.Lines())
	img := tk.Printed[0].Image
	assert.Equal(t, 120, img.Bounds().Dy())
	assert.Equal(t, (512-16)/2, tk.Printed[0].X, "aligned like text")
	for y := 0; y < 120; y++ {
		assert.Equal(t, y%24 < 8 || y%24 >= 16, img.GrayAt(3, y).Y == 0, "row %d", y)
	}

	gapped := paper.Print(bytes.Repeat(stripe, 2), tmT88V(t)).Tickets[0]
	assert.Equal(t, []string{"[bit image 16x24]", "[bit image 16x24]"}, gapped.Lines())
	assert.Equal(t, 30, gapped.Printed[0].Height, "default spacing 1/6 inch leaves 6 dots")
}

// TestLineSpacingFeedsAfterText: with ESC 3 n larger than the cell the
// text prints at the top of the line and the rest is fed after it.
func TestLineSpacingFeedsAfterText(t *testing.T) {
	// The TM-T88V counts ESC 3 in 1/360 inch: 160 is 80 dots.
	res := paper.Print([]byte("\x1b3\xa0A\nB\n"), tmT88V(t))
	tk := res.Tickets[0]
	require.Len(t, tk.Printed, 2)
	assert.Equal(t, 80, tk.Printed[0].Height)
	assert.Equal(t, 24, tk.Printed[0].Ink)
	img := tk.Image()
	inkRows := func(y0, y1 int) int {
		n := 0
		for y := y0; y < y1; y++ {
			for x := 0; x < 12; x++ {
				if img.GrayAt(x, y).Y == 0 {
					n++
					break
				}
			}
		}
		return n
	}
	assert.NotZero(t, inkRows(0, 24), "A at the top")
	assert.Zero(t, inkRows(24, 80), "the feed after it")

	// GS P 180 180 makes the unit a dot; ESC J and GS V count in it too.
	tk = paper.Print([]byte("\x1dP\xb4\xb4\x1b3\x50A\n\x1bJ\x28B\n\x1b@\x1bJ\x28C\n"), tmT88V(t)).Tickets[0]
	var heights []int
	for _, l := range tk.Printed {
		heights = append(heights, l.Height)
	}
	assert.Equal(t, []int{80, 40, 80, 20, 30}, heights, "ESC @ restores 1/360")
	zj, err := printers.Lookup("ZJ-5870")
	require.NoError(t, err)
	tk = paper.Print([]byte("\x1b3\x50A\n"), zj).Tickets[0]
	assert.Equal(t, 80, tk.Printed[0].Height, "a 203-dpi clone counts dots")
}

func TestUpsideDownItalicAndBlankTails(t *testing.T) {
	p := tmT88V(t)
	res := paper.Print([]byte("\x1b{\x01up\n\x1b{\x00\x1b4\x01it\x1b4\x00\n"), p)
	require.Empty(t, res.Problems)
	tk := res.Tickets[0]
	assert.Equal(t, "[upside]up[/upside]\n[i]it[/i]\n", tk.Text())
	img := tk.Image()
	right := false
	for x := 400; x < 512; x++ {
		for y := 0; y < 30; y++ {
			if img.GrayAt(x, y).Y == 0 {
				right = true
			}
		}
	}
	assert.True(t, right, "an upside-down line starts at the right edge")

	for _, tail := range [][]byte{{'\n', '\r'}, {0x1D, 'V', 0}, {'\n', 0x1D, 'V', 66, 0}, {0x1B, 'd', 3}} {
		res := paper.Print(cat([]byte("receipt\n\x1dV\x00"), tail), p)
		assert.Len(t, res.Tickets, 1, "%q after the cut makes no blank ticket", tail)
	}
}

func TestCodePageSlots(t *testing.T) {
	p := tmT88V(t)
	// receiptline draws rules with page 1's box drawing (Katakana).
	res := paper.Print([]byte{0x1C, '.', 0x1B, 't', 1, 0x95, 0x95, 0x96, 0x98, 0xB1, '\n'}, p)
	require.Empty(t, res.Problems)
	assert.Equal(t, []string{"──│┌ｱ"}, res.Tickets[0].Lines())
	// Scripts Go Mono lacks draw from the Unifont subset, not as boxes.
	for _, tt := range []struct {
		slot byte
		text []byte
		want string
	}{{36, []byte{0x80, 0x81, 0x82}, "אבג"}, {1, []byte{0xB1, 0xB2}, "ｱｲ"}, {50, []byte{0xC7, 0xC8}, "اب"}} {
		res := paper.Print(cat([]byte{0x1B, 't', tt.slot}, tt.text, []byte{'\n'}), p)
		require.Empty(t, res.Problems, "slot %d", tt.slot)
		require.Equal(t, []string{tt.want}, res.Tickets[0].Lines())
		assert.Greater(t, inkIn(res.Tickets[0].Image(), 0, 0, 12, 24), 8, "slot %d: a glyph", tt.slot)
	}
	// A slot with no table (CP853) is reported once, not per byte.
	res = paper.Print([]byte{0x1B, 't', 12, 0xC0, 0xC1, '\n', 0xC2, '\n'}, p)
	require.Len(t, res.Problems, 1)
	assert.Contains(t, res.Problems[0].Message, "no table")
}

// TestGraphicsCommands: GS ( L print-buffer graphics (scaled), download
// graphics, NV graphics and FS q bit images, with the problems a printer
// would have.
func TestGraphicsCommands(t *testing.T) {
	gs := func(fn byte, params ...byte) []byte {
		n := len(params) + 2
		return cat([]byte{0x1D, '(', 'L', byte(n), byte(n >> 8), 48, fn}, params)
	}
	img8x2 := []byte{48, 0, 0, 1, 8, 0, 2, 0, 49, 0xF0, 0x0F} // a kc1 kc2 b xL xH yL yH c d d (key set below)
	define := func(fn, k1, k2 byte) []byte {
		p := append([]byte(nil), img8x2...)
		p[1], p[2] = k1, k2
		return gs(fn, p...)
	}
	tests := []struct {
		name     string
		in       []byte
		lines    []string
		problems int
	}{
		{"buffer 2x2 scale", cat(gs(112, 48, 2, 2, 49, 8, 0, 1, 0, 0xAA), gs(50)), []string{"[graphics 16x2]"}, 0},
		{"print empties the buffer", cat(gs(112, 48, 1, 1, 49, 8, 0, 1, 0, 0xAA), gs(50), gs(50)), []string{"[graphics 8x1]"}, 1},
		{"NV define and print", cat(define(67, 'A', '1'), gs(69, 'A', '1', 1, 1)), []string{`[logo "A1" 8x2]`}, 0},
		{"NV print doubled", cat(define(67, 'A', '1'), gs(69, 'A', '1', 2, 2)), []string{`[logo "A1" 16x4]`}, 0},
		{"NV delete", cat(define(67, 'A', '1'), gs(66, 'A', '1'), gs(69, 'A', '1', 1, 1)), nil, 1},
		{"NV delete all", cat(define(67, 'A', '1'), gs(65, 'C', 'L', 'R'), gs(69, 'A', '1', 1, 1)), nil, 1},
		{"NV unknown key", gs(69, 'Z', 'Z', 1, 1), nil, 1},
		{"NV bad key", define(67, 1, 2), nil, 1},
		{"download define and print", cat(define(83, 'D', 'L'), gs(85, 'D', 'L', 1, 1)), []string{`[logo "DL" 8x2]`}, 0},
		{"FS q then FS p", cat([]byte{0x1C, 'q', 1, 1, 0, 1, 0}, bytes.Repeat([]byte{0xFF}, 8), []byte{0x1C, 'p', 1, 3}), []string{"[logo 1 16x16]"}, 0},
		{"FS p undefined", []byte{0x1C, 'p', 2, 0}, nil, 1},
		{"GS * and GS /", cat([]byte{0x1D, '*', 1, 1}, bytes.Repeat([]byte{0x3C}, 8), []byte{0x1D, '/', 0}), []string{"[download image 8x8]"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := paper.Print(tt.in, tmT88V(t))
			assert.Len(t, res.Problems, tt.problems, "%v", res.Problems)
			var lines []string
			for _, tk := range res.Tickets {
				lines = append(lines, tk.Lines()...)
			}
			assert.Equal(t, tt.lines, lines)
		})
	}
	// The NV image prints the dots defined.
	res := paper.Print(cat(define(67, 'A', '1'), gs(69, 'A', '1', 1, 1)), nil)
	img := res.Tickets[0].Printed[0].Image
	for x := 0; x < 8; x++ {
		assert.Equal(t, x < 4, img.GrayAt(x, 0).Y == 0)
		assert.Equal(t, x >= 4, img.GrayAt(x, 1).Y == 0)
	}
}

// TestStoreIsShared: a Store handed in carries NV graphics from one stream
// to the next.
func TestStoreIsShared(t *testing.T) {
	s := paper.NewStore()
	r := &escpos.Raster{Width: 8, Height: 1, Stride: 1, Bits: []byte{0xFF}}
	def, err := escpos.AppendDefineLogo(nil, escpos.LogoKey{'L', 'G'}, r)
	require.NoError(t, err)
	pr, err := escpos.AppendPrintLogo(nil, escpos.LogoKey{'L', 'G'})
	require.NoError(t, err)
	p := tmT88V(t)
	res := paper.Interpret(decodeAll(def, p), p, paper.Options{Store: s})
	assert.Empty(t, res.Tickets)
	res = paper.Interpret(decodeAll(pr, p), p, paper.Options{Store: s})
	require.Len(t, res.Tickets, 1)
	assert.Equal(t, []string{`[logo "LG" 8x1]`}, res.Tickets[0].Lines())
	res = paper.Interpret(decodeAll(pr, p), p, paper.Options{})
	assert.Empty(t, res.Tickets, "a fresh memory has no logo")
}

func decodeAll(b []byte, p *escpos.Profile) []decode.Command { return decode.Decode(b, p) }

// inkIn counts black dots in a rectangle.
func inkIn(img *image.Gray, x0, y0, x1, y1 int) int {
	n := 0
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			if img.GrayAt(x, y).Y == 0 {
				n++
			}
		}
	}
	return n
}
