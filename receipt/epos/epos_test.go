package epos_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/paper"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/receipt/epos"
)

// -update is accepted so that `go test ./... -update` runs in every package.
var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")

const nsAttr = ` xmlns="http://www.epson-pos.com/schemas/2011/03/epos-print"`

func doc(inner string) string { return `<epos-print` + nsAttr + `>` + inner + `</epos-print>` }

func profile(t testing.TB, id string) *escpos.Profile {
	t.Helper()
	p, err := printers.Lookup(id)
	require.NoError(t, err)
	return p
}

func convert(t testing.TB, p *escpos.Profile, body string, opt epos.Options) (*epos.Document, error) {
	t.Helper()
	return epos.Convert(strings.NewReader(body), p, opt)
}

func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// TestElementBytes checks every element and attribute against the bytes
// Epson's ESC/POS reference gives for it, on a TM-T88V (180 dpi: vertical
// motion in half dots, a 512-dot head, fonts A and B, PDF417).
func TestElementBytes(t *testing.T) {
	tm88 := profile(t, "TM-T88V")
	for _, tc := range []struct {
		name  string
		inner string
		want  string // hex after ESC @
		note  string // a note that must be reported
	}{
		{"text", `<text>Hello&#10;</text>`, "48656c6c6f 0a", ""},
		{"text-tab-crlf", `<text>a&#9;b&#13;&#10;</text>`, "61 09 62 0a", ""},
		{"text-control", `<text>a&#127;b&#133;</text>`, "61 20 62 20", "U+007F"},
		{"lang", `<text lang="en">x</text>`, "78", ""},
		{"smooth", `<text smooth="true"/>`, "1d6201", ""},
		{"smooth-off", `<text smooth="false"/>`, "1d6200", ""},
		{"font-b", `<text font="font_b"/>`, "1b4d01", ""},
		{"font-c-missing", `<text font="font_c">x</text>`, "78", "font C is not on TM-T88V"},
		{"width-height", `<text width="2" height="3"/>`, "1d2112", ""},
		{"dw-dh", `<text dw="true" dh="true"/>`, "1d2111", ""},
		{"dw-then-width", `<text dw="true" width="3"/>`, "1d2120", ""},
		{"reverse", `<text reverse="true"/>`, "1d4201", ""},
		{"ul", `<text ul="true"/>`, "1b2d01", ""},
		{"em", `<text em="true"/>`, "1b4501", ""},
		{"em-off-known", `<text em="false"/>`, "", ""},
		{"color-2", `<text color="color_2"/>`, "1b7201", ""},
		{"color-3", `<text color="color_3"/>`, "1b7200", "color_3"},
		{"align-center", `<text align="center"/><text>x</text>`, "1b6101 78", ""},
		{"align-right-bool1", `<text align="right" em="1">x</text>`, "1b4501 1b6102 78", ""},
		{"x", `<text x="300"/>`, "1b242c01", ""},
		{"linespc", `<text linespc="30"/>`, "1b333c", ""},
		{"rotate", `<text rotate="true"/>`, "1b5601", ""},
		{"feed", `<feed/>`, "0a", ""},
		{"feed-unit", `<feed unit="30"/>`, "1b4a3c", ""},
		{"feed-unit-0", `<feed unit="0"/>`, "1b4a00", ""},
		{"feed-unit-200", `<feed unit="200"/>`, "1b4afe 1b4a92", ""},
		{"feed-line", `<feed line="3"/>`, "1b6403", ""},
		{"feed-linespc", `<feed linespc="24"/>`, "1b3330", ""},
		{"image-mono", `<image width="8" height="8">//////////8=</image>`, "1d763000 0100 0800 ffffffffffffffff", ""},
		{"image-center", `<image width="8" height="2" align="center">//8=</image>`, "1d4cfc00 1d763000 0100 0200 ffff 1d4c0000", ""},
		{"image-blank-rows", `<image width="8" height="40">` + b64(append(append([]byte{0x81}, make([]byte, 38)...), 0x18)) + `</image>`,
			"1d763000 0100 0100 81 1b4a4c 1d763000 0100 0100 18", ""},
		{"image-entity-inside", `<image width="8" height="2">/w&#10;A&#x3D;</image>`, "1d763000 0100 0100 ff 1b4a02", ""},
		{"image-self-closed-then-text", `<image width="0" height="0"/><text>AB</text>`, "4142", ""},
		{"image-cdata", `<image width="8" height="1"><![CDATA[/w==]]></image>`, "1d763000 0100 0100 ff", ""},
		{"image-padding-cleared", `<image width="4" height="1">/w==</image>`, "1d763000 0100 0100 f0", ""},
		{"image-gray16", `<image width="2" height="1" mode="gray16">8A==</image>`, "1d763000 0100 0100 80", ""},
		{"image-color-none", `<image width="8" height="1" color="none">/w==</image>`, "", ""},
		{"image-empty", `<image width="0" height="0"></image>`, "", ""},
		{"logo", `<logo key1="48" key2="49"/>`, "1d284c0600304530310101 0a", ""},
		{"hline", `<hline x1="16" x2="23" style="medium"/>`, "1d4c1000 1d763000 0100 0200 ffff 1d4c0000", ""},
		{"vline", `<vline-begin x="10"/><vline-end x="10"/>`, "", "vertical lines"},
		{"cut", `<cut/>`, "1d564200", ""},
		{"cut-feed", `<cut type="feed"/>`, "1d564200", ""},
		{"cut-no-feed", `<cut type="no_feed"/>`, "1d5601", ""},
		{"cut-reserve", `<cut type="reserve"/>`, "1d564200", "reserve"},
		{"pulse", `<pulse/>`, "1b700032fa", ""},
		{"pulse-2-500", `<pulse drawer="drawer_2" time="pulse_500"/>`, "1b7001fafa", ""},
		{"sound", `<sound pattern="pattern_a" repeat="2" cycle="1000"/>`, "1b420201", ""},
		{"sound-none", `<sound pattern="none"/>`, "", ""},
		{"sound-forever", `<sound pattern="error" repeat="0"/>`, "1b420906", "repeat 0"},
		{"layout", `<layout type="receipt" width="580" height="0" margin-top="0" margin-bottom="0" offset-cut="0" offset-label="0"/>`, "", ""},
		{"barcode-code93-native", `<barcode type="code93" hri="below" font="font_b" width="2" height="50">AB-12</barcode>`,
			// The quiet zone (10 modules of 2 dots, ESC J 20) before and after, as every 1D code gets it.
			"1b4a14 1d4802 1d6601 1d6832 1d7702 1d6b4805 41422d3132 1b4a14 0a", ""},
		{"pdf417", `<symbol type="pdf417_truncated" level="level_2" width="3" height="4" size="5">AB</symbol>`,
			"1d286b0300304105 1d286b0300304200 1d286b0300304303 1d286b0300304404 1d286b040030453032 1d286b0300304601 1d286b0500305030 4142 1d286b0300305130 0a", ""},
		{"qr-model2", `<symbol type="qrcode_model_2" level="level_h" width="4">AB</symbol>`,
			// The quiet zone (4 modules of 4 dots, ESC J 16) before and after, as every native QR gets it.
			"1b4a10 1d286b0400314132 00 1d286b03003143 04 1d286b03003145 33 1d286b0500315030 4142 1d286b0300315130 1b4a10 0a", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := convert(t, tm88, doc(tc.inner), epos.Options{})
			require.NoError(t, err)
			require.Equal(t, h("1b40"+tc.want), d.Bytes, "got % x", d.Bytes)
			if tc.note == "" {
				require.Empty(t, d.Notes)
			} else {
				require.Contains(t, strings.Join(d.Notes, "\n"), tc.note)
			}
		})
	}
}

