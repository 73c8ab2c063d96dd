package escpos

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPinCodePages(t *testing.T) {
	tests := []struct {
		name    string
		pin     []string
		want    []CodePageSlot
		wantErr string
	}{
		{"one page", []string{"CP858"}, []CodePageSlot{{19, "CP858"}}, ""},
		{"any case, slot order", []string{"cp1252", "CP437"}, []CodePageSlot{{0, "CP437"}, {16, "CP1252"}}, ""},
		{"unknown page", []string{"CP999"}, nil, `unknown code page "CP999"`},
		{"page without a slot", []string{"CP866"}, nil, "no slot for code page CP866"},
		{"nothing", nil, nil, "no code page to pin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := epsonStyle.PinCodePages(tt.pin...)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.CodePages)
			assert.Len(t, epsonStyle.CodePages, 5, "the model's profile is left alone")
		})
	}
}

// A printer pinned to CP437 has no €: the encoder reports the fallback
// instead of switching to a table the printer may not really have.
func TestPinnedPageLimitsTheEncoder(t *testing.T) {
	p, err := epsonStyle.PinCodePages("CP437")
	require.NoError(t, err)
	out, fb := encodeText(t, p, "ä€")
	require.Len(t, fb, 1)
	assert.Equal(t, '€', fb[0].Rune)
	assert.NotContains(t, string(out), "\x1bt\x13", "never selects CP858's slot 19")
	free, fb := encodeText(t, epsonStyle, "ä€")
	assert.Empty(t, fb)
	assert.NotEqual(t, free, out)
}
