package receipt

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDigest(t *testing.T) {
	parse := func(s string) Receipt {
		t.Helper()
		tx, err := ParseTransaction([]byte(s))
		require.NoError(t, err)
		return tx.Receipt
	}
	base := parse(`{"receipt":[{"type":"name-value","value":{"name":"Betrag","value":"12,50 €","decoration":["important"]}},{"type":"space"}]}`)
	tests := []struct {
		name string
		json string
		same bool
	}{
		{"other whitespace and field order", `{ "receipt" : [ {"value":{"decoration":["important"],"value":"12,50 €","name":"Betrag"},"type":"name-value"}, {"type":"space"} ] }`, true},
		{"other value", `{"receipt":[{"type":"name-value","value":{"name":"Betrag","value":"12,51 €","decoration":["important"]}},{"type":"space"}]}`, false},
		{"no decoration", `{"receipt":[{"type":"name-value","value":{"name":"Betrag","value":"12,50 €"}},{"type":"space"}]}`, false},
		{"text moved between fields", `{"receipt":[{"type":"name-value","value":{"name":"Betrag12,50 €","value":"","decoration":["important"]}},{"type":"space"}]}`, false},
		{"one line less", `{"receipt":[{"type":"name-value","value":{"name":"Betrag","value":"12,50 €","decoration":["important"]}}]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.same, base.Digest() == parse(tt.json).Digest())
		})
	}
}

func BenchmarkDigest(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = missingSum.Digest()
	}
}

func TestTransactionDigest(t *testing.T) {
	parse := func(s string) *Transaction {
		t.Helper()
		tx, err := ParseTransaction([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return tx
	}
	plain := parse(`{"id":"a","receipt":[{"type":"space"}],"basket":{"products":[]}}`)
	if plain.Digest() != plain.Receipt.Digest() {
		t.Error("without header and footer the digest is the receipt's, as before")
	}
	a := parse(`{"id":"a","receipt":[{"type":"space"}],"footer":[{"type":"qr","value":{"data":"x","size":4}}]}`)
	b := parse(`{"footer":[ {"value":{"size":4,"data":"x"},"type":"qr"} ],"receipt":[{"type":"space"}],"id":"a"}`)
	if a.Digest() != b.Digest() {
		t.Error("the same document written differently has one digest")
	}
	c := parse(`{"id":"a","receipt":[{"type":"space"}],"footer":[{"type":"qr","value":{"data":"y","size":4}}]}`)
	if a.Digest() == c.Digest() || a.Digest() == plain.Digest() {
		t.Error("another footer is another document")
	}
	d := parse(`{"id":"a","receipt":[{"type":"space"}],"footer":[{"type":"basket"}],"basket":{"products":[{"desc":"x","quantity":1,"priceOne":1,"tax":7}]}}`)
	e := parse(`{"id":"a","receipt":[{"type":"space"}],"footer":[{"type":"basket"}],"basket":{"products":[{"desc":"x","quantity":2,"priceOne":1,"tax":7}]}}`)
	if d.Digest() == e.Digest() {
		t.Error("a printed basket is part of the document")
	}
}