func b64(b []byte) string {
	var sb strings.Builder
	const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(b); i += 3 {
		var v uint32
		n := min(3, len(b)-i)
		for k := 0; k < 3; k++ {
			v <<= 8
			if k < n {
				v |= uint32(b[i+k])
			}
		}
		for k := 0; k < 4; k++ {
			if k <= n {
				sb.WriteByte(abc[v>>(18-6*k)&63])
			} else {
				sb.WriteByte('=')
			}
		}
	}
	return sb.String()
}

// TestElementPaper prints elements whose bytes come from the project's
// builders and reads the virtual printer's paper.
func TestElementPaper(t *testing.T) {
	tm88 := profile(t, "TM-T88V")
	for _, tc := range []struct {
		name, inner string
		p           *escpos.Profile
		want        []string // substrings of the paper's text
		note        string
	}{
		{"umlauts-euro", `<text>Grüße 5 €&#10;</text>`, tm88, []string{"Grüße 5 €"}, ""},
		{"no-code-page", `<text>漢&#10;</text>`, tm88, []string{"?"}, "U+6F22"},
		{"ean13-hri", `<barcode type="ean13" hri="below" width="2" height="60" align="center">401234567890</barcode>`, tm88,
			[]string{`[barcode EAN13 "4012345678901"]`, "4012345678901"}, ""},
		{"jan8", `<barcode type="jan8">1234567</barcode>`, tm88, []string{`[barcode EAN8 "12345670"]`}, ""},
		{"upca", `<barcode type="upc_a">03600029145</barcode>`, tm88, []string{`UPC-A "036000291452"`}, ""},
		{"code39", `<barcode type="code39" hri="above">ABC-1</barcode>`, tm88, []string{`CODE39 "ABC-1"`}, ""},
		{"itf", `<barcode type="itf">1234</barcode>`, tm88, []string{`ITF "1234"`}, ""},
		{"code128-braces", `<barcode type="code128" hri="below">{BNo. 1{C2345</barcode>`, tm88, []string{"[barcode CODE128", "No. 12345"}, ""},
		{"code128-auto", `<barcode type="code128_auto" hri="above">{x}</barcode>`, tm88, []string{"[barcode CODE128", "{x}"}, ""},
		{"upc-e", `<barcode type="upc_e">01234565</barcode>`, tm88, []string{"UPC-E"}, ""},
		{"codabar", `<barcode type="codabar">A123B</barcode>`, tm88, []string{"CODABAR"}, ""},
		{"qr", `<symbol type="qrcode_model_2" level="default">hello</symbol>`, tm88, []string{`[qr "hello"]`}, ""},
		{"qr-model1", `<symbol type="qrcode_model_1" level="level_l">hello</symbol>`, tm88, []string{`[qr "hello"]`}, "qrcode_model_1 printed as a QR Code"},
		{"datamatrix", `<symbol type="datamatrix_square">hello</symbol>`, tm88, []string{`[qr "hello"]`}, "datamatrix_square printed as a QR Code"},
		{"pdf417-fallback", `<symbol type="pdf417_standard">hello</symbol>`, profile(t, "TSP100III"), nil, "printed as a QR Code"},
		{"logo-no-graphics", `<logo key1="48" key2="48"/>`, noGraphics(tm88), nil, "not printed"},
		{"pulse-no-drawer", `<pulse/>`, noDrawer(tm88), nil, "no cash drawer port"},
		{"barcode-raster", `<barcode type="ean8">1234567</barcode>`, noBarcodes(tm88), nil, "drawn as a picture"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := convert(t, tc.p, doc(tc.inner), epos.Options{})
			require.NoError(t, err)
			if tc.note != "" {
				require.Contains(t, strings.Join(d.Notes, "\n"), tc.note)
			} else {
				require.Empty(t, d.Notes)
			}
			if len(tc.want) == 0 || tc.p.Language != escpos.LanguageESCPOS {
				return
			}
			res := paper.Print(d.Bytes, tc.p)
			if !strings.Contains(tc.name, "upc-e") && tc.name != "codabar" {
				require.Empty(t, res.Problems) // the virtual printer draws no UPC-E or CODABAR bars
			}
			require.Len(t, res.Tickets, 1)
			txt := res.Tickets[0].Text()
			for _, w := range tc.want {
				require.Contains(t, txt, w)
			}
		})
	}
}

