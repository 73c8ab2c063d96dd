package receipt

import (
	"strconv"

	"github.com/secuprint/receipt/escpos"
)

// layoutBasket prints the transaction's basket: a row per product (its
// description, then quantity × unit price where the quantity is not one,
// with the line total right-aligned), a rule, the total, the VAT breakdown
// per rate and the gratuity. Totals come from the products and are checked
// against basket_info.sum: a mismatch is reported, never printed silently.
func (r *Renderer) layoutBasket(tx *Transaction, from blockRef) error {
	b, err := tx.Basket()
	if err != nil {
		return err
	}
	if len(b.Products) == 0 && b.Sum == nil {
		r.report.Warnings = append(r.report.Warnings, Warning{Section: from.section, Line: from.index,
			Kind: WarnNoBasket, Detail: "the transaction has no basket; nothing printed"})
		return nil
	}
	loc := r.opt.Locale
	lb := &localeLabels[loc]
	cur := b.Currency
	if len(b.Products) == 0 {
		// The API elides the products at times; its sum still prints.
		r.amountRow(lb.total, loc.appendAmount(nil, *b.Sum, cur), emphasis)
		return nil
	}
	t := b.Totals()
	for i, p := range b.Products {
		r.productRows(from, i, p, t.LineTotals[i], loc)
	}
	r.rows = append(r.rows, row{kind: rowText, style: plain, left: rule[:r.cols]})
	r.amountRow(lb.total, loc.appendAmount(nil, t.Total, cur), emphasis)
	if b.Sum != nil && *b.Sum != t.Total && *b.Sum != t.Paid {
		r.report.Warnings = append(r.report.Warnings, Warning{Section: from.section, Line: from.index, Kind: WarnBasketSum,
			Detail: "the products add up to " + loc.Amount(t.Total, cur) + " but basket_info.sum is " +
				loc.Amount(*b.Sum, cur) + "; the receipt shows " + loc.Amount(t.Total, cur)})
	}
	if t.Gratuity != 0 {
		r.amountRow(lb.gratuity, loc.appendAmount(nil, t.Gratuity, cur), plain)
		r.amountRow(lb.totalWithGratuity, loc.appendAmount(nil, t.Paid, cur), emphasis)
	}
	r.rows = append(r.rows, row{kind: rowBlank})
	r.vatRows(t.VAT, loc, lb)
	return nil
}

// amountRow is a name left, an amount right (wrapped like a name-value
// line when both do not fit).
func (r *Renderer) amountRow(name string, amount []byte, st style) {
	r.nameValue(name, string(amount), st)
}

// nameValue lays out prepared name and value as a name-value line does.
func (r *Renderer) nameValue(name, value string, st style) {
	nw, vw := cells(name), cells(value)
	if nw+1+vw <= r.cols {
		r.rows = append(r.rows, row{kind: rowText, style: st, left: name, gap: r.cols - nw - vw, right: value})
		return
	}
	r.wrap(name, st, escpos.JustifyLeft, 1)
	r.wrap(value, st, escpos.JustifyRight, 1)
}

func (r *Renderer) productRows(from blockRef, i int, p Product, total int64, loc Locale) {
	desc := r.prepare(p.Desc, from.index, "basket.products["+strconv.Itoa(i)+"].desc")
	amount := string(loc.appendAmount(nil, total, ""))
	if p.Quantity == 1000 {
		r.nameValue(desc, amount, plain)
		return
	}
	r.wrap(desc, plain, escpos.JustifyLeft, 1)
	var q []byte
	q = append(q, "  "...)
	q = appendQuantity(q, p.Quantity, loc)
	q = append(q, " x "...)
	q = loc.appendAmount(q, p.PriceOne, "")
	r.nameValue(string(q), amount, plain)
}

// appendQuantity writes thousandths of a unit without trailing zeros.
func appendQuantity(dst []byte, q Quantity, loc Locale) []byte {
	if q < 0 {
		dst = append(dst, '-')
		q = -q
	}
	dst = strconv.AppendInt(dst, int64(q/1000), 10)
	if frac := int64(q % 1000); frac != 0 {
		if loc == LocaleEN {
			dst = append(dst, '.')
		} else {
			dst = append(dst, ',')
		}
		s := strconv.FormatInt(frac+1000, 10)[1:] // three digits
		for s[len(s)-1] == '0' {
			s = s[:len(s)-1]
		}
		dst = append(dst, s...)
	}
	return dst
}

// vatRows prints the VAT breakdown as a table (rate, net, VAT, gross) when
// it fits the line, else as a name-value block per rate.
func (r *Renderer) vatRows(vat []VATRow, loc Locale, lb *labels) {
	cells4 := func(rate, net, tax, gross string) [4]string { return [4]string{rate, net, tax, gross} }
	rows := [][4]string{cells4(lb.vat, lb.net, lb.vat, lb.gross)}
	rows[0][0] = lb.rate
	for _, v := range vat {
		rows = append(rows, cells4(string(loc.appendRate(nil, int64(v.Rate))),
			string(loc.appendAmount(nil, v.Net, "")), string(loc.appendAmount(nil, v.VAT, "")),
			string(loc.appendAmount(nil, v.Gross, ""))))
	}
	var w [4]int
	for _, rw := range rows {
		for c, s := range rw {
			w[c] = max(w[c], cells(s))
		}
	}
	need := w[0] + w[1] + w[2] + w[3] + 3
	if need > r.cols {
		for _, rw := range rows[1:] {
			r.rows = append(r.rows, row{kind: rowText, style: plain, left: lb.vat + " " + rw[0]})
			r.nameValue("  "+lb.net, rw[1], plain)
			r.nameValue("  "+lb.vat, rw[2], plain)
			r.nameValue("  "+lb.gross, rw[3], plain)
		}
		return
	}
	// The spare width goes between the columns, the amounts right-aligned.
	spare := r.cols - need
	gaps := [3]int{1 + spare/3, 1 + spare/3, 1 + spare - 2*(spare/3)}
	for _, rw := range rows {
		line := make([]byte, 0, r.cols)
		line = append(line, rw[0]...)
		line = appendSpaces(line, w[0]-cells(rw[0]))
		for c := 1; c < 4; c++ {
			line = appendSpaces(line, gaps[c-1]+w[c]-cells(rw[c]))
			line = append(line, rw[c]...)
		}
		r.rows = append(r.rows, row{kind: rowText, style: plain, left: string(line)})
	}
}
