package escpos

import "fmt"

// Font selects a printer font (ESC M n).
type Font uint8

const (
	FontA Font = iota
	FontB
	FontC
)

// Valid reports whether f is a font ESC M can select.
func (f Font) Valid() bool { return f <= FontC }

func (f Font) String() string {
	switch f {
	case FontA:
		return "A"
	case FontB:
		return "B"
	case FontC:
		return "C"
	}
	return fmt.Sprintf("Font(%d)", uint8(f))
}

// ParseFont reads "A", "B" or "C" (as used on command lines).
func ParseFont(s string) (Font, error) {
	switch s {
	case "A", "a", "0":
		return FontA, nil
	case "B", "b", "1":
		return FontB, nil
	case "C", "c", "2":
		return FontC, nil
	}
	return 0, fmt.Errorf("escpos: unknown font %q (want A, B or C)", s)
}

// Justification is the line alignment set by ESC a n.
type Justification uint8

const (
	JustifyLeft Justification = iota
	JustifyCenter
	JustifyRight
)

func (j Justification) Valid() bool { return j <= JustifyRight }

func (j Justification) String() string {
	switch j {
	case JustifyLeft:
		return "left"
	case JustifyCenter:
		return "center"
	case JustifyRight:
		return "right"
	}
	return fmt.Sprintf("Justification(%d)", uint8(j))
}

// CutMode says whether and how the paper is cut (GS V).
type CutMode uint8

const (
	CutNone CutMode = iota
	CutPartial
	CutFull
)

func (c CutMode) Valid() bool { return c <= CutFull }

func (c CutMode) String() string {
	switch c {
	case CutNone:
		return "off"
	case CutPartial:
		return "partial"
	case CutFull:
		return "full"
	}
	return fmt.Sprintf("CutMode(%d)", uint8(c))
}

// ParseCutMode reads "off", "partial" or "full".
func ParseCutMode(s string) (CutMode, error) {
	switch s {
	case "off", "none", "":
		return CutNone, nil
	case "partial":
		return CutPartial, nil
	case "full":
		return CutFull, nil
	}
	return 0, fmt.Errorf("escpos: unknown cut mode %q (want off, partial or full)", s)
}

// Magnification is a character scale factor, 1 to 8 (GS !).
type Magnification uint8

// Valid reports whether m is a factor GS ! can express.
func (m Magnification) Valid() bool { return m >= 1 && m <= 8 }

// Size is a character size: width and height factors.
type Size struct {
	Width, Height Magnification
}

// Normal is the 1×1 size the printer starts in.
var Normal = Size{1, 1}

func (s Size) Valid() bool { return s.Width.Valid() && s.Height.Valid() }

// Drawer selects the cash drawer kick-out connector pin for ESC p.
type Drawer uint8

const (
	DrawerPin2 Drawer = iota
	DrawerPin5
)

func (d Drawer) Valid() bool { return d <= DrawerPin5 }

// StatusKind is the n of a DLE EOT n real-time status request.
type StatusKind uint8

const (
	StatusPrinter StatusKind = 1
	StatusOffline StatusKind = 2
	StatusError   StatusKind = 3
	StatusPaper   StatusKind = 4
)

func (k StatusKind) Valid() bool { return k >= StatusPrinter && k <= StatusPaper }