func noGraphics(p *escpos.Profile) *escpos.Profile {
	q := *p
	q.ID, q.Features.Graphics = "no-graphics", false
	return &q
}

func noDrawer(p *escpos.Profile) *escpos.Profile {
	q := *p
	q.ID, q.Features.PulseStandard, q.Features.PulseBel = "no-drawer", false, false
	return &q
}

func noBarcodes(p *escpos.Profile) *escpos.Profile {
	q := *p
	q.ID, q.Features.BarcodeA, q.Features.BarcodeB = "no-barcodes", false, false
	return &q
}

// TestSchemaErrors: every malformed or out-of-range request is a
// SchemaError naming the element and attribute, and nothing converts.
func TestSchemaErrors(t *testing.T) {
	tm88 := profile(t, "TM-T88V")
	for _, tc := range []struct {
		name, body, el, attr string
	}{
		{"malformed", `<epos-print` + nsAttr + `><text>x</epos-print>`, "", ""},
		{"truncated", `<epos-print` + nsAttr + `><text>x</text>`, "", ""},
		{"empty", ``, "", ""},
		{"wrong-root", `<print/>`, "print", ""},
		{"wrong-namespace", `<epos-print xmlns="urn:other"/>`, "epos-print", ""},
		{"second-root", doc(``) + `<x/>`, "x", ""},
		{"trailing-text", doc(``) + `junk`, "", ""},
		{"text-outside", doc(`junk`), "epos-print", ""},
		{"unknown-element", doc(`<bold/>`), "bold", ""},
		{"foreign-element", doc(`<x:text xmlns:x="urn:x"/>`), "text", ""},
		{"nested", doc(`<text><text/></text>`), "text", ""},
		{"page", doc(`<page><area x="0" y="0" width="10" height="10"/></page>`), "page", ""},
		{"recovery", doc(`<recovery/>`), "recovery", ""},
		{"unknown-attr", doc(`<text bold="true"/>`), "text", "bold"},
		{"lang", doc(`<text lang="xx"/>`), "text", "lang"},
		{"smooth", doc(`<text smooth="yes"/>`), "text", "smooth"},
		{"font", doc(`<text font="font_z"/>`), "text", "font"},
		{"width-0", doc(`<text width="0"/>`), "text", "width"},
		{"height-9", doc(`<text height="9"/>`), "text", "height"},
		{"dw", doc(`<text dw="2"/>`), "text", "dw"},
		{"reverse", doc(`<text reverse="on"/>`), "text", "reverse"},
		{"ul", doc(`<text ul="x"/>`), "text", "ul"},
		{"em", doc(`<text em=""/>`), "text", "em"},
		{"color", doc(`<text color="red"/>`), "text", "color"},
		{"align", doc(`<text align="justify"/>`), "text", "align"},
		{"x", doc(`<text x="65536"/>`), "text", "x"},
		{"linespc-range", doc(`<text linespc="256"/>`), "text", "linespc"},
		{"linespc-units", doc(`<text linespc="200"/>`), "text", "linespc"},
		{"rotate", doc(`<text rotate="-1"/>`), "text", "rotate"},
		{"feed-unit", doc(`<feed unit="256"/>`), "feed", "unit"},
		{"feed-line", doc(`<feed line="-1"/>`), "feed", "line"},
		{"feed-pos", doc(`<feed pos="cutting"/>`), "feed", "pos"},
		{"feed-pos-bad", doc(`<feed pos="top"/>`), "feed", "pos"},
		{"feed-text", doc(`<feed>x</feed>`), "feed", ""},
		{"image-self-closed-text-after", doc(`<image width="0" height="0"/>AAAA`), "epos-print", ""},
		{"image-no-size", doc(`<image>AAAA</image>`), "image", ""},
		{"image-length", doc(`<image width="8" height="2">/w==</image>`), "image", ""},
		{"image-base64", doc(`<image width="8" height="1">*w==</image>`), "image", ""},
		{"image-mode", doc(`<image width="8" height="1" mode="gray4">/w==</image>`), "image", "mode"},
		{"image-wide", doc(`<image width="520" height="1">` + b64(make([]byte, 65)) + `</image>`), "image", "width"},
		{"image-tall", doc(`<image width="8" height="8193">` + b64(make([]byte, 8193)) + `</image>`), "image", "height"},
		{"image-width-range", doc(`<image width="65536" height="1"/>`), "image", "width"},
		{"logo-key", doc(`<logo key1="10" key2="48"/>`), "logo", "key1"},
		{"logo-missing", doc(`<logo key1="48"/>`), "logo", ""},
		{"barcode-no-type", doc(`<barcode>123</barcode>`), "barcode", ""},
		{"barcode-type", doc(`<barcode type="ean99">1</barcode>`), "barcode", "type"},
		{"barcode-gs1", doc(`<barcode type="gs1_128">(01)123</barcode>`), "barcode", "type"},
		{"barcode-data", doc(`<barcode type="ean13">12ab</barcode>`), "barcode", ""},
		{"barcode-width", doc(`<barcode type="ean13" width="7">401234567890</barcode>`), "barcode", "width"},
		{"barcode-height", doc(`<barcode type="ean13" height="0">401234567890</barcode>`), "barcode", "height"},
		{"barcode-hri", doc(`<barcode type="ean13" hri="left">401234567890</barcode>`), "barcode", "hri"},
		{"code128-no-set", doc(`<barcode type="code128">ABC</barcode>`), "barcode", ""},
		{"code128-fnc", doc(`<barcode type="code128">{B{1A</barcode>`), "barcode", ""},
		{"code128-set-c-odd", doc(`<barcode type="code128">{C123</barcode>`), "barcode", ""},
		{"codabar-data", doc(`<barcode type="codabar">A12E</barcode>`), "barcode", ""},
		{"symbol-type", doc(`<symbol type="qr">x</symbol>`), "symbol", "type"},
		{"symbol-level", doc(`<symbol type="qrcode_model_2" level="level_9">x</symbol>`), "symbol", "level"},
		{"symbol-qr-level", doc(`<symbol type="qrcode_model_2" level="level_3">x</symbol>`), "symbol", "level"},
		{"symbol-width", doc(`<symbol type="qrcode_model_2" width="17">x</symbol>`), "symbol", "width"},
		{"symbol-empty", doc(`<symbol type="qrcode_model_2"></symbol>`), "symbol", ""},
		{"symbol-size", doc(`<symbol type="pdf417_standard" size="70000">x</symbol>`), "symbol", "size"},
		{"pdf417-width", doc(`<symbol type="pdf417_standard" width="9">x</symbol>`), "symbol", "width"},
		{"hline-missing", doc(`<hline x1="1"/>`), "hline", ""},
		{"hline-beyond", doc(`<hline x1="1" x2="600"/>`), "hline", "x2"},
		{"hline-style", doc(`<hline x1="1" x2="6" style="dotted"/>`), "hline", "style"},
		{"cut-type", doc(`<cut type="full"/>`), "cut", "type"},
		{"pulse-drawer", doc(`<pulse drawer="drawer_3"/>`), "pulse", "drawer"},
		{"pulse-time", doc(`<pulse time="pulse_600"/>`), "pulse", "time"},
		{"sound-pattern", doc(`<sound pattern="pattern_z"/>`), "sound", "pattern"},
		{"sound-cycle", doc(`<sound cycle="999"/>`), "sound", "cycle"},
		{"layout-label", doc(`<layout type="label"/>`), "layout", "type"},
		{"command-off", doc(`<command>1b40</command>`), "command", ""},
		{"soap-no-body", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"/>`, "Envelope", ""},
		{"soap-body-other", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><x/></s:Body></s:Envelope>`, "x", ""},
		{"soap-timeout", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><parameter` + nsAttr + `><timeout>soon</timeout></parameter></s:Header><s:Body>` + doc("") + `</s:Body></s:Envelope>`, "timeout", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := convert(t, tm88, tc.body, epos.Options{})
			require.Nil(t, d.Bytes)
			var se *epos.SchemaError
			require.ErrorAs(t, err, &se, "%v", err)
			require.Equal(t, tc.el, se.Element, "%v", err)
			require.Equal(t, tc.attr, se.Attr, "%v", err)
			require.NotEmpty(t, se.Reason)
		})
	}
}

