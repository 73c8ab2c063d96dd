package receipt

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTransaction(t *testing.T) {
	tx, err := ParseTransaction([]byte(`{
		"object": "smart.transactions", "id": "STX_1", "status": "ok", "trans_id": "29187330",
		"merchant": {"object": "general.merchants", "companyname": "John's Bakery"},
		"receipt": [
			{"type": "separator", "value": {"caption": "Kundenkarte"}},
			{"type": "name-value", "value": {"name": "Kartennummer: ", "value": "9276004429942845", "decoration": []}},
			{"type": "space"},
			{"type": "textline", "value": {"text": "7,96 EUR", "decoration": ["important"]}},
			{"type": "separator", "value": {}}
		]}`))
	require.NoError(t, err)
	assert.Equal(t, "smart.transactions", tx.Object)
	assert.Equal(t, "STX_1", tx.ID)
	assert.Equal(t, "ok", tx.Status)
	assert.Equal(t, "29187330", tx.TransID)
	assert.Equal(t, "John's Bakery", tx.Merchant)
	assert.Empty(t, tx.Warnings)
	assert.Equal(t, Receipt{
		{Type: Separator, Caption: "Kundenkarte"},
		{Type: NameValue, Name: "Kartennummer: ", Value: "9276004429942845"},
		{Type: Space},
		{Type: TextLine, Text: "7,96 EUR", Decoration: Important},
		{Type: Separator},
	}, tx.Receipt)
}

func TestParseShapes(t *testing.T) {
	for _, in := range []string{
		`[{"type":"space"}]`,
		` {"receipt":[{"type":"space"}]}`,
		`{"receipt":[{"type":"space","value":null}]}`,
		`{"receipt":[{"type":"space","value":{}}]}`,
	} {
		tx, err := ParseTransaction([]byte(in))
		require.NoError(t, err, in)
		assert.Equal(t, Receipt{{Type: Space}}, tx.Receipt, in)
	}
}

