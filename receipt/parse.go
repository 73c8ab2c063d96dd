// Package receipt turns the receipt lines of a secuconnect Smart Transaction
// into the bytes a printer prints: laid out for its profile and in its
// command language (ESC/POS, Star Line Mode, StarPRNT, or Star Graphic
// raster drawn by the paper engine) — the one place the language is
// decided. Preview and Renderer.PreviewTransaction draw bytes of any of
// these languages, or a transaction, as paper (escpos/paper).
package receipt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
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
	// Header and Footer are the ECR's own blocks around the receipt lines
	// (the posted document's top-level "header" and "footer" arrays).
	Header, Footer []Block
	// Warnings are things the parser accepted but did not understand, such
	// as an unknown decoration; the lines still print.
	Warnings []Warning

	basketJSON, basketInfoJSON []byte
	basket                     *basketOnce
	// headerJSON and footerJSON are the blocks' canonical JSON, for Digest.
	headerJSON, footerJSON []byte
}

type basketOnce struct {
	once   sync.Once
	basket *Basket
	err    error
}

// Basket reads the transaction's basket and basket_info, once. A
// transaction without either has an empty basket; a malformed one is a
// *BasketError. The Basket is shared: do not change it.
func (tx *Transaction) Basket() (*Basket, error) {
	if tx.basket == nil { // a Transaction not made by ParseTransaction
		return parseBasket(tx.basketJSON, tx.basketInfoJSON)
	}
	tx.basket.once.Do(func() { tx.basket.basket, tx.basket.err = parseBasket(tx.basketJSON, tx.basketInfoJSON) })
	return tx.basket.basket, tx.basket.err
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

// Is makes every LineError an ErrDocument.
func (e *LineError) Is(target error) bool { return target == ErrDocument }

// ParseTransaction reads a smart.transactions object, an object holding just
// {"receipt": [...]}, or a bare receipt array.
//
// It reads the document in one pass and copies every string it keeps into
// one allocation. It is stricter than encoding/json where leniency would
// hide a fault: a duplicate name (which of the two should print?) and
// invalid UTF-8 (which encoding/json silently replaces) are syntax errors.
func ParseTransaction(data []byte) (*Transaction, error) {
	data = bytes.TrimSpace(data) // more than JSON's whitespace, as it always was
	p := parsers.Get().(*parser)
	defer p.release()
	tx, err := p.parse(data)
	if err != nil && !errors.Is(err, ErrSyntax) {
		// A fault in the content is reported only for a well-formed
		// document: a syntax error anywhere comes first.
		if serr := validate(data); serr != nil {
			return nil, serr
		}
	}
	if err != nil {
		return nil, err
	}
	return tx, nil
}

// validate returns the syntax error of data, if any.
func validate(data []byte) error {
	d := jsontext.NewDecoder(bytes.NewReader(data))
	if err := d.SkipValue(); err != nil {
		return syntaxError(err)
	}
	if _, err := d.ReadToken(); !errors.Is(err, io.EOF) {
		if err == nil {
			err = errors.New("data after the document")
		}
		return syntaxError(err)
	}
	return nil
}

// parsers keeps parsers with their decoders' buffers warm.
var parsers = sync.Pool{New: func() any { return new(parser) }}

// span locates a string in parser.arena.
type span struct{ off, end int }

// rawLine is a line whose strings are still spans.
type rawLine struct {
	typ                        LineType
	caption, name, value, text span
	decoration                 Decoration
}

type parser struct {
	data    []byte
	in      bytes.Buffer // data, which the decoder reads in place
	dec     jsontext.Decoder
	sub     bytes.Reader // a span of data for sub
	subDec  jsontext.Decoder
	arena   []byte // every kept string, back to back
	lines   []rawLine
	scratch []byte // an object name with escapes, unquoted

	meta     [metaFields]span
	warnings []Warning
	// Raw top-level members read after the receipt: spans of data.
	header, footer, basket, basketInfo span
}

func (p *parser) release() {
	if cap(p.arena) > 1<<20 || cap(p.lines) > MaxLines { // keep no outsized buffers
		p.arena, p.lines = nil, nil
	}
	p.data = nil
	p.in.Reset()
	p.warnings = nil
	parsers.Put(p)
}

// The transaction's metadata fields, in Transaction order.
const (
	metaObject = iota
	metaID
	metaStatus
	metaTransID
	metaCreated
	metaPaymentMethod
	metaMerchant
	metaFields
)

var metaNames = map[string]int{
	"object": metaObject, "id": metaID, "status": metaStatus, "trans_id": metaTransID,
	"created": metaCreated, "payment_method": metaPaymentMethod,
}

func (p *parser) parse(data []byte) (*Transaction, error) {
	p.data = data
	p.in.Reset()
	p.in.Write(data)
	p.dec.Reset(&p.in)
	p.arena, p.lines = p.arena[:0], p.lines[:0]
	p.meta = [metaFields]span{}
	p.header, p.footer, p.basket, p.basketInfo = span{}, span{}, span{}, span{}

	switch p.dec.PeekKind() {
	case '[':
		if err := p.receipt(); err != nil {
			return nil, err
		}
	case '{':
		if err := p.transaction(); err != nil {
			return nil, err
		}
	case 'n':
		return nil, fmt.Errorf("receipt: %w", errNotAnObject)
	case 0: // not JSON
		_, err := p.dec.ReadToken()
		return nil, syntaxError(err)
	default: // a string, number or boolean: as encoding/json, a syntax error
		return nil, syntaxError(errNotAnObject)
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	tx := p.build()
	var err error
	// The header's and the footer's pictures share one budget: a request
	// costs at most MaxDocumentImageBytes of pictures, however many.
	budget := newImageBudget()
	if tx.Header, err = parseBlocks(p.raw(p.header), blockSource{section: "header", budget: budget}); err != nil {
		return nil, err
	}
	if tx.Footer, err = parseBlocks(p.raw(p.footer), blockSource{section: "footer", budget: budget}); err != nil {
		return nil, err
	}
	tx.headerJSON, tx.footerJSON = canonical(p.raw(p.header)), canonical(p.raw(p.footer))
	// The basket is read when a basket block prints it: a transaction
	// whose receipt prints without it is not refused for its basket.
	if p.basket.end > 0 || p.basketInfo.end > 0 {
		tx.basketJSON = canonical(p.raw(p.basket))
		tx.basketInfoJSON = canonical(p.raw(p.basketInfo))
		tx.basket = new(basketOnce)
	}
	return tx, nil
}

// raw returns a span of the document, nil for an absent member.
func (p *parser) raw(s span) []byte {
	if s.end == 0 {
		return nil
	}
	return p.data[s.off:s.end]
}

// rawMember records where the next value lies in data.
func (p *parser) rawMember(dst *span) error {
	v, err := p.dec.ReadValue()
	if err != nil {
		return syntaxError(err)
	}
	end := int(p.dec.InputOffset())
	*dst = span{end - len(v), end}
	return nil
}

// end checks that nothing but whitespace follows the document.
func (p *parser) end() error {
	if _, err := p.dec.ReadToken(); !errors.Is(err, io.EOF) {
		if err == nil {
			err = errors.New("data after the document")
		}
		return syntaxError(err)
	}
	return nil
}

// build makes the Transaction: one string holds all its text.
func (p *parser) build() *Transaction {
	text := string(p.arena)
	str := func(s span) string { return text[s.off:s.end] }
	tx := &Transaction{
		Object: str(p.meta[metaObject]), ID: str(p.meta[metaID]), Status: str(p.meta[metaStatus]),
		TransID: str(p.meta[metaTransID]), Created: str(p.meta[metaCreated]),
		PaymentMethod: str(p.meta[metaPaymentMethod]), Merchant: str(p.meta[metaMerchant]),
		Receipt:  make(Receipt, len(p.lines)),
		Warnings: p.warnings,
	}
	for i, l := range p.lines {
		tx.Receipt[i] = Line{Type: l.typ, Caption: str(l.caption), Name: str(l.name),
			Value: str(l.value), Text: str(l.text), Decoration: l.decoration}
	}
	return tx
}

func syntaxError(err error) error {
	return fmt.Errorf("receipt: %w: %v", ErrSyntax, err)
}

// transaction reads the top-level object: the receipt strictly, the
// metadata leniently (a non-string there is just empty).
func (p *parser) transaction() error {
	if _, err := p.dec.ReadToken(); err != nil { // {
		return syntaxError(err)
	}
	seen := false
	for p.dec.PeekKind() != '}' {
		name, err := p.name(&p.dec)
		if err != nil {
			return err
		}
		switch field, meta := metaNames[string(name)]; {
		case meta:
			if err := p.optionalString(&p.meta[field]); err != nil {
				return err
			}
		case string(name) == "merchant":
			if err := p.merchant(); err != nil {
				return err
			}
		case string(name) == "header":
			if err := p.rawMember(&p.header); err != nil {
				return err
			}
		case string(name) == "footer":
			if err := p.rawMember(&p.footer); err != nil {
				return err
			}
		case string(name) == "basket":
			if err := p.rawMember(&p.basket); err != nil {
				return err
			}
		case string(name) == "basket_info":
			if err := p.rawMember(&p.basketInfo); err != nil {
				return err
			}
		case string(name) == "receipt":
			seen = true
			switch k := p.dec.PeekKind(); k {
			case 'n':
				seen = false
				if err := p.dec.SkipValue(); err != nil {
					return syntaxError(err)
				}
			case '[':
				if err := p.receipt(); err != nil {
					return err
				}
			default:
				return fmt.Errorf("receipt: %w: receipt is %s, want array", ErrFieldType, kindName(k))
			}
		default:
			if err := p.dec.SkipValue(); err != nil {
				return syntaxError(err)
			}
		}
	}
	if _, err := p.dec.ReadToken(); err != nil { // }
		return syntaxError(err)
	}
	if !seen {
		return fmt.Errorf("receipt: %w", ErrNoReceipt)
	}
	return nil
}

// merchant reads merchant.companyname; its field name matches in any case,
// as encoding/json matched it.
func (p *parser) merchant() error {
	if p.dec.PeekKind() != '{' {
		if err := p.dec.SkipValue(); err != nil {
			return syntaxError(err)
		}
		return nil
	}
	if _, err := p.dec.ReadToken(); err != nil {
		return syntaxError(err)
	}
	for p.dec.PeekKind() != '}' {
		name, err := p.name(&p.dec)
		if err != nil {
			return err
		}
		if !bytes.EqualFold(name, []byte("companyname")) {
			if err := p.dec.SkipValue(); err != nil {
				return syntaxError(err)
			}
			continue
		}
		if err := p.optionalString(&p.meta[metaMerchant]); err != nil {
			return err
		}
	}
	if _, err := p.dec.ReadToken(); err != nil {
		return syntaxError(err)
	}
	return nil
}

// optionalString reads a value into dst if it is a string.
func (p *parser) optionalString(dst *span) error {
	v, err := p.dec.ReadValue()
	if err != nil {
		return syntaxError(err)
	}
	*dst = span{}
	if v.Kind() == '"' {
		if *dst, err = p.unquote(v); err != nil {
			return syntaxError(err)
		}
	}
	return nil
}

// name reads an object member's name. The bytes are valid until the next
// read.
func (p *parser) name(d *jsontext.Decoder) ([]byte, error) {
	v, err := d.ReadValue()
	if err != nil {
		return nil, syntaxError(err)
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return v[1 : len(v)-1], nil
	}
	if p.scratch, err = jsontext.AppendUnquote(p.scratch[:0], v); err != nil {
		return nil, syntaxError(err)
	}
	return p.scratch, nil
}

// unquote appends a JSON string's value to the arena.
func (p *parser) unquote(v jsontext.Value) (span, error) {
	s := span{off: len(p.arena)}
	var err error
	if bytes.IndexByte(v, '\\') < 0 {
		p.arena = append(p.arena, v[1:len(v)-1]...)
	} else if p.arena, err = jsontext.AppendUnquote(p.arena, v); err != nil {
		return span{}, err
	}
	s.end = len(p.arena)
	return s, nil
}

// receipt reads the array of lines.
func (p *parser) receipt() error {
	if _, err := p.dec.ReadToken(); err != nil { // [
		return syntaxError(err)
	}
	for i := 0; p.dec.PeekKind() != ']'; i++ {
		if i == MaxLines {
			return fmt.Errorf("receipt: %w: more than %d", ErrTooManyLines, MaxLines)
		}
		if err := p.line(i); err != nil {
			return err
		}
	}
	if _, err := p.dec.ReadToken(); err != nil { // ]
		return syntaxError(err)
	}
	return nil
}

// fieldsOf lists the value fields each line type has.
var fieldsOf = [...][]string{
	Separator: {"caption"},
	NameValue: {"name", "value", "decoration"},
	TextLine:  {"text", "decoration"},
	Space:     {},
}

// A line's members are collected first and checked after, in a fixed
// order, so the fault reported does not depend on the order of names.
func (p *parser) line(i int) error {
	lineErr := func(field string, err error) error { return &LineError{Line: i, Field: field, Err: err} }
	if k := p.dec.PeekKind(); k != '{' {
		v, err := p.dec.ReadValue()
		if err != nil {
			return syntaxError(err)
		}
		return lineErr("", fmt.Errorf("%w: line is %s, want object", ErrFieldType, kindName(v.Kind())))
	}
	if _, err := p.dec.ReadToken(); err != nil {
		return syntaxError(err)
	}
	var typ jsontext.Value // in data, which stays put
	var typeSeen, valueSeen bool
	var valueSpan span
	for p.dec.PeekKind() != '}' {
		name, err := p.name(&p.dec)
		if err != nil {
			return err
		}
		switch string(name) {
		case "type":
			v, err := p.dec.ReadValue()
			if err != nil {
				return syntaxError(err)
			}
			end := int(p.dec.InputOffset())
			typ, typeSeen = p.data[end-len(v):end], true
		case "value":
			v, err := p.dec.ReadValue()
			if err != nil {
				return syntaxError(err)
			}
			end := int(p.dec.InputOffset())
			valueSpan, valueSeen = span{end - len(v), end}, true
		default:
			return lineErr(string(name), ErrUnknownField)
		}
	}
	if _, err := p.dec.ReadToken(); err != nil {
		return syntaxError(err)
	}

	var l rawLine
	switch {
	case !typeSeen || typ.Kind() == 'n':
		return lineErr("type", ErrMissingField)
	case typ.Kind() != '"':
		return lineErr("type", fmt.Errorf("%w: %s, want string", ErrFieldType, kindName(typ.Kind())))
	}
	switch string(typ) {
	case `"separator"`:
		l.typ = Separator
	case `"name-value"`:
		l.typ = NameValue
	case `"textline"`:
		l.typ = TextLine
	case `"space"`:
		l.typ = Space
	default:
		name, err := jsontext.AppendUnquote(nil, typ)
		if err != nil {
			return lineErr("type", syntaxError(err))
		}
		switch string(name) { // spelt with escapes
		case "separator":
			l.typ = Separator
		case "name-value":
			l.typ = NameValue
		case "textline":
			l.typ = TextLine
		case "space":
			l.typ = Space
		default:
			return lineErr("type", fmt.Errorf("%w %q (want separator, name-value, textline or space)", ErrUnknownType, name))
		}
	}

	var fields valueFields
	switch {
	case !valueSeen || p.data[valueSpan.off] == 'n':
		if l.typ != Space && l.typ != Separator {
			return lineErr("value", ErrMissingField)
		}
	case p.data[valueSpan.off] != '{':
		return lineErr("value", fmt.Errorf("%w: %s, want object", ErrFieldType, kindName(jsontext.Value(p.data[valueSpan.off:valueSpan.end]).Kind())))
	default:
		var err error
		if fields, err = p.valueFields(i, l.typ, p.data[valueSpan.off:valueSpan.end]); err != nil {
			return err
		}
	}

	var err error
	switch l.typ {
	case Separator:
		if l.caption, err = p.stringField(fields.caption, false); err != nil {
			return lineErr("value.caption", err)
		}
	case NameValue:
		if l.name, err = p.stringField(fields.name, true); err != nil {
			return lineErr("value.name", err)
		}
		if l.value, err = p.stringField(fields.value, true); err != nil {
			return lineErr("value.value", err)
		}
	case TextLine:
		if l.text, err = p.stringField(fields.text, true); err != nil {
			return lineErr("value.text", err)
		}
	}
	if l.typ == NameValue || l.typ == TextLine {
		if l.decoration, err = p.decoration(i, fields.decoration); err != nil {
			return lineErr("value.decoration", err)
		}
	}
	p.lines = append(p.lines, l)
	return nil
}

// valueFields holds a value object's members as raw JSON; nil: absent.
type valueFields struct{ caption, name, value, text, decoration []byte }

// valueFields reads a line's value object, a valid JSON object.
func (p *parser) valueFields(i int, typ LineType, raw []byte) (valueFields, error) {
	var f valueFields
	p.sub.Reset(raw)
	p.subDec.Reset(&p.sub)
	if _, err := p.subDec.ReadToken(); err != nil {
		return f, syntaxError(err)
	}
	for p.subDec.PeekKind() != '}' {
		name, err := p.name(&p.subDec)
		if err != nil {
			return f, err
		}
		var dst *[]byte
		switch string(name) {
		case "caption":
			dst = &f.caption
		case "name":
			dst = &f.name
		case "value":
			dst = &f.value
		case "text":
			dst = &f.text
		case "decoration":
			dst = &f.decoration
		}
		if dst == nil || !slices.Contains(fieldsOf[typ], string(name)) {
			return f, &LineError{Line: i, Field: "value." + string(name), Err: fmt.Errorf("%w for a %s line", ErrUnknownField, typ)}
		}
		v, err := p.subDec.ReadValue()
		if err != nil {
			return f, syntaxError(err)
		}
		end := int(p.subDec.InputOffset())
		*dst = raw[end-len(v) : end]
	}
	return f, nil
}

// stringField reads a raw JSON value as a string. A missing or null field
// is empty unless required.
func (p *parser) stringField(raw []byte, required bool) (span, error) {
	if raw == nil || raw[0] == 'n' {
		if required {
			return span{}, ErrMissingField
		}
		return span{}, nil
	}
	if raw[0] != '"' {
		return span{}, fmt.Errorf("%w: %s, want string", ErrFieldType, kindName(jsontext.Value(raw).Kind()))
	}
	s, err := p.unquote(raw)
	if err != nil {
		return span{}, syntaxError(err)
	}
	if n := s.end - s.off; n > MaxFieldLength {
		return span{}, fmt.Errorf("%w: %d bytes > %d", ErrFieldTooLong, n, MaxFieldLength)
	}
	return s, nil
}

func (p *parser) decoration(line int, raw []byte) (Decoration, error) {
	if raw == nil || raw[0] == 'n' {
		return 0, nil
	}
	if raw[0] != '[' {
		return 0, fmt.Errorf("%w: %s, %v", ErrFieldType, kindName(jsontext.Value(raw).Kind()), errDecorationType)
	}
	p.sub.Reset(raw)
	p.subDec.Reset(&p.sub)
	if _, err := p.subDec.ReadToken(); err != nil {
		return 0, syntaxError(err)
	}
	var d Decoration
	for j := 0; p.subDec.PeekKind() != ']'; j++ {
		v, err := p.subDec.ReadValue()
		if err != nil {
			return 0, syntaxError(err)
		}
		if v.Kind() != '"' {
			return 0, fmt.Errorf("%w: item %d is %s, %v", ErrFieldType, j, kindName(v.Kind()), errDecorationType)
		}
		switch string(v) {
		case `"important"`:
			d |= Important
			continue
		}
		name, err := jsontext.AppendUnquote(nil, v)
		if err != nil {
			return 0, syntaxError(err)
		}
		if string(name) == "important" {
			d |= Important
			continue
		}
		p.warnings = append(p.warnings, Warning{
			Line: line, Field: "value.decoration", Kind: WarnUnknownDecoration, Decoration: string(name),
		})
	}
	return d, nil
}

// kindName names a JSON kind as the error messages do.
func kindName(k jsontext.Kind) string {
	switch k {
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
	case '0':
		return "number"
	}
	return "nothing"
}