func TestCommand(t *testing.T) {
	tm88 := profile(t, "TM-T88V")
	on := epos.Options{AllowCommand: true}
	d, err := convert(t, tm88, doc(`<command>1b 45 01 48 69 0a</command><text em="true">x</text>`), on)
	require.NoError(t, err)
	// After raw bytes the encoder knows nothing: it sends ESC E 1 again.
	require.Equal(t, h("1b40 1b4501 48690a 1b4501 1d2100 1b6100 78"), d.Bytes)
	for _, tc := range []struct{ name, hex, msg string }{
		{"memory-switch", "1d28450300010130", "not allowed"},
		{"nv-graphics-define", "1d284c0c003043302020010800010031ff", "function 67"},
		{"nv-capacity", "1d284c02003030", "function 48"},
		{"nv-bit-image", "1c7101", ""},
		{"macro", "1d3a", "not allowed"},
		{"realtime", "100401", "not allowed"},
		{"truncated", "1b", ""},
		{"unknown", "1bff", ""},
		{"odd-hex", "1b4", "not hex"},
		{"bad-argument", "1b6109", ""},
		{"page-mode", "1b4c", "not allowed"},
		{"qr-transmit", "1d286b0300315230", "answers the host"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := convert(t, tm88, doc(`<command>`+tc.hex+`</command>`), on)
			var se *epos.SchemaError
			require.ErrorAs(t, err, &se)
			require.Equal(t, "command", se.Element)
			require.Contains(t, err.Error(), tc.msg)
		})
	}
	_, err = convert(t, profile(t, "TSP650II"), doc(`<command>1b4501</command>`), on)
	require.ErrorContains(t, err, "Star printer")
}

