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
