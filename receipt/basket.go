package receipt

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Product is one row of a transaction's basket. Amounts are the API's:
// gross, in the currency's minor units (cents).
type Product struct {
	Desc     string
	Quantity Quantity
	PriceOne int64 // gross price of one unit
	TaxRate  Rate  // VAT rate
	ItemType string
}

// Quantity is a number of units in thousandths, so 0.25 kg is exact.
type Quantity int64

// Rate is a VAT rate in hundredths of a percent: 7 % is 700, 5.5 % is 550.
type Rate int64

// Basket is the transaction's basket and its basket_info.
type Basket struct {
	Products []Product
	Currency string
	// Sum is basket_info.sum: what the API says the products cost; nil when
	// the transaction does not say.
	Sum *int64
	// Gratuity is basket_info.gratuity; nil when absent or null.
	Gratuity *int64
}

// VATRow is the VAT breakdown of one rate: the gross amount of its
// products and the net and VAT parts of it.
type VATRow struct {
	Rate            Rate
	Gross, Net, VAT int64
}

// Totals is the basket's arithmetic, computed from the products alone.
type Totals struct {
	LineTotals []int64  // per product: quantity × unit price, rounded
	VAT        []VATRow // by rate, ascending
	Total      int64    // sum of LineTotals
	Gratuity   int64
	Paid       int64 // Total + Gratuity
}

// Totals computes line totals, the VAT per rate and the total. VAT is taken
// out of each rate's gross sum once (net = gross × 100 / (100 + rate),
// rounded half away from zero), as a till computes it, not per line, so
// the rows add up to the gross exactly.
func (b *Basket) Totals() Totals {
	t := Totals{LineTotals: make([]int64, len(b.Products))}
	for i, p := range b.Products {
		line := roundDiv(int64(p.Quantity)*p.PriceOne, 1000)
		t.LineTotals[i] = line
		t.Total += line
		j := 0
		for j < len(t.VAT) && t.VAT[j].Rate < p.TaxRate {
			j++
		}
		if j == len(t.VAT) || t.VAT[j].Rate != p.TaxRate {
			t.VAT = append(t.VAT, VATRow{})
			copy(t.VAT[j+1:], t.VAT[j:])
			t.VAT[j] = VATRow{Rate: p.TaxRate}
		}
		t.VAT[j].Gross += line
	}
	for i := range t.VAT {
		row := &t.VAT[i]
		row.Net = roundDiv(row.Gross*10000, 10000+int64(row.Rate))
		row.VAT = row.Gross - row.Net
	}
	if b.Gratuity != nil {
		t.Gratuity = *b.Gratuity
	}
	t.Paid = t.Total + t.Gratuity
	return t
}

// roundDiv is a/b rounded half away from zero (b > 0).
func roundDiv(a, b int64) int64 {
	if a < 0 {
		return -((-a + b/2) / b)
	}
	return (a + b/2) / b
}

// Limits on a basket from outside.
const MaxProducts = 1000

// BasketError says which member of the basket is at fault.
type BasketError struct {
	Field string // e.g. "basket.products[2].priceOne"
	Err   error
}

func (e *BasketError) Error() string { return "receipt: " + e.Field + ": " + e.Err.Error() }
func (e *BasketError) Unwrap() error { return e.Err }

// Is makes every BasketError an ErrDocument.
func (e *BasketError) Is(target error) bool { return target == ErrDocument }

type rawProduct struct {
	Desc     jsontext.Value `json:"desc"`
	Quantity jsontext.Value `json:"quantity"`
	PriceOne jsontext.Value `json:"priceOne"`
	Tax      jsontext.Value `json:"tax"`
	ItemType jsontext.Value `json:"item_type"`
}

type rawBasket struct {
	Products []jsontext.Value `json:"products"`
}

type rawBasketInfo struct {
	Sum      jsontext.Value `json:"sum"`
	Currency jsontext.Value `json:"currency"`
	Gratuity jsontext.Value `json:"gratuity"`
}

// parseBasket reads the API's basket and basket_info objects (either may be
// nil). Members it does not print are ignored; the ones it prints must be
// what the API documents: numbers for amounts, a string or null for text.
func parseBasket(basket, info []byte) (*Basket, error) {
	b := &Basket{}
	if len(basket) > 0 && basket[0] != 'n' {
		var rb rawBasket
		if err := json.Unmarshal(basket, &rb); err != nil {
			return nil, &BasketError{Field: "basket", Err: fmt.Errorf("%w: %v", ErrFieldType, err)}
		}
		if len(rb.Products) > MaxProducts {
			return nil, &BasketError{Field: "basket.products", Err: fmt.Errorf("more than %d products", MaxProducts)}
		}
		for i, raw := range rb.Products {
			field := "basket.products[" + strconv.Itoa(i) + "]"
			p, err := parseProduct(raw)
			if err != nil {
				var be *BasketError
				if errors.As(err, &be) {
					be.Field = field + "." + be.Field
					return nil, be
				}
				return nil, &BasketError{Field: field, Err: err}
			}
			b.Products = append(b.Products, p)
		}
	}
	if len(info) > 0 && info[0] != 'n' {
		var ri rawBasketInfo
		if err := json.Unmarshal(info, &ri); err != nil {
			return nil, &BasketError{Field: "basket_info", Err: fmt.Errorf("%w: %v", ErrFieldType, err)}
		}
		var err error
		if b.Sum, err = optionalMinor(ri.Sum); err != nil {
			return nil, &BasketError{Field: "basket_info.sum", Err: err}
		}
		if b.Gratuity, err = optionalMinor(ri.Gratuity); err != nil {
			return nil, &BasketError{Field: "basket_info.gratuity", Err: err}
		}
		if b.Currency, err = optionalText(ri.Currency); err != nil {
			return nil, &BasketError{Field: "basket_info.currency", Err: err}
		}
		if len(b.Currency) > 8 {
			return nil, &BasketError{Field: "basket_info.currency", Err: fmt.Errorf("%w: %q", ErrFieldTooLong, b.Currency)}
		}
	}
	return b, nil
}

