package star

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
)

var prnt = &escpos.Profile{ID: "prnt", Language: escpos.LanguageStarPRNT, WidthDots: 576,
	Fonts:     []escpos.FontInfo{{Font: escpos.FontA, Columns: 48}, {Font: escpos.FontB, Columns: 64}},
	CodePages: []escpos.CodePageSlot{{Slot: 0, Encoding: "CP437"}, {Slot: 4, Encoding: "CP858"}, {Slot: 32, Encoding: "CP1252"}},
	Features:  escpos.Features{QRCode: true, BarcodeB: true, PaperPartCut: true, PaperFullCut: true, PulseStandard: true}}

func TestNewEncoderLanguage(t *testing.T) {
	for _, l := range []escpos.Language{escpos.LanguageESCPOS, escpos.LanguageStarGraphic} {
		p := *prnt
		p.Language = l
		_, err := NewEncoder(&p)
		assert.Error(t, err, "%v", l)
	}
	_, err := NewEncoder(nil)
	assert.Error(t, err)
	p := *prnt
	p.Language = escpos.LanguageStarLine
	_, err = NewEncoder(&p)
	assert.NoError(t, err)
}

// Styles in force are not sent again; text selects Star slots with ESC GS t.
func TestEncoderState(t *testing.T) {
	e, err := NewEncoder(prnt)
	require.NoError(t, err)
	var fb []escpos.Fallback
	e.OnFallback = func(f escpos.Fallback) { fb = append(fb, f) }
	b := e.AppendInit(nil)
	b = e.AppendBold(b, false)
	b, err = e.AppendSize(b, escpos.Normal)
	require.NoError(t, err)
	b, err = e.AppendJustification(b, escpos.JustifyLeft)
	require.NoError(t, err)
	b, err = e.AppendFont(b, escpos.FontA)
	require.NoError(t, err)
	assert.Equal(t, []byte{0x1B, 0x40}, b, "the reset state is known")
	b = e.AppendBold(b, true)
	b = e.AppendBold(b, true)
	b = e.AppendText(b, "3 € ☃")
	assert.Equal(t, append([]byte{0x1B, 0x40, 0x1B, 'E', '3', ' ', 0x1B, 0x1D, 't', 4, 0xD5, ' '}, '?'), b)
	require.Len(t, fb, 1)
	assert.Equal(t, '☃', fb[0].Rune)
	assert.True(t, e.CanEncode('ä'))
	assert.False(t, e.CanEncode('☃'))
	_, err = e.AppendFont(nil, escpos.FontC)
	assert.Error(t, err, "the profile has no font C")
	_, err = e.AppendLogo(nil, escpos.LogoKey{'L', 'G'}, escpos.JustifyCenter)
	assert.Error(t, err)
}

func TestEncoderCodes(t *testing.T) {
	e, err := NewEncoder(prnt)
	require.NoError(t, err)
	e.AppendInit(nil)
	b, fb, err := e.AppendQR(nil, escpos.QR{Data: "hi"}, escpos.JustifyCenter)
	require.NoError(t, err)
	assert.False(t, fb.Raster)
	// ESC a 1: a line (≥ 24 dots) of quiet zone above the 3-dot cells.
	assert.True(t, bytes.HasPrefix(b, []byte{0x1B, 0x1D, 'a', 1, 0x1B, 'a', 1, 0x1B, 0x1D, 'y', 'S', '0', 2}), "% X", b)
	assert.True(t, bytes.HasSuffix(b, []byte{0x1B, 0x1D, 'y', 'P', 0x1B, 'a', 1}), "and below: % X", b)

	// A cell Star cannot print natively: drawn, said, and centred by margin.
	b, fb, err = e.AppendQR(nil, escpos.QR{Data: "hi", Module: 10}, escpos.JustifyCenter)
	require.NoError(t, err)
	assert.True(t, fb.Raster)
	assert.Contains(t, fb.Why, "cell size 10")
	assert.True(t, bytes.HasPrefix(b, []byte{0x1B, 0x1D, 'a', 0, 0x1B, 0x1D, 'S', 1}), "% X", b[:12])
	line := *prnt
	line.Language = escpos.LanguageStarLine
	le, _ := NewEncoder(&line)
	le.AppendInit(nil)
	b, _, err = le.AppendQR(nil, escpos.QR{Data: "hi", Module: 10}, escpos.JustifyCenter)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(b, []byte{0x1B, '0', 0x1B, 'X'}), "Line Mode prints bands: % X", b[:12])

	b, fb, err = e.AppendBarcode(nil, escpos.Barcode{Symbology: escpos.Code128, Data: "12345678", HRI: escpos.HRIBoth}, escpos.JustifyRight)
	require.NoError(t, err)
	assert.False(t, fb.Raster)
	// ESC a 1: a line (≥ 20 dots, 10 modules of 2) of quiet zone above and below.
	assert.Equal(t, append(append([]byte{0x1B, 0x1D, 'a', 2, 0x1B, 'a', 1}, "12345678\n\x1bb\x06\x02\x01\x50"...), "12345678\x1e\x1ba\x01"...), b)

	_, _, err = e.AppendBarcode(nil, escpos.Barcode{Symbology: escpos.EAN8, Data: "12"}, escpos.JustifyLeft)
	assert.Error(t, err)
	_, err = e.AppendRaster(nil, &escpos.Raster{Width: 600, Height: 1, Stride: 75, Bits: make([]byte, 75)}, escpos.JustifyLeft)
	assert.Error(t, err, "wider than the head")

	b, err = e.AppendDrawer(nil, escpos.DrawerPin2)
	require.NoError(t, err)
	assert.Equal(t, []byte{0x1B, 0x07, 20, 20, 0x07}, b)
	noDrawer := *prnt
	noDrawer.Features.PulseStandard = false
	e2, _ := NewEncoder(&noDrawer)
	_, err = e2.AppendDrawer(nil, escpos.DrawerPin2)
	assert.Error(t, err)
}

func TestEncoderCutFallbacks(t *testing.T) {
	for _, tc := range []struct {
		full, part bool
		m          escpos.CutMode
		want       []byte
	}{
		{true, true, escpos.CutPartial, []byte{0x1B, 'd', 3}},
		{true, false, escpos.CutPartial, []byte{0x1B, 'd', 2}},
		{false, true, escpos.CutFull, []byte{0x1B, 'd', 3}},
		{false, false, escpos.CutFull, []byte{0x1B, 'a', 4}},
		{true, true, escpos.CutNone, nil},
	} {
		p := *prnt
		p.Features.PaperFullCut, p.Features.PaperPartCut = tc.full, tc.part
		e, _ := NewEncoder(&p)
		got, err := e.AppendCut(nil, tc.m)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, "%+v", tc)
	}
	e, _ := NewEncoder(prnt)
	_, err := e.AppendCut(nil, escpos.CutMode(5))
	assert.Error(t, err)
}
