package receipt

// The encoding/json parser this package had before its single-pass one,
// kept as the reference the differential fuzz test compares against.

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// refParseTransaction reads a smart.transactions object, an object holding just
// {"receipt": [...]}, or a bare receipt array.
func refParseTransaction(data []byte) (*Transaction, error) {
	data = bytes.TrimSpace(data)
	tx := &Transaction{}
	if len(data) > 0 && data[0] == '[' {
		var err error
		tx.Receipt, tx.Warnings, err = refParseLines(data)
		return tx, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, refSyntaxError(err)
	}
	if top == nil {
		return nil, fmt.Errorf("receipt: %w", errNotAnObject)
	}
	for key, dst := range map[string]*string{
		"object": &tx.Object, "id": &tx.ID, "status": &tx.Status, "trans_id": &tx.TransID,
		"created": &tx.Created, "payment_method": &tx.PaymentMethod,
	} {
		*dst = refOptionalString(top[key])
	}
	if m, ok := top["merchant"]; ok {
		var merchant struct {
			CompanyName json.RawMessage `json:"companyname"`
		}
		if json.Unmarshal(m, &merchant) == nil {
			tx.Merchant = refOptionalString(merchant.CompanyName)
		}
	}
	raw, ok := top["receipt"]
	if !ok || refJsonKind(raw) == "null" {
		return nil, fmt.Errorf("receipt: %w", ErrNoReceipt)
	}
	if refJsonKind(raw) != "array" {
		return nil, fmt.Errorf("receipt: %w: receipt is %s, want array", ErrFieldType, refJsonKind(raw))
	}
	var err error
	tx.Receipt, tx.Warnings, err = refParseLines(raw)
	if err != nil {
		return nil, err
	}
	return tx, nil
}

func refSyntaxError(err error) error {
	return fmt.Errorf("receipt: %w: %v", ErrSyntax, err)
}

// refOptionalString returns a JSON string's value, or "" for anything else: the
// transaction's metadata is informative, only the receipt lines are strict.
func refOptionalString(raw json.RawMessage) string {
	var s string
	if refJsonKind(raw) == "string" && json.Unmarshal(raw, &s) == nil {
		return s
	}
	return ""
}

func refParseLines(data []byte) (Receipt, []Warning, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		return nil, nil, refSyntaxError(err)
	}
	if len(raws) > MaxLines {
		return nil, nil, fmt.Errorf("receipt: %w: %d > %d", ErrTooManyLines, len(raws), MaxLines)
	}
	lines := make(Receipt, 0, len(raws))
	var warnings []Warning
	for i, raw := range raws {
		l, w, err := refParseLine(i, raw)
		if err != nil {
			return nil, nil, err
		}
		warnings = append(warnings, w...)
		lines = append(lines, l)
	}
	return lines, warnings, nil
}

// refFieldsOf lists the value fields each line type has.
var refFieldsOf = [...][]string{
	Separator: {"caption"},
	NameValue: {"name", "value", "decoration"},
	TextLine:  {"text", "decoration"},
	Space:     {},
}

