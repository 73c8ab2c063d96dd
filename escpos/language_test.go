package escpos

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLanguage(t *testing.T) {
	for _, tc := range []struct {
		l    Language
		name string
	}{{LanguageESCPOS, "escpos"}, {LanguageStarLine, "star-line"}, {LanguageStarPRNT, "star-prnt"}, {LanguageStarGraphic, "star-graphic"}} {
		assert.Equal(t, tc.name, tc.l.String())
		got, err := ParseLanguage(tc.name)
		require.NoError(t, err)
		assert.Equal(t, tc.l, got)
		b, err := json.Marshal(tc.l)
		require.NoError(t, err)
		assert.Equal(t, `"`+tc.name+`"`, string(b))
		var back Language
		require.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, tc.l, back)
	}
	assert.False(t, Language(4).Valid())
	assert.Equal(t, "Language(4)", Language(4).String())
	_, err := json.Marshal(Language(4))
	assert.Error(t, err)
	_, err = ParseLanguage("starprnt")
	assert.Error(t, err)
	var l Language
	assert.Error(t, json.Unmarshal([]byte(`"zpl"`), &l))
}

// A Star printer in ESC/POS emulation selects code pages with ESC GS t n,
// in Star's numbering; an Epson with ESC t n.
func TestStarCodePageCommand(t *testing.T) {
	pages := []CodePageSlot{{0, "CP437"}, {4, "CP858"}, {19, "CP858"}, {32, "CP1252"}}
	for _, tc := range []struct {
		name string
		p    Profile
		want []byte
	}{
		{"epson", Profile{ID: "e", CodePages: []CodePageSlot{{0, "CP437"}, {19, "CP858"}}}, []byte{ESC, 't', 19, 0xD5}},
		{"star emulation", Profile{ID: "s", CodePages: pages[:2], Features: Features{StarCommands: true}}, []byte{ESC, GS, 't', 4, 0xD5}},
		{"starprnt", Profile{ID: "p", CodePages: pages[:2], Language: LanguageStarPRNT}, []byte{ESC, GS, 't', 4, 0xD5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := NewEncoder(&tc.p)
			require.NoError(t, err)
			assert.Equal(t, tc.want, e.AppendText(nil, "€"))
		})
	}
	assert.Equal(t, []byte{0x1B, 0x1D, 0x74, 32}, AppendStarCodePage(nil, 32))
}
