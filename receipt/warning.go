package receipt

import (
	"strconv"

	"github.com/secuprint/receipt/escpos"
)

// WarningKind classifies something that printed, but not as written.
type WarningKind uint8

const (
	// WarnUnknownDecoration: a decoration this renderer does not know; the
	// line prints without it.
	WarnUnknownDecoration WarningKind = iota + 1
	// WarnControlChar: a control character in the text was replaced so that
	// it cannot act as a printer command.
	WarnControlChar
	// WarnFallback: no code page of the printer holds a character; it printed
	// as a substitute.
	WarnFallback
)

func (k WarningKind) String() string {
	switch k {
	case WarnUnknownDecoration:
		return "unknown decoration"
	case WarnControlChar:
		return "control character replaced"
	case WarnFallback:
		return "character substituted"
	}
	return "WarningKind(" + strconv.Itoa(int(k)) + ")"
}

// Warning is one reported deviation, located by receipt line and field.
type Warning struct {
	Line       int
	Field      string
	Kind       WarningKind
	Decoration string          // WarnUnknownDecoration
	Fallback   escpos.Fallback // WarnControlChar, WarnFallback
}

func (w Warning) String() string {
	s := "receipt[" + strconv.Itoa(w.Line) + "]." + w.Field + ": " + w.Kind.String()
	switch w.Kind {
	case WarnUnknownDecoration:
		s += " " + strconv.Quote(w.Decoration)
	case WarnControlChar, WarnFallback:
		s += ": " + w.Fallback.String()
	}
	return s
}

// Report lists the warnings of one render. It is empty for a receipt that
// printed exactly as written.
type Report struct {
	Warnings []Warning
}