func TestEnvelopeAndHeader(t *testing.T) {
	tm88 := profile(t, "TM-T88V")
	body := `<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
  <s:Header>
    <parameter` + nsAttr + `><devid>local_printer</devid><timeout>10000</timeout><printjobid>job&amp;1</printjobid></parameter>
  </s:Header>
  <s:Body>` + doc(`<text>x&#10;</text><cut type="feed"/>`) + `</s:Body>
</s:Envelope>
`
	d, err := convert(t, tm88, body, epos.Options{})
	require.NoError(t, err)
	require.True(t, d.Envelope)
	require.Equal(t, "local_printer", d.DevID)
	require.Equal(t, 10000, d.Timeout)
	require.Equal(t, "job&1", d.PrintJobID)
	require.Equal(t, 2, d.Elements)
	require.Equal(t, h("1b40 780a 1d564200"), d.Bytes)

	// Odoo's DOM drops the namespace on children: accepted.
	d, err = convert(t, tm88, `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><epos-print`+nsAttr+`><text xmlns="">y</text></epos-print></s:Body></s:Envelope>`, epos.Options{})
	require.NoError(t, err)
	require.Equal(t, h("1b40 79"), d.Bytes)
	require.False(t, d.Pulse)
	d, err = convert(t, tm88, doc(`<pulse/>`), epos.Options{})
	require.NoError(t, err)
	require.True(t, d.Pulse)
}

