package receipt

import (
	"errors"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ptr(v int64) *int64 { return &v }

func TestBasketTotals(t *testing.T) {
	tests := []struct {
		name     string
		products []Product
		gratuity *int64
		lines    []int64
		vat      []VATRow
		total    int64
		paid     int64
	}{
		{
			name: "documented pay-missing-sum: two rates, a quantity of two",
			products: []Product{
				{Desc: "Sandwich Romano", Quantity: 1000, PriceOne: 349, TaxRate: 700},
				{Desc: "Fruit salad", Quantity: 1000, PriceOne: 249, TaxRate: 700},
				{Desc: "Water", Quantity: 2000, PriceOne: 99, TaxRate: 1900},
			},
			lines: []int64{349, 249, 198},
			// 598 / 1.07 = 558.88 -> 559; 198 / 1.19 = 166.39 -> 166
			vat:   []VATRow{{Rate: 700, Gross: 598, Net: 559, VAT: 39}, {Rate: 1900, Gross: 198, Net: 166, VAT: 32}},
			total: 796, paid: 796,
		},
		{
			name: "VAT rounded once per rate, not per line",
			// Per line: 0.0654 VAT each → 3 × 0.07 = 0.21; on the sum 3,00/1.07 → net 2,80, VAT 0,20.
			products: []Product{{Quantity: 1000, PriceOne: 100, TaxRate: 700}, {Quantity: 1000, PriceOne: 100, TaxRate: 700}, {Quantity: 1000, PriceOne: 100, TaxRate: 700}},
			lines:    []int64{100, 100, 100},
			vat:      []VATRow{{Rate: 700, Gross: 300, Net: 280, VAT: 20}},
			total:    300, paid: 300,
		},
		{
			name:     "rates sorted ascending, zero rate, fractional rate",
			products: []Product{{Quantity: 1000, PriceOne: 1055, TaxRate: 550}, {Quantity: 1000, PriceOne: 500, TaxRate: 0}},
			lines:    []int64{1055, 500},
			// 1055 / 1.055 = 1000 exactly
			vat:   []VATRow{{Rate: 0, Gross: 500, Net: 500, VAT: 0}, {Rate: 550, Gross: 1055, Net: 1000, VAT: 55}},
			total: 1555, paid: 1555,
		},
		{
			name: "fractional quantity rounds half away from zero",
			// 0.375 kg × 2,99 = 1.12125 → 1,12; 0.125 × 0,99 = 0.12375 → 0,12 ... 0.5 × 0,03 = 0.015 → 0,02
			products: []Product{{Quantity: 375, PriceOne: 299, TaxRate: 700}, {Quantity: 500, PriceOne: 3, TaxRate: 700}},
			lines:    []int64{112, 2},
			vat:      []VATRow{{Rate: 700, Gross: 114, Net: 107, VAT: 7}},
			total:    114, paid: 114,
		},
		{
			name:     "a discount line is negative and reduces its rate's VAT",
			products: []Product{{Quantity: 1000, PriceOne: 1190, TaxRate: 1900}, {Quantity: 1000, PriceOne: -119, TaxRate: 1900}},
			lines:    []int64{1190, -119},
			vat:      []VATRow{{Rate: 1900, Gross: 1071, Net: 900, VAT: 171}},
			total:    1071, paid: 1071,
		},
		{
			name:     "gratuity is added to what is paid, not to the VAT",
			products: []Product{{Quantity: 1000, PriceOne: 1000, TaxRate: 1900}},
			gratuity: ptr(150),
			lines:    []int64{1000},
			vat:      []VATRow{{Rate: 1900, Gross: 1000, Net: 840, VAT: 160}},
			total:    1000, paid: 1150,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Basket{Products: tt.products, Gratuity: tt.gratuity}
			got := b.Totals()
			assert.Equal(t, tt.lines, got.LineTotals)
			assert.Equal(t, tt.vat, got.VAT)
			assert.Equal(t, tt.total, got.Total)
			assert.Equal(t, tt.paid, got.Paid)
			var sum int64
			for _, v := range got.VAT {
				sum += v.Net + v.VAT
			}
			assert.Equal(t, tt.total, sum, "net + VAT adds up to the gross exactly")
		})
	}
}

