package escpos

import (
	"image"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBarcodesReadBackWithZbar(t *testing.T) {
	tests := []struct {
		bc   Barcode
		want string
	}{
		{Barcode{Symbology: EAN13, Data: "400638133393"}, "4006381333931"},
		{Barcode{Symbology: EAN13, Data: "4006381333931"}, "4006381333931"},
		{Barcode{Symbology: EAN13, Data: "590123412345"}, "5901234123457"},
		{Barcode{Symbology: EAN13, Data: "978020137962"}, "9780201379624"},
		{Barcode{Symbology: EAN8, Data: "9638507"}, "96385074"},
		{Barcode{Symbology: EAN8, Data: "40170725"}, "40170725"},
		{Barcode{Symbology: UPCA, Data: "03600029145"}, "036000291452"},
		{Barcode{Symbology: UPCA, Data: "725272730706"}, "725272730706"},
		{Barcode{Symbology: Code39, Data: "CODE 39-$/+%."}, "CODE 39-$/+%."},
		{Barcode{Symbology: Code39, Data: "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
		{Barcode{Symbology: ITF, Data: "00012345678905"}, "00012345678905"},
		{Barcode{Symbology: ITF, Data: "1234567890"}, "1234567890"},
		{Barcode{Symbology: Code128, Data: "12345678"}, "12345678"},
		{Barcode{Symbology: Code128, Data: "Hello, World!"}, "Hello, World!"},
		{Barcode{Symbology: Code128, Data: "A1234B"}, "A1234B"},
		{Barcode{Symbology: Code128, Data: "INV-2026-000123456"}, "INV-2026-000123456"},
		{Barcode{Symbology: Code128, Data: "123"}, "123"},
		{Barcode{Symbology: Code128, Data: "{curly} ~tilde~ `back`"}, "{curly} ~tilde~ `back`"},
		{Barcode{Symbology: Code128, Data: " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"},
			" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"},
		{Barcode{Symbology: Code128, Data: "00112233445566778899"}, "00112233445566778899"},
		{Barcode{Symbology: Code128, Data: "x1y22z333w4444v55555u"}, "x1y22z333w4444v55555u"},
	}
	var imgs []*image.Gray
	var syms []string
	zbarName := map[Symbology]string{UPCA: "upca", EAN13: "ean13", EAN8: "ean8", Code39: "code39", ITF: "i25", Code128: "code128"}
	for _, tt := range tests {
		syms = append(syms, zbarName[tt.bc.Symbology])
		r, err := NewBarcodeRaster(tt.bc)
		require.NoError(t, err, "%v %q", tt.bc.Symbology, tt.bc.Data)
		imgs = append(imgs, rasterImage(r, 1, 40))
	}
	got := zbarRead(t, syms, imgs)
	for i, tt := range tests {
		assert.Equal(t, tt.want, got[i], "%v %q", tt.bc.Symbology, tt.bc.Data)
	}
}

func TestQRReadsBackWithZbar(t *testing.T) {
	long := strings.Repeat("0123456789", 30)
	var tests []QR
	for _, lvl := range []QRLevel{QRLevelL, QRLevelM, QRLevelQ, QRLevelH} {
		tests = append(tests,
			QR{Data: "https://example.com/r/2026-12-02/0042", Module: 2, Level: lvl},
			QR{Data: "HELLO WORLD 123", Module: 1, Level: lvl}, // alphanumeric mode
			QR{Data: long, Module: 1, Level: lvl},              // numeric mode, bigger version
			QR{Data: "Grüße, 領収書", Module: 3, Level: lvl},
		)
	}
	var imgs []*image.Gray
	var syms []string
	for _, q := range tests {
		syms = append(syms, "qrcode")
		r, err := NewQRRaster(q)
		require.NoError(t, err)
		imgs = append(imgs, rasterImage(r, 3, 0)) // NewQRRaster has its own quiet zone
	}
	got := zbarRead(t, syms, imgs)
	for i, q := range tests {
		assert.Equal(t, q.Data, got[i], "level %v", q.Level)
	}
}

// rasterFromGSv0 reassembles the bands of GS v 0 commands in b (and skips
// everything else, which in these streams is ESC a and text), as a printer
// would lay them on paper.
func rasterFromGSv0(t *testing.T, b []byte) *Raster {
	var r *Raster
	for i := 0; i < len(b); {
		if i+8 <= len(b) && b[i] == GS && b[i+1] == 'v' && b[i+2] == '0' {
			xb, rows := int(b[i+4])|int(b[i+5])<<8, int(b[i+6])|int(b[i+7])<<8
			data := b[i+8 : i+8+xb*rows]
			if r == nil {
				r = &Raster{Width: xb * 8, Stride: xb}
			}
			require.Equal(t, r.Stride, xb, "bands of one image share their width")
			r.Bits = append(r.Bits, data...)
			r.Height += rows
			i += 8 + len(data)
			continue
		}
		i++
	}
	require.NotNil(t, r, "no GS v 0 in the stream")
	return r
}

// The fallbacks as the printer receives them, read back off the paper.
func TestFallbackBytesReadBackWithZbar(t *testing.T) {
	q := QR{Data: "https://example.com/r/2026-12-02/0042", Module: 3, Level: QRLevelQ}
	qrBytes, fb, err := newEnc(t, rasterOnly).AppendQR(nil, q, JustifyCenter)
	require.NoError(t, err)
	require.True(t, fb.Raster)
	bc := Barcode{Symbology: Code128, Data: "RCPT-0042-7788", Height: 60}
	bcBytes, fb, err := newEnc(t, rasterOnly).AppendBarcode(nil, bc, JustifyCenter)
	require.NoError(t, err)
	require.True(t, fb.Raster)
	got := zbarRead(t, []string{"qrcode", "code128"}, []*image.Gray{
		rasterImage(rasterFromGSv0(t, qrBytes), 2, 0),
		rasterImage(rasterFromGSv0(t, bcBytes), 1, 40),
	})
	assert.Equal(t, []string{q.Data, bc.Data}, got)
}