func TestBodyLimit(t *testing.T) {
	tm88 := profile(t, "TM-T88V")
	body := doc(`<text>` + strings.Repeat("x", 1000) + `</text>`)
	_, err := epos.Convert(strings.NewReader(body), tm88, epos.Options{MaxBody: int64(len(body)) - 1})
	require.ErrorIs(t, err, epos.ErrTooLarge)
	d, err := epos.Convert(strings.NewReader(body), tm88, epos.Options{MaxBody: int64(len(body))})
	require.NoError(t, err)
	require.Len(t, d.Bytes, 1002)
	// A huge body is refused after the limit, not read to its end.
	r := &countingReader{left: 1 << 30}
	_, err = epos.Convert(r, tm88, epos.Options{MaxBody: 1 << 16})
	require.ErrorIs(t, err, epos.ErrTooLarge)
	require.Less(t, r.read, int64(1<<17))
	_, err = epos.Convert(iotestErr{}, tm88, epos.Options{})
	require.ErrorIs(t, err, errRead)
}

// countingReader serves an endless <text> element.
type countingReader struct{ left, read int64 }

func (c *countingReader) Read(p []byte) (int, error) {
	head := []byte(`<epos-print` + nsAttr + `><text>`)
	n := 0
	for n < len(p) && c.left > 0 {
		if c.read < int64(len(head)) {
			p[n] = head[c.read]
		} else {
			p[n] = 'x'
		}
		n++
		c.read++
		c.left--
	}
	return n, nil
}

var errRead = errors.New("link down")

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, errRead }

func TestStarProfileText(t *testing.T) {
	// A Star profile gets an ESC/POS document with Star's code pages
	// (ESC GS t); the station takes it for a Star Graphic printer (drawn
	// as raster) and refuses it for Star Line Mode and StarPRNT.
	d, err := convert(t, profile(t, "TSP650II"), doc(`<text>Grüße&#10;</text><cut/>`), epos.Options{})
	require.NoError(t, err)
	require.True(t, bytes.Contains(d.Bytes, []byte{0x1b, 0x1d, 't'}), "% x", d.Bytes)
}

// TestErrorKeepsForm: an error comes with what was read of the request's
// form, so that it is answered in an envelope when it came in one.
func TestErrorKeepsForm(t *testing.T) {
	tm88 := profile(t, "TM-T88V")
	d, err := convert(t, tm88, `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><parameter`+nsAttr+
		`><printjobid>A1</printjobid></parameter></s:Header><s:Body>`+doc(`<bold/>`)+`</s:Body></s:Envelope>`, epos.Options{})
	require.Error(t, err)
	require.True(t, d.Envelope)
	require.Equal(t, "A1", d.PrintJobID)
	require.Nil(t, d.Bytes)
	d, err = convert(t, tm88, doc(`<bold/>`), epos.Options{})
	require.Error(t, err)
	require.False(t, d.Envelope)
}