func TestDecimal(t *testing.T) {
	tests := []struct {
		in    string
		scale int
		want  int64
		err   bool
	}{
		{"1", 3, 1000, false},
		{"2", 0, 2, false},
		{"0.25", 3, 250, false},
		{"1.5e1", 0, 15, false},
		{"1e-2", 2, 1, false},
		{"-349", 0, -349, false},
		{"7", 2, 700, false},
		{"5.5", 2, 550, false},
		{"19.00", 2, 1900, false},
		{"3.49", 0, 0, true},   // an amount in cents with decimals: refused, never rounded
		{"0.0001", 3, 0, true}, // more precision than a quantity holds
		{"1e30", 0, 0, true},
		{"99999999999999999999", 0, 0, true},
		{`"349"`, 0, 0, true},
		{"null", 0, 0, true},
		{"true", 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := decimal(jsontext.Value(tt.in), tt.scale)
			if tt.err {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestAmount(t *testing.T) {
	tests := []struct {
		loc      Locale
		minor    int64
		currency string
		want     string
	}{
		{LocaleDE, 796, "EUR", "7,96 EUR"},
		{LocaleDE, 5, "EUR", "0,05 EUR"},
		{LocaleDE, 123456789, "EUR", "1.234.567,89 EUR"},
		{LocaleDE, -1250, "EUR", "-12,50 EUR"},
		{LocaleEN, 123456789, "EUR", "1,234,567.89 EUR"},
		{LocaleDE, 1500, "JPY", "1.500 JPY"},
		{LocaleDE, 1500, "KWD", "1,500 KWD"},
		{LocaleDE, 100, "", "1,00"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.loc.Amount(tt.minor, tt.currency))
	}
	assert.Equal(t, "5,5 %", string(LocaleDE.appendRate(nil, 550)))
	assert.Equal(t, "7.25 %", string(LocaleEN.appendRate(nil, 725)))
	assert.Equal(t, "19 %", string(LocaleDE.appendRate(nil, 1900)))
	assert.Equal(t, "0,375", string(appendQuantity(nil, 375, LocaleDE)))
	assert.Equal(t, "2", string(appendQuantity(nil, 2000, LocaleDE)))
}

func TestParseBasket(t *testing.T) {
	good := `{"products":[{"id":1,"articleNumber":30037,"ean":null,"desc":"Sandwich","quantity":1,"priceOne":349,"tax":7,"extra":{"a":1}}],"texts":[],"type":"default"}`
	b, err := parseBasket([]byte(good), []byte(`{"sum":349,"currency":"EUR","gratuity":null,"missing_sum":0}`))
	require.NoError(t, err)
	require.Len(t, b.Products, 1)
	assert.Equal(t, Product{Desc: "Sandwich", Quantity: 1000, PriceOne: 349, TaxRate: 700}, b.Products[0])
	assert.Equal(t, int64(349), *b.Sum)
	assert.Nil(t, b.Gratuity)
	assert.Equal(t, "EUR", b.Currency)

	bad := []struct {
		basket, info, field string
	}{
		{`{"products":[{"desc":"x","quantity":1,"priceOne":3.49,"tax":7}]}`, ``, "basket.products[0].priceOne"},
		{`{"products":[{"desc":"x","quantity":1,"priceOne":349}]}`, ``, "basket.products[0].tax"},
		{`{"products":[{"desc":"x","quantity":1,"priceOne":349,"tax":170}]}`, ``, "basket.products[0].tax"},
		{`{"products":[{"desc":7,"quantity":1,"priceOne":349,"tax":7}]}`, ``, "basket.products[0].desc"},
		{`{"products":[{"desc":"x","quantity":"1","priceOne":349,"tax":7}]}`, ``, "basket.products[0].quantity"},
		{`{"products":[1]}`, ``, "basket.products[0]"},
		{`{"products":{}}`, ``, "basket"},
		{``, `{"sum":"7,96"}`, "basket_info.sum"},
		{``, `{"currency":1}`, "basket_info.currency"},
	}
	for _, tt := range bad {
		t.Run(tt.field, func(t *testing.T) {
			var basket, info []byte
			if tt.basket != "" {
				basket = []byte(tt.basket)
			}
			if tt.info != "" {
				info = []byte(tt.info)
			}
			_, err := parseBasket(basket, info)
			var be *BasketError
			require.True(t, errors.As(err, &be), "%v", err)
			assert.Equal(t, tt.field, be.Field)
		})
	}
}
