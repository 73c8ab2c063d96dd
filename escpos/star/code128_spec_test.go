package star

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
)

// specCode128 reads ESC b's CODE128 data as Star Line Mode Command
// Specifications §5-1-4 "Regulations" says a printer does, written from that
// text and not from this package's translator: "%0" is "%", "%" followed by
// 40h–5Fh is the control code 00h–1Fh, "%5" is 7Fh, "%1"–"%4" are FNC1–4 and
// "%6"–"%8" start codes; every other byte is itself. It returns the
// characters the symbol carries (functions and start codes as "<F1>", "<S6>")
// and an error for a "%" the text does not define.
func specCode128(d []byte) (string, error) {
	var out []byte
	for i := 0; i < len(d); i++ {
		if d[i] != '%' {
			out = append(out, d[i])
			continue
		}
		if i+1 == len(d) {
			return "", errors.New("% at the end")
		}
		i++
		switch e := d[i]; {
		case e == '0':
			out = append(out, '%')
		case e == '5':
			out = append(out, 0x7F)
		case e >= '1' && e <= '4':
			out = append(out, "<F"+string(e)+">"...)
		case e >= '6' && e <= '8':
			out = append(out, "<S"+string(e)+">"...)
		case e >= 0x40 && e <= 0x5F:
			out = append(out, e-0x40)
		default:
			return "", errors.New("undefined escape %" + string(e))
		}
	}
	return string(out), nil
}

// Issue 23 item 2: CODE128 data reaches a Star printer as the spec reads
// it; "50%OFF" was read as "50", control 0Fh, "FF".
func TestAppendBarcodeCode128PercentAsSpecReads(t *testing.T) {
	for _, data := range []string{"50%OFF{x}", "100%", "%%", "%0%5%A", "No.123456", "{B}"} {
		b, err := AppendBarcode(nil, escpos.Barcode{Symbology: escpos.Code128, Data: data, HRI: escpos.HRIBelow})
		require.NoError(t, err, data)
		cmds := Decode(b, prnt)
		require.Len(t, cmds, 1)
		require.Equal(t, "ESC b", cmds[0].Name)
		got, err := specCode128(cmds[0].Data)
		require.NoError(t, err, data)
		assert.Equal(t, data, got)
	}
}

// Issue 23 item 8: the translation to GS k keeps what the Star data says:
// "%" escapes resolved, "{" doubled, start codes as code sets.
func TestTranslateCode128Escapes(t *testing.T) {
	for _, tc := range []struct{ star, gsk string }{
		{"50%0OFF{x}", "{B50%OFF{{x}"},
		{"%7AB", "{BAB"},
		{"%812345678", "{C\x0c\x22\x38\x4e"},
		{"%8123A", "{C\x0c{B3A"},
		{"%1AB", "{B{1AB"},
		{"a%Mb", "{Ba{S\x0db"},
		{"%6A%Mb", "{AA\x0d{Sb"},
		{"x%", "{Bx"},
	} {
		in := append([]byte{ESC, 'b', '6', '1', '2', 80}, tc.star...)
		in = append(in, RS)
		out := ToESCPOS(Decode(in, prnt))
		want := append([]byte{0x1D, 'H', 0, 0x1D, 'h', 80, 0x1D, 'w', 3, 0x1D, 'k', 73, byte(len(tc.gsk))}, tc.gsk+"\n"...) // n2 = 1: no HRI, then a line feed
		assert.Equal(t, string(want), string(out), "%q", tc.star)
	}
}
