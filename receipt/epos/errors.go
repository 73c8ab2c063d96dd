package epos

import (
	"errors"
	"fmt"
)

// SchemaError is a request Epson's printers answer with code SchemaError:
// malformed XML, an element or attribute the schema does not have, a value
// out of range, image data whose length does not match its size, or an
// element this printer cannot carry out as asked.
type SchemaError struct {
	Element string // the element, "" for the document as a whole
	Attr    string // the attribute, "" for the element or its content
	Value   string // the offending value, cut to 40 bytes
	Reason  string
}

func (e *SchemaError) Error() string {
	where := "document"
	switch {
	case e.Element != "" && e.Attr != "":
		where = "<" + e.Element + " " + e.Attr + "=" + quote(e.Value) + ">"
	case e.Element != "":
		where = "<" + e.Element + ">"
	}
	return "epos: " + where + ": " + e.Reason
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// ErrTooLarge reports a body over the limit (Options.MaxBody): Epson's
// code RequestEntityTooLarge.
var ErrTooLarge = errors.New("epos: request body exceeds the limit")

func schemaErr(el, attr, val, format string, args ...any) error {
	return &SchemaError{Element: el, Attr: attr, Value: val, Reason: fmt.Sprintf(format, args...)}
}
