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
	// WarnCodeAsImage: the printer has no command for a QR code or barcode,
	// so it printed as a picture of the same symbol; or it keeps no stored
	// logos, so a logo asked for by key printed as its picture.
	WarnCodeAsImage
	// WarnBasketSum: the products do not add up to basket_info.sum; the
	// receipt prints the products' total.
	WarnBasketSum
	// WarnNoBasket: a basket block, but the transaction has no basket.
	WarnNoBasket
	// WarnNoGraphics: the printer prints no images (an impact printer, a
	// customer display): a picture is left out, a code prints as its text.
	WarnNoGraphics
	// WarnNotStored: a document's own picture asked to be stored in the
	// printer's NV memory; only the printer's template may store a logo
	// (NV memory wears out), so it printed as a raster.
	WarnNotStored
	// WarnTwoHeaders: the printer's template and the document both bring
	// a header (or both a footer): both print, so the shop's name, the
	// basket or a QR code may print twice.
	WarnTwoHeaders
	// WarnQuietZone: a 1D barcode fits the head but not with its quiet
	// zone (10 modules each side): it printed centred and may scan poorly.
	WarnQuietZone
)

func (k WarningKind) String() string {
	switch k {
	case WarnUnknownDecoration:
		return "unknown decoration"
	case WarnControlChar:
		return "control character replaced"
	case WarnFallback:
		return "character substituted"
	case WarnCodeAsImage:
		return "printed as an image"
	case WarnBasketSum:
		return "basket sum mismatch"
	case WarnNoBasket:
		return "no basket"
	case WarnNoGraphics:
		return "printer has no graphics"
	case WarnNotStored:
		return "printed as a raster, not stored"
	case WarnTwoHeaders:
		return "template and document both bring one"
	case WarnQuietZone:
		return "barcode quiet zone does not fit"
	}
	return "WarningKind(" + strconv.Itoa(int(k)) + ")"
}

// Warning is one reported deviation, located by receipt line and field.
type Warning struct {
	// Section is "" for the receipt's lines, else the blocks' section
	// ("header", "footer", "template.header", …); Line indexes it.
	Section    string
	Line       int
	Field      string
	Kind       WarningKind
	Decoration string          // WarnUnknownDecoration
	Fallback   escpos.Fallback // WarnControlChar, WarnFallback
	Detail     string          // WarnCodeAsImage, WarnBasketSum, WarnNoBasket, WarnNoGraphics, WarnNotStored, WarnTwoHeaders, WarnQuietZone
}

func (w Warning) String() string {
	section := w.Section
	if section == "" {
		section = "receipt"
	}
	s := section + "[" + strconv.Itoa(w.Line) + "]"
	if w.Field != "" {
		s += "." + w.Field
	}
	s += ": " + w.Kind.String()
	switch w.Kind {
	case WarnUnknownDecoration:
		s += " " + strconv.Quote(w.Decoration)
	case WarnControlChar, WarnFallback:
		s += ": " + w.Fallback.String()
	default:
		if w.Detail != "" {
			s += ": " + w.Detail
		}
	}
	return s
}

// Report lists the warnings of one render. It is empty for a receipt that
// printed exactly as written.
type Report struct {
	Warnings []Warning
	// Logos are the stored logos the receipt prints by key (Options.Logos
	// is LogoStored): the printer must hold each before the receipt goes
	// out. AppendDefineLogos sends them.
	Logos []StoredLogo
}

// StoredLogo is a logo a receipt prints from the printer's NV memory.
type StoredLogo struct {
	Key    escpos.LogoKey
	Hash   [32]byte // of the PNG
	Raster *escpos.Raster
}
