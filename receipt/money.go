package receipt

import (
	"fmt"
	"strconv"
	"strings"
)

// Locale sets how amounts are written and how the basket's rows are
// labelled. The zero value is German, as the API's own receipt lines are.
type Locale uint8

const (
	LocaleDE Locale = iota // 1.234,56 EUR; "Summe", "MwSt"
	LocaleEN               // 1,234.56 EUR; "Total", "VAT"
)

// ParseLocale reads "de" or "en" (a region such as "de-AT" counts as "de").
func ParseLocale(s string) (Locale, error) {
	lang, _, _ := strings.Cut(strings.ToLower(s), "-")
	lang, _, _ = strings.Cut(lang, "_")
	switch lang {
	case "", "de":
		return LocaleDE, nil
	case "en":
		return LocaleEN, nil
	}
	return 0, fmt.Errorf("receipt: unknown locale %q (want de or en)", s)
}

func (l Locale) String() string {
	switch l {
	case LocaleDE:
		return "de"
	case LocaleEN:
		return "en"
	}
	return "Locale(" + strconv.Itoa(int(l)) + ")"
}

// Valid reports whether l is a known locale.
func (l Locale) Valid() bool { return l <= LocaleEN }

// labels are the words the basket prints, per locale.
type labels struct {
	total, vat, net, gross, gratuity, totalWithGratuity, rate string
}

var localeLabels = [...]labels{
	LocaleDE: {total: "Summe", vat: "MwSt", net: "Netto", gross: "Brutto", gratuity: "Trinkgeld", totalWithGratuity: "Gesamt", rate: "Satz"},
	LocaleEN: {total: "Total", vat: "VAT", net: "Net", gross: "Gross", gratuity: "Tip", totalWithGratuity: "Total paid", rate: "Rate"},
}

// minorDigits is how many decimals a currency's minor unit has where it is
// not 2 (ISO 4217): the API's amounts are in minor units.
var minorDigits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
	"PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// appendAmount writes minor units of currency as the locale writes money:
// "7,96 EUR", "-1.234,50 EUR", "1,234.50 EUR".
func (l Locale) appendAmount(dst []byte, minor int64, currency string) []byte {
	digits, ok := minorDigits[currency]
	if !ok {
		digits = 2
	}
	dec, group := byte(','), byte('.')
	if l == LocaleEN {
		dec, group = '.', ','
	}
	neg := minor < 0
	u := uint64(minor)
	if neg {
		u = uint64(-minor)
		dst = append(dst, '-')
	}
	var pow uint64 = 1
	for range digits {
		pow *= 10
	}
	whole, frac := u/pow, u%pow
	ws := strconv.FormatUint(whole, 10)
	for i := range len(ws) {
		if i > 0 && (len(ws)-i)%3 == 0 {
			dst = append(dst, group)
		}
		dst = append(dst, ws[i])
	}
	if digits > 0 {
		dst = append(dst, dec)
		fs := strconv.FormatUint(frac, 10)
		for range digits - len(fs) {
			dst = append(dst, '0')
		}
		dst = append(dst, fs...)
	}
	if currency != "" {
		dst = append(dst, ' ')
		dst = append(dst, currency...)
	}
	return dst
}

// Amount formats minor units of currency for the locale.
func (l Locale) Amount(minor int64, currency string) string {
	return string(l.appendAmount(nil, minor, currency))
}

// appendRate writes a VAT rate held in hundredths of a percent: "7 %",
// "5,5 %".
func (l Locale) appendRate(dst []byte, bp int64) []byte {
	if bp < 0 {
		dst = append(dst, '-')
		bp = -bp
	}
	dst = strconv.AppendInt(dst, bp/100, 10)
	if frac := bp % 100; frac != 0 {
		if l == LocaleEN {
			dst = append(dst, '.')
		} else {
			dst = append(dst, ',')
		}
		if frac < 10 {
			dst = append(dst, '0')
		} else if frac%10 == 0 {
			frac /= 10
		}
		dst = strconv.AppendInt(dst, frac, 10)
	}
	return append(dst, " %"...)
}
