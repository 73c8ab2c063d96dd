// Package receipt turns the receipt lines of a secuconnect Smart Transaction
// into laid-out ESC/POS for a printer profile.
package receipt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// LineType is the "type" of a receipt line.
type LineType uint8

const (
	Separator LineType = iota + 1
	NameValue
	TextLine
	Space
)

var lineTypeNames = [...]string{Separator: "separator", NameValue: "name-value", TextLine: "textline", Space: "space"}

func (t LineType) String() string {
	if t >= Separator && t <= Space {
		return lineTypeNames[t]
	}
	return "LineType(" + strconv.Itoa(int(t)) + ")"
}

// Decoration is a set of line decorations.
type Decoration uint8

// Important lines are emphasised.
const Important Decoration = 1 << 0

// Line is one receipt line. Which fields matter depends on Type.
type Line struct {
	Type       LineType
	Caption    string // Separator; may be empty
	Name       string // NameValue
	Value      string // NameValue
	Text       string // TextLine
	Decoration Decoration
}

// Receipt is the ordered list of lines to print.
type Receipt []Line

// Transaction is the part of a smart.transactions object a printer needs.
type Transaction struct {
	Object        string
	ID            string
	Status        string
	TransID       string
	Created       string
	PaymentMethod string
	Merchant      string // merchant.companyname
	Receipt       Receipt
	// Warnings are things the parser accepted but did not understand, such
	// as an unknown decoration; the lines still print.
	Warnings []Warning
}

// Parse errors; a *LineError wraps one of these for line-level faults.
var (
	ErrSyntax         = errors.New("not valid JSON")
	ErrNoReceipt      = errors.New("no receipt array")
	ErrUnknownType    = errors.New("unknown line type")
	ErrFieldType      = errors.New("wrong field type")
	ErrMissingField   = errors.New("missing field")
	ErrUnknownField   = errors.New("unknown field")
	ErrTooManyLines   = errors.New("too many receipt lines")
	ErrFieldTooLong   = errors.New("field too long")
	errNotAnObject    = errors.New("want an object or an array")
	errDecorationType = errors.New("decoration must be an array of strings")
)

// Limits that keep a hostile document from costing unbounded paper or memory.
const (
	MaxLines       = 10000
	MaxFieldLength = 4096 // bytes
)

// LineError says which receipt line and field a parse fault is in.
type LineError struct {
	Line  int    // index in the receipt array
	Field string // e.g. "value.caption"; empty for the line itself
	Err   error
}

func (e *LineError) Error() string {
	loc := "receipt[" + strconv.Itoa(e.Line) + "]"
	if e.Field != "" {
		loc += "." + e.Field
	}
	return "receipt: " + loc + ": " + e.Err.Error()
}

func (e *LineError) Unwrap() error { return e.Err }

// ParseTransaction reads a smart.transactions object, an object holding just
// {"receipt": [...]}, or a bare receipt array.
func ParseTransaction(data []byte) (*Transaction, error) {
	data = bytes.TrimSpace(data)
	tx := &Transaction{}
	if len(data) > 0 && data[0] == '[' {
		var err error
		tx.Receipt, tx.Warnings, err = parseLines(data)
		return tx, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, syntaxError(err)
	}
	if top == nil {
		return nil, fmt.Errorf("receipt: %w", errNotAnObject)
	}
	for key, dst := range map[string]*string{
		"object": &tx.Object, "id": &tx.ID, "status": &tx.Status, "trans_id": &tx.TransID,
		"created": &tx.Created, "payment_method": &tx.PaymentMethod,
	} {
		*dst = optionalString(top[key])
	}
	if m, ok := top["merchant"]; ok {
		var merchant struct {
			CompanyName json.RawMessage `json:"companyname"`
		}
		if json.Unmarshal(m, &merchant) == nil {
			tx.Merchant = optionalString(merchant.CompanyName)
		}
	}
	raw, ok := top["receipt"]
	if !ok || jsonKind(raw) == "null" {
		return nil, fmt.Errorf("receipt: %w", ErrNoReceipt)
	}
	if jsonKind(raw) != "array" {
		return nil, fmt.Errorf("receipt: %w: receipt is %s, want array", ErrFieldType, jsonKind(raw))
	}
	var err error
	tx.Receipt, tx.Warnings, err = parseLines(raw)
	if err != nil {
		return nil, err
	}
	return tx, nil
}

func syntaxError(err error) error {
	return fmt.Errorf("receipt: %w: %v", ErrSyntax, err)
}

// optionalString returns a JSON string's value, or "" for anything else: the
// transaction's metadata is informative, only the receipt lines are strict.
func optionalString(raw json.RawMessage) string {
	var s string
	if jsonKind(raw) == "string" && json.Unmarshal(raw, &s) == nil {
		return s
	}
	return ""
}

