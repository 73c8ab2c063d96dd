package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// No profile in the current database inherits, so pin collate.py's rules
// here: whole keys are replaced, features merge one by one.
func TestResolveInherits(t *testing.T) {
	var raw map[string]map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(`{
		"base":  {"name": "Base", "vendor": "V", "notes": "",
		          "media": {"dpi": 203, "width": {"mm": 80, "pixels": 576}},
		          "fonts": {"0": {"name": "Font A", "columns": 48}, "1": {"name": "Font B", "columns": 64}},
		          "codePages": {"0": "CP437"},
		          "features": {"qrCode": true, "paperFullCut": true}},
		"child": {"inherits": "base", "name": "Child", "vendor": "V", "notes": "n",
		          "fonts": {"0": {"name": "Font A", "columns": 42}},
		          "features": {"paperFullCut": false, "pulseBel": true}},
		"loop1": {"inherits": "loop2"}, "loop2": {"inherits": "loop1"},
		"orphan": {"inherits": "missing"}
	}`), &raw))

	p, err := resolve("child", raw)
	require.NoError(t, err)
	assert.Equal(t, "Child", p.Name)
	assert.Equal(t, 203.0, p.Media.DPI)
	assert.Equal(t, map[string]font{"0": {"Font A", 42}}, p.Fonts)
	assert.Equal(t, map[string]string{"0": "CP437"}, p.CodePages)
	assert.Equal(t, map[string]bool{"qrCode": true, "paperFullCut": false, "pulseBel": true}, p.Features)

	for _, id := range []string{"loop1", "orphan"} {
		_, err := resolve(id, raw)
		assert.Error(t, err, id)
	}
}

func TestNumber(t *testing.T) {
	tests := []struct {
		v       any
		integer bool
		want    string
		wantErr bool
	}{
		{nil, true, "0", false},
		{"Unknown", true, "0", false},
		{57.5, false, "57.5", false},
		{203.0, true, "203", false},
		{57.5, true, "", true},
		{"wide", false, "", true},
		{-1.0, false, "", true},
	}
	for _, tt := range tests {
		got, err := number(tt.v, tt.integer)
		if tt.wantErr {
			assert.Error(t, err, "%v", tt.v)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tt.want, got)
	}
}

func TestMergeExtra(t *testing.T) {
	base := func() map[string]map[string]json.RawMessage {
		var raw map[string]map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(`{"old": {"name": "Old", "codePages": {"0": "CP437", "4": "CP858"}, "features": {"qrCode": true, "pulseBel": true}}}`), &raw))
		return raw
	}
	raw := base()
	require.NoError(t, mergeExtra(raw, []byte(`{"about": "x", "profiles": {
		"old": {"language": "star-prnt", "features": {"qrCode": false}, "codePages": {"0": "Unknown"}, "sources": {"language": "spec", "features": "spec", "codePages": "spec"}},
		"new": {"inherits": "old", "name": "New", "sources": {"inherits": "db", "name": "vendor"}}}}`)))
	p, err := resolve("old", raw)
	require.NoError(t, err)
	assert.Equal(t, "star-prnt", p.Language)
	assert.Equal(t, "Old", p.Name, "an override keeps the keys it does not name")
	assert.Equal(t, map[string]bool{"qrCode": false, "pulseBel": true}, p.Features)
	assert.Equal(t, map[string]string{"0": "Unknown", "4": "CP858"}, p.CodePages)
	p, err = resolve("new", raw)
	require.NoError(t, err)
	assert.Equal(t, "New", p.Name)
	assert.Equal(t, "star-prnt", p.Language)

	for name, bad := range map[string]string{
		"fact without source": `{"profiles": {"x": {"name": "X", "language": "star-line", "sources": {"name": "v"}}}}`,
		"blank source":        `{"profiles": {"x": {"name": "X", "sources": {"name": "  "}}}}`,
		"unknown language":    `{"profiles": {"x": {"language": "zpl", "sources": {"language": "v"}}}}`,
		"unknown top key":     `{"profils": {}}`,
		"not json":            `{"profiles": `,
		"bad features":        `{"profiles": {"old": {"features": 1, "sources": {"features": "v"}}}}`,
	} {
		assert.Error(t, mergeExtra(base(), []byte(bad)), name)
	}
}