func parseProduct(raw jsontext.Value) (Product, error) {
	var p Product
	if raw.Kind() != '{' {
		return p, fmt.Errorf("%w: %s, want object", ErrFieldType, kindName(raw.Kind()))
	}
	var rp rawProduct
	if err := json.Unmarshal(raw, &rp); err != nil {
		return p, fmt.Errorf("%w: %v", ErrFieldType, err)
	}
	var err error
	if p.Desc, err = optionalText(rp.Desc); err != nil {
		return p, &BasketError{Field: "desc", Err: err}
	}
	if len(p.Desc) > MaxFieldLength {
		return p, &BasketError{Field: "desc", Err: fmt.Errorf("%w: %d bytes > %d", ErrFieldTooLong, len(p.Desc), MaxFieldLength)}
	}
	if p.ItemType, err = optionalText(rp.ItemType); err != nil {
		return p, &BasketError{Field: "item_type", Err: err}
	}
	q, err := decimal(rp.Quantity, 3)
	if err != nil {
		return p, &BasketError{Field: "quantity", Err: err}
	}
	p.Quantity = Quantity(q)
	if p.PriceOne, err = decimal(rp.PriceOne, 0); err != nil {
		return p, &BasketError{Field: "priceOne", Err: err}
	}
	t, err := decimal(rp.Tax, 2)
	if err != nil {
		return p, &BasketError{Field: "tax", Err: err}
	}
	if t < 0 || t > 100_00 {
		return p, &BasketError{Field: "tax", Err: fmt.Errorf("rate %s out of range 0..100", Rate(t))}
	}
	p.TaxRate = Rate(t)
	return p, nil
}

func (r Rate) String() string { return string(LocaleEN.appendRate(nil, int64(r))) }

// maxAmount bounds amounts so products of them cannot overflow int64.
const maxAmount = 1_000_000_000_000 // 10^12 minor units

// decimal reads a JSON number exactly as an integer scaled by 10^scale. A
// number with more decimals than scale, or beyond maxAmount, is an error:
// an amount is never silently rounded.
func decimal(v jsontext.Value, scale int) (int64, error) {
	if len(v) == 0 || v.Kind() == 'n' {
		return 0, ErrMissingField
	}
	if v.Kind() != '0' {
		return 0, fmt.Errorf("%w: %s, want number", ErrFieldType, kindName(v.Kind()))
	}
	s := string(v)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 20 || e < -20 {
			return 0, fmt.Errorf("%w: %s out of range", ErrFieldType, v)
		}
		mant, exp = s[:i], e
	}
	whole, frac, _ := strings.Cut(mant, ".")
	digits := whole + frac
	shift := scale + exp - len(frac) // digits × 10^shift
	for shift < 0 {
		if !strings.HasSuffix(digits, "0") {
			return 0, fmt.Errorf("%w: %s has more than %d decimals", ErrFieldType, v, scale)
		}
		digits = digits[:len(digits)-1]
		shift++
	}
	digits = strings.TrimLeft(digits, "0")
	if len(digits)+shift > 18 {
		return 0, fmt.Errorf("%w: %s out of range", ErrFieldType, v)
	}
	n := int64(0)
	if digits != "" {
		var err error
		if n, err = strconv.ParseInt(digits, 10, 64); err != nil {
			return 0, fmt.Errorf("%w: %s: %v", ErrFieldType, v, err)
		}
	}
	for ; shift > 0; shift-- {
		n *= 10
	}
	if n > maxAmount*1000 {
		return 0, fmt.Errorf("%w: %s out of range", ErrFieldType, v)
	}
	if neg {
		n = -n
	}
	return n, nil
}

func optionalMinor(v jsontext.Value) (*int64, error) {
	if len(v) == 0 || v.Kind() == 'n' {
		return nil, nil
	}
	n, err := decimal(v, 0)
	if err != nil {
		return nil, err
	}
	return &n, nil
}

func optionalText(v jsontext.Value) (string, error) {
	if len(v) == 0 || v.Kind() == 'n' {
		return "", nil
	}
	if v.Kind() != '"' {
		return "", fmt.Errorf("%w: %s, want string", ErrFieldType, kindName(v.Kind()))
	}
	b, err := jsontext.AppendUnquote(nil, v)
	if err != nil {
		return "", syntaxError(err)
	}
	return string(b), nil
}
