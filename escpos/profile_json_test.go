package escpos

import (
	"encoding/json"
	"reflect"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProfileJSON(t *testing.T) {
	p := &Profile{ID: "TM-T88V", Name: "TM-T88V", Vendor: "Epson", WidthMM: 80, WidthDots: 512, DPI: 180,
		Fonts:     []FontInfo{{Font: FontA, Name: "Font A", Columns: 42}, {Font: FontB, Name: "Font B", Columns: 56}},
		CodePages: []CodePageSlot{{0, "CP437"}, {19, "CP858"}},
		Features:  Features{PaperPartCut: true, QRCode: true}}
	b, err := json.Marshal([]*Profile{p})
	require.NoError(t, err)
	assert.JSONEq(t, `[{"id":"TM-T88V","name":"TM-T88V","vendor":"Epson","language":"escpos","width_mm":80,"width_dots":512,"dpi":180,
		"fonts":[{"font":"A","name":"Font A","columns":42},{"font":"B","name":"Font B","columns":56}],
		"code_pages":[{"slot":0,"encoding":"CP437"},{"slot":19,"encoding":"CP858"}],
		"features":{"barcode_a":false,"barcode_b":false,"bit_image_column":false,"bit_image_raster":false,"graphics":false,
		"high_density":false,"paper_full_cut":false,"paper_part_cut":true,"pdf417":false,"pulse_bel":false,
		"pulse_standard":false,"qr_code":true,"star_commands":false}}]`, string(b))

	// A value marshals the same as a pointer, and no name is Go-cased.
	b2, err := json.Marshal(*p)
	require.NoError(t, err)
	assert.JSONEq(t, string(b)[1:len(b)-1], string(b2))
	assert.NotRegexp(t, regexp.MustCompile(`"[A-Z][A-Za-z]*":`), string(b))
}

// Every field of Profile and Features has its JSON twin (featuresJSON is a
// conversion of Features, so the compiler checks its fields too).
func TestProfileJSONCoversEveryField(t *testing.T) {
	assert.Equal(t, reflect.TypeFor[Profile]().NumField(), reflect.TypeFor[profileJSON]().NumField())
	assert.Equal(t, reflect.TypeFor[FontInfo]().NumField(), reflect.TypeFor[fontJSON]().NumField())
}