func parseLines(data []byte) (Receipt, []Warning, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		return nil, nil, syntaxError(err)
	}
	if len(raws) > MaxLines {
		return nil, nil, fmt.Errorf("receipt: %w: %d > %d", ErrTooManyLines, len(raws), MaxLines)
	}
	lines := make(Receipt, 0, len(raws))
	var warnings []Warning
	for i, raw := range raws {
		l, w, err := parseLine(i, raw)
		if err != nil {
			return nil, nil, err
		}
		warnings = append(warnings, w...)
		lines = append(lines, l)
	}
	return lines, warnings, nil
}

// fieldsOf lists the value fields each line type has.
var fieldsOf = [...][]string{
	Separator: {"caption"},
	NameValue: {"name", "value", "decoration"},
	TextLine:  {"text", "decoration"},
	Space:     {},
}

func parseLine(i int, raw json.RawMessage) (Line, []Warning, error) {
	lineErr := func(field string, err error) error { return &LineError{Line: i, Field: field, Err: err} }
	if k := jsonKind(raw); k != "object" {
		return Line{}, nil, lineErr("", fmt.Errorf("%w: line is %s, want object", ErrFieldType, k))
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return Line{}, nil, lineErr("", syntaxError(err))
	}
	for key := range obj {
		if key != "type" && key != "value" {
			return Line{}, nil, lineErr(key, ErrUnknownField)
		}
	}
	typeName, err := stringField(obj, "type", true)
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
	case !ok || jsonKind(rawValue) == "null":
		if l.Type != Space && l.Type != Separator {
			return Line{}, nil, lineErr("value", ErrMissingField)
		}
	case jsonKind(rawValue) != "object":
		return Line{}, nil, lineErr("value", fmt.Errorf("%w: %s, want object", ErrFieldType, jsonKind(rawValue)))
	default:
		if err := json.Unmarshal(rawValue, &value); err != nil {
			return Line{}, nil, lineErr("value", syntaxError(err))
		}
	}
	for key := range value {
		if !contains(fieldsOf[l.Type], key) {
			return Line{}, nil, lineErr("value."+key, fmt.Errorf("%w for a %s line", ErrUnknownField, l.Type))
		}
	}

	var warnings []Warning
	switch l.Type {
	case Separator:
		if l.Caption, err = stringField(value, "caption", false); err != nil {
			return Line{}, nil, lineErr("value.caption", err)
		}
	case NameValue:
		if l.Name, err = stringField(value, "name", true); err != nil {
			return Line{}, nil, lineErr("value.name", err)
		}
		if l.Value, err = stringField(value, "value", true); err != nil {
			return Line{}, nil, lineErr("value.value", err)
		}
	case TextLine:
		if l.Text, err = stringField(value, "text", true); err != nil {
			return Line{}, nil, lineErr("value.text", err)
		}
	}
	if l.Type == NameValue || l.Type == TextLine {
		l.Decoration, warnings, err = parseDecoration(i, value["decoration"])
		if err != nil {
			return Line{}, nil, lineErr("value.decoration", err)
		}
	}
	return l, warnings, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// stringField reads obj[key] as a string. A missing or null field is "" unless
// required.
func stringField(obj map[string]json.RawMessage, key string, required bool) (string, error) {
	raw, ok := obj[key]
	if !ok || jsonKind(raw) == "null" {
		if required {
			return "", ErrMissingField
		}
		return "", nil
	}
	if k := jsonKind(raw); k != "string" {
		return "", fmt.Errorf("%w: %s, want string", ErrFieldType, k)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", syntaxError(err)
	}
	if len(s) > MaxFieldLength {
		return "", fmt.Errorf("%w: %d bytes > %d", ErrFieldTooLong, len(s), MaxFieldLength)
	}
	return s, nil
}

func parseDecoration(line int, raw json.RawMessage) (Decoration, []Warning, error) {
	if len(raw) == 0 || jsonKind(raw) == "null" {
		return 0, nil, nil
	}
	if jsonKind(raw) != "array" {
		return 0, nil, fmt.Errorf("%w: %s, %v", ErrFieldType, jsonKind(raw), errDecorationType)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return 0, nil, syntaxError(err)
	}
	var d Decoration
	var warnings []Warning
	for j, item := range items {
		if jsonKind(item) != "string" {
			return 0, nil, fmt.Errorf("%w: item %d is %s, %v", ErrFieldType, j, jsonKind(item), errDecorationType)
		}
		var name string
		if err := json.Unmarshal(item, &name); err != nil {
			return 0, nil, syntaxError(err)
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

// jsonKind names the JSON type of a raw value by its first byte.
func jsonKind(raw json.RawMessage) string {
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