func TestParseUnknownDecorationWarns(t *testing.T) {
	tx, err := ParseTransaction([]byte(`[{"type":"textline","value":{"text":"x","decoration":["blink","important"]}}]`))
	require.NoError(t, err)
	assert.Equal(t, Important, tx.Receipt[0].Decoration)
	require.Len(t, tx.Warnings, 1)
	assert.Equal(t, Warning{Line: 0, Field: "value.decoration", Kind: WarnUnknownDecoration, Decoration: "blink"}, tx.Warnings[0])
	assert.Equal(t, `receipt[0].value.decoration: unknown decoration "blink"`, tx.Warnings[0].String())
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		is    error
		line  int
		field string
		msg   string
	}{
		{"syntax", `{"receipt": [`, ErrSyntax, -1, "", ""},
		{"no receipt", `{"id": "x"}`, ErrNoReceipt, -1, "", ""},
		{"null receipt", `{"receipt": null}`, ErrNoReceipt, -1, "", ""},
		{"receipt not array", `{"receipt": {}}`, ErrFieldType, -1, "", ""},
		{"top-level string", `"x"`, ErrSyntax, -1, "", ""},
		{"unknown type", `[{"type":"space"},{"type":"barcode","value":{}}]`, ErrUnknownType, 1, "type",
			`receipt: receipt[1].type: unknown line type "barcode" (want separator, name-value, textline or space)`},
		{"type not string", `[{"type":3}]`, ErrFieldType, 0, "type", `receipt: receipt[0].type: wrong field type: number, want string`},
		{"line not object", `[[]]`, ErrFieldType, 0, "", ""},
		{"missing type", `[{"value":{}}]`, ErrMissingField, 0, "type", ""},
		{"caption number", `[{"type":"separator","value":{"caption":5}}]`, ErrFieldType, 0, "value.caption",
			`receipt: receipt[0].value.caption: wrong field type: number, want string`},
		{"name missing", `[{"type":"name-value","value":{"value":"1"}}]`, ErrMissingField, 0, "value.name", ""},
		{"value bool", `[{"type":"name-value","value":{"name":"a","value":true}}]`, ErrFieldType, 0, "value.value", ""},
		{"text missing", `[{"type":"textline","value":{"decoration":[]}}]`, ErrMissingField, 0, "value.text", ""},
		{"textline without value", `[{"type":"textline"}]`, ErrMissingField, 0, "value", ""},
		{"value not object", `[{"type":"textline","value":"x"}]`, ErrFieldType, 0, "value", ""},
		{"decoration string", `[{"type":"textline","value":{"text":"a","decoration":"important"}}]`, ErrFieldType, 0, "value.decoration", ""},
		{"decoration item number", `[{"type":"textline","value":{"text":"a","decoration":[1]}}]`, ErrFieldType, 0, "value.decoration", ""},
		{"unknown line field", `[{"type":"space","extra":1}]`, ErrUnknownField, 0, "extra", ""},
		{"unknown value field", `[{"type":"textline","value":{"text":"a","colour":"red"}}]`, ErrUnknownField, 0, "value.colour", ""},
		{"field of another type", `[{"type":"separator","value":{"text":"a"}}]`, ErrUnknownField, 0, "value.text", ""},
		// Stricter than encoding/json on purpose: which of two names should print?
		{"duplicate name in a line", `[{"type":"space"},{"type":"textline","type":"space"}]`, ErrSyntax, -1, "", ""},
		{"duplicate name in a value", `[{"type":"textline","value":{"text":"a","text":"b"}}]`, ErrSyntax, -1, "", ""},
		{"duplicate receipt", `{"receipt":[],"receipt":[{"type":"space"}]}`, ErrSyntax, -1, "", ""},
		{"invalid UTF-8", "[{\"type\":\"textline\",\"value\":{\"text\":\"\xfc\"}}]", ErrSyntax, -1, "", ""},
		{"data after the document", `{"receipt":[]} {}`, ErrSyntax, -1, "", ""},
		{"a syntax error after a line's fault", `[{"type":"barcode"},{"type":`, ErrSyntax, -1, "", ""},
		{"receipt not array, then a syntax error", `{"receipt":7,"x":}`, ErrSyntax, -1, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTransaction([]byte(tt.in))
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.is)
			var le *LineError
			if tt.line >= 0 {
				require.True(t, errors.As(err, &le), "want *LineError, got %T: %v", err, err)
				assert.Equal(t, tt.line, le.Line)
				assert.Equal(t, tt.field, le.Field)
			} else {
				assert.False(t, errors.As(err, &le))
			}
			if tt.msg != "" {
				assert.Equal(t, tt.msg, err.Error())
			}
		})
	}
}

func TestParseLimits(t *testing.T) {
	long := make([]byte, MaxFieldLength+1)
	for i := range long {
		long[i] = 'a'
	}
	_, err := ParseTransaction([]byte(`[{"type":"textline","value":{"text":"` + string(long) + `"}}]`))
	assert.ErrorIs(t, err, ErrFieldTooLong)
}

func TestParseMetadataLeniently(t *testing.T) {
	deep := strings.Repeat(`{"a":[`, 200) + strings.Repeat(`]}`, 200)
	tx, err := ParseTransaction([]byte(`{"id":7,"status":null,"extra":` + deep + `,
		"merchant":{"CompanyName":"Bäckerei \u00d6z","x":[1,{"y":2}]},
		"receipt":[{"value":{"text":"t\u00e9st"},"type":"text\u006cine"}]}`))
	require.NoError(t, err)
	assert.Empty(t, tx.ID, "not a string: empty")
	assert.Equal(t, "Bäckerei Öz", tx.Merchant, "matched in any case, as encoding/json did")
	assert.Equal(t, Receipt{{Type: TextLine, Text: "tést"}}, tx.Receipt, "escapes in names and strings")
}

func TestParseTooManyLinesEarly(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	for i := 0; i <= MaxLines; i++ {
		b.WriteString(`{"type":"space"},`)
	}
	b.WriteString(`{"type":"space"}]`)
	_, err := ParseTransaction([]byte(b.String()))
	assert.ErrorIs(t, err, ErrTooManyLines)
}
