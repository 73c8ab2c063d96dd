package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// languageConsts are the command languages the extra file may name, as
// escpos.Language constants.
var languageConsts = map[string]string{
	"escpos":       "escpos.LanguageESCPOS",
	"star-line":    "escpos.LanguageStarLine",
	"star-prnt":    "escpos.LanguageStarPRNT",
	"star-graphic": "escpos.LanguageStarGraphic",
}

// mergeExtra merges the extra profiles file (printers/star_models.json) into
// the database's profiles: an ID the database has is overridden key by key
// (features and code page slots one by one), a new ID is added whole. Every fact must say where
// it comes from: each key but "sources" needs an entry in "sources".
func mergeExtra(profiles map[string]map[string]json.RawMessage, data []byte) error {
	var file struct {
		About    string                                `json:"about"`
		Profiles map[string]map[string]json.RawMessage `json:"profiles"`
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return err
	}
	for _, id := range sortedKeys(file.Profiles) {
		entry := file.Profiles[id]
		var sources map[string]string
		if raw, ok := entry["sources"]; ok {
			if err := json.Unmarshal(raw, &sources); err != nil {
				return fmt.Errorf("profile %s: sources: %w", id, err)
			}
		}
		var missing []string
		for k := range entry {
			if k != "sources" && strings.TrimSpace(sources[k]) == "" {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			return fmt.Errorf("profile %s: no source for %s", id, strings.Join(missing, ", "))
		}
		if raw, ok := entry["language"]; ok {
			var lang string
			if err := json.Unmarshal(raw, &lang); err != nil {
				return fmt.Errorf("profile %s: language: %w", id, err)
			}
			if _, ok := languageConsts[lang]; !ok {
				return fmt.Errorf("profile %s: unknown language %q", id, lang)
			}
		}
		base, ok := profiles[id]
		if !ok {
			base = map[string]json.RawMessage{}
			profiles[id] = base
		}
		for k, v := range entry {
			if k == "sources" {
				continue
			}
			if (k == "features" || k == "codePages") && ok {
				merged, err := mergeKeys(base[k], v)
				if err != nil {
					return fmt.Errorf("profile %s: %w", id, err)
				}
				v = merged
			}
			base[k] = v
		}
	}
	return nil
}

// mergeKeys overrides the keys of the JSON object base that over names
// (features one by one, code page slots one by one).
func mergeKeys(base, over json.RawMessage) (json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if base != nil {
		if err := json.Unmarshal(base, &m); err != nil {
			return nil, err
		}
	}
	var o map[string]json.RawMessage
	if err := json.Unmarshal(over, &o); err != nil {
		return nil, err
	}
	for k, v := range o {
		m[k] = v
	}
	return json.Marshal(m)
}
