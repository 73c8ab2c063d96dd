package epos_test

import (
	"bytes"
	"encoding/base64"
	"flag"
	"image/png"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/escpostest"
	"github.com/secuprint/receipt/escpos/paper"
	"github.com/secuprint/receipt/receipt/epos"
)

const (
	sdkTextPath    = "../../testdata/epos/sdk-text.xml"
	odooPNGPath    = "../../testdata/epos/odoo-receipt-576x1600.png"
	odooRequestXML = "../../testdata/epos/odoo-receipt.xml"
)

func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// TestSDKTextDocument prints an Epson-SDK-style text document (umlauts and
// €, double size, EAN-13 with HRI, QR, feed, cut, pulse) on the virtual
// printer and reads every code back with zbarimg.
func TestSDKTextDocument(t *testing.T) {
	body, err := os.ReadFile(sdkTextPath)
	require.NoError(t, err)
	for _, id := range []string{"TM-T88V", "TM-T20II"} {
		t.Run(id, func(t *testing.T) {
			p := profile(t, id)
			d, err := epos.Convert(bytes.NewReader(body), p, epos.Options{})
			require.NoError(t, err)
			require.Empty(t, d.Notes)
			require.True(t, d.Pulse)
			res := paper.Print(d.Bytes, p)
			require.Empty(t, res.Problems)
			require.Len(t, res.Tickets, 1)
			txt := res.Tickets[0].Text()
			for _, want := range []string{"Bäckerei Müller", "Große Straße 5, Köln", "Brötchen ×4        2,40 €", "Käsekuchen", "__Kaffee", "Vielen Dank!"} {
				require.Contains(t, txt, want)
			}
			require.Contains(t, strings.Join(res.Tickets[0].Lines(), "\n"), "S u m m e")
			require.Equal(t, []string{"EAN-13:4006381333931", "QR-Code:https://example.com/bon/4711"}, escpostest.Zbar(t, res.Tickets[0].Image()))
		})
	}
}

// odooRequest is what Odoo's point of sale sends for a receipt: the
// canvas as one mono <image> in a SOAP envelope, then a cut.
func odooRequest(t testing.TB) []byte {
	t.Helper()
	f, err := os.ReadFile(odooPNGPath)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(f))
	require.NoError(t, err)
	r, err := escpos.NewRaster(img, escpos.RasterOptions{Dither: escpos.DitherThreshold})
	require.NoError(t, err)
	var b bytes.Buffer
	b.WriteString(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>`)
	b.WriteString(`<epos-print xmlns="http://www.epson-pos.com/schemas/2011/03/epos-print">`)
	b.WriteString(`<image width="576" height="1600" align="center">`)
	b.WriteString(base64.StdEncoding.EncodeToString(r.Bits))
	b.WriteString(`</image><cut type="feed"/></epos-print></s:Body></s:Envelope>`)
	return b.Bytes()
}

func TestOdooRequestFixture(t *testing.T) {
	got := odooRequest(t)
	if updating() {
		require.NoError(t, os.WriteFile(odooRequestXML, got, 0o644))
	}
	want, err := os.ReadFile(odooRequestXML)
	require.NoError(t, err, "run go test ./receipt/epos -run OdooRequestFixture -update")
	require.Equal(t, want, got)
}

// TestOdooPicture converts Odoo's picture request: the paper shows the
// picture dot for dot, the QR reads back, and the wire carries at most
// half the raster's bytes.
func TestOdooPicture(t *testing.T) {
	body, err := os.ReadFile(odooRequestXML)
	require.NoError(t, err)
	p := profile(t, "TM-T20II") // 576 dots: Odoo's 80 mm width
	d, err := epos.Convert(bytes.NewReader(body), p, epos.Options{})
	require.NoError(t, err)
	require.True(t, d.Envelope)
	require.Empty(t, d.Notes)
	raw := 576 / 8 * 1600
	t.Logf("wire %d bytes for a %d-byte raster (%.2f×)", len(d.Bytes), raw, float64(len(d.Bytes))/float64(raw))
	require.LessOrEqual(t, len(d.Bytes), raw/2)
	res := paper.Print(d.Bytes, p)
	require.Empty(t, res.Problems)
	require.Len(t, res.Tickets, 1)
	require.Equal(t, []string{"QR-Code:https://pos.example.com/receipt/00042-003-0007"}, escpostest.Zbar(t, res.Tickets[0].Image()))

	f, err := os.ReadFile(odooPNGPath)
	require.NoError(t, err)
	src, err := png.Decode(bytes.NewReader(f))
	require.NoError(t, err)
	got := res.Tickets[0].Image()
	for y := 0; y < 1600; y++ {
		for x := 0; x < 576; x++ {
			r, _, _, _ := src.At(x, y).RGBA()
			if (r < 0x8000) != (got.GrayAt(x, y).Y < 128) {
				t.Fatalf("dot (%d,%d) differs from the picture", x, y)
			}
		}
	}
}