func refParseLine(i int, raw json.RawMessage) (Line, []Warning, error) {
	lineErr := func(field string, err error) error { return &LineError{Line: i, Field: field, Err: err} }
	if k := refJsonKind(raw); k != "object" {
		return Line{}, nil, lineErr("", fmt.Errorf("%w: line is %s, want object", ErrFieldType, k))
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return Line{}, nil, lineErr("", refSyntaxError(err))
	}
	for key := range obj {
		if key != "type" && key != "value" {
			return Line{}, nil, lineErr(key, ErrUnknownField)
		}
	}
	typeName, err := refStringField(obj, "type", true)
	if err != nil {
		return Line{}, nil, lineErr("type", err)
	}
	var l Line
	switch typeName {
	case "separator":
		l.Type = Separator
	case "name-value":
		l.Type = NameValue
	case "textline":
		l.Type = TextLine
	case "space":
		l.Type = Space
	default:
		return Line{}, nil, lineErr("type", fmt.Errorf("%w %q (want separator, name-value, textline or space)", ErrUnknownType, typeName))
	}

	var value map[string]json.RawMessage
	switch rawValue, ok := obj["value"]; {
	case !ok || refJsonKind(rawValue) == "null":
		if l.Type != Space && l.Type != Separator {
			return Line{}, nil, lineErr("value", ErrMissingField)
		}
	case refJsonKind(rawValue) != "object":
		return Line{}, nil, lineErr("value", fmt.Errorf("%w: %s, want object", ErrFieldType, refJsonKind(rawValue)))
	default:
		if err := json.Unmarshal(rawValue, &value); err != nil {
			return Line{}, nil, lineErr("value", refSyntaxError(err))
		}
	}
	for key := range value {
		if !refContains(refFieldsOf[l.Type], key) {
			return Line{}, nil, lineErr("value."+key, fmt.Errorf("%w for a %s line", ErrUnknownField, l.Type))
		}
	}

	var warnings []Warning
	switch l.Type {
	case Separator:
		if l.Caption, err = refStringField(value, "caption", false); err != nil {
			return Line{}, nil, lineErr("value.caption", err)
		}
	case NameValue:
		if l.Name, err = refStringField(value, "name", true); err != nil {
			return Line{}, nil, lineErr("value.name", err)
		}
		if l.Value, err = refStringField(value, "value", true); err != nil {
			return Line{}, nil, lineErr("value.value", err)
		}
	case TextLine:
		if l.Text, err = refStringField(value, "text", true); err != nil {
			return Line{}, nil, lineErr("value.text", err)
		}
	}
	if l.Type == NameValue || l.Type == TextLine {
		l.Decoration, warnings, err = refParseDecoration(i, value["decoration"])
		if err != nil {
			return Line{}, nil, lineErr("value.decoration", err)
		}
	}
	return l, warnings, nil
}

func refContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// refStringField reads obj[key] as a string. A missing or null field is "" unless
// required.
func refStringField(obj map[string]json.RawMessage, key string, required bool) (string, error) {
	raw, ok := obj[key]
	if !ok || refJsonKind(raw) == "null" {
		if required {
			return "", ErrMissingField
		}
		return "", nil
	}
	if k := refJsonKind(raw); k != "string" {
		return "", fmt.Errorf("%w: %s, want string", ErrFieldType, k)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", refSyntaxError(err)
	}
	if len(s) > MaxFieldLength {
		return "", fmt.Errorf("%w: %d bytes > %d", ErrFieldTooLong, len(s), MaxFieldLength)
	}
	return s, nil
}

func refParseDecoration(line int, raw json.RawMessage) (Decoration, []Warning, error) {
	if len(raw) == 0 || refJsonKind(raw) == "null" {
		return 0, nil, nil
	}
	if refJsonKind(raw) != "array" {
		return 0, nil, fmt.Errorf("%w: %s, %v", ErrFieldType, refJsonKind(raw), errDecorationType)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return 0, nil, refSyntaxError(err)
	}
	var d Decoration
	var warnings []Warning
	for j, item := range items {
		if refJsonKind(item) != "string" {
			return 0, nil, fmt.Errorf("%w: item %d is %s, %v", ErrFieldType, j, refJsonKind(item), errDecorationType)
		}
		var name string
		if err := json.Unmarshal(item, &name); err != nil {
			return 0, nil, refSyntaxError(err)
		}
		switch name {
		case "important":
			d |= Important
		default:
			warnings = append(warnings, Warning{
				Line: line, Field: "value.decoration", Kind: WarnUnknownDecoration, Decoration: name,
			})
		}
	}
	return d, warnings, nil
}

// refJsonKind names the JSON type of a raw value by its first byte.
func refJsonKind(raw json.RawMessage) string {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}
