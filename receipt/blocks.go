package receipt

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/secuprint/receipt/escpos"
)

// BlockType is the "type" of a header or footer block: the four receipt
// line types and the blocks an ECR or a printer's template adds around them.
type BlockType uint8

const (
	BlockSeparator BlockType = iota + 1
	BlockNameValue
	BlockTextLine
	BlockSpace
	BlockImage
	BlockQR
	BlockBarcode
	BlockBasket
	BlockRule
	BlockFeed
	BlockCut
	BlockDrawer
)

var blockTypeNames = [...]string{
	BlockSeparator: "separator", BlockNameValue: "name-value", BlockTextLine: "textline", BlockSpace: "space",
	BlockImage: "image", BlockQR: "qr", BlockBarcode: "barcode", BlockBasket: "basket",
	BlockRule: "rule", BlockFeed: "feed", BlockCut: "cut", BlockDrawer: "drawer",
}

func (t BlockType) String() string {
	if t >= BlockSeparator && t <= BlockDrawer {
		return blockTypeNames[t]
	}
	return "BlockType(" + strconv.Itoa(int(t)) + ")"
}

// Block is one element of a document's header or footer.
type Block struct {
	Type BlockType
	// Line is the text of the four receipt line types, exactly as a
	// receipt line of that type.
	Line Line
	// Align places images, codes and the drawn rule; centred by default.
	Align   escpos.Justification
	Image   *Image         // BlockImage
	QR      escpos.QR      // BlockQR
	Barcode escpos.Barcode // BlockBarcode
	Lines   int            // BlockFeed
	Cut     escpos.CutMode // BlockCut
	Pin     escpos.Drawer  // BlockDrawer
	Rule    byte           // BlockRule: the character drawn, '-' by default
}

// Image is a picture to print: decoded, bounded, and hashed so a stored
// logo is sent to a printer only when it changes.
type Image struct {
	Img    image.Image
	Dither escpos.Dither
	// Width scales the picture to this many dots (never wider than the
	// head); 0 prints it at its own width, or the head's if wider.
	Width int
	// Store marks a logo to keep in the printer's NV memory under Key: it
	// is defined once and then printed by key (a few bytes a receipt).
	Store bool
	Key   escpos.LogoKey
	// Hash is SHA-256 of the PNG, the identity of a stored logo.
	Hash [32]byte
	// template: the picture is a template's, printed on every receipt, so
	// its raster is worth keeping; a request's picture is not kept.
	template bool
}

// Limits on images from outside, checked before any pixel is decoded so
// one request's memory stays bounded: a PNG of at most MaxImageBytes, at
// most MaxImageWidth × escpos.MaxImageHeight pixels and MaxImagePixels,
// and all pictures of one document together at most MaxDocumentImageBytes
// once decoded (see image.go).
const (
	MaxImageBytes  = 512 << 10
	MaxImageWidth  = 4096
	MaxImagePixels = 4 << 20
	// MaxDocumentImageBytes bounds the memory the decoded pictures of one
	// document (a transaction's header and footer, or one template) take
	// together: 8 Mpixel of a grey or palette PNG, 2 Mpixel of RGBA,
	// 1 Mpixel of 16-bit RGBA.
	MaxDocumentImageBytes = 8 << 20
	MaxFeedLines          = 255
	MaxBlocks             = 1000
	MaxCodeData           = 7089 // the most a QR code holds (numeric, level L)
)

// DefaultLogoKey is the NV graphics key a stored logo uses unless its block
// names one.
var DefaultLogoKey = escpos.LogoKey{'L', 'G'}

// Block parse errors.
var (
	ErrUnknownBlock = errors.New("unknown block type")
	ErrBadImage     = errors.New("bad image")
	ErrBadValue     = errors.New("bad value")
)

// BlockError says which block, and which field of it, a fault is in.
type BlockError struct {
	Section string // "header", "footer", or "template.header" …
	Index   int
	Field   string // e.g. "value.data"; empty for the block itself
	Err     error
}

func (e *BlockError) Error() string {
	loc := e.Section + "[" + strconv.Itoa(e.Index) + "]"
	if e.Field != "" {
		loc += "." + e.Field
	}
	return "receipt: " + loc + ": " + e.Err.Error()
}

func (e *BlockError) Unwrap() error { return e.Err }

// Is makes every BlockError an ErrDocument.
func (e *BlockError) Is(target error) bool { return target == ErrDocument }

// ErrDocument matches (errors.Is) every error that rejects the document
// itself: a receipt line (LineError), a block (BlockError, also one found
// only while encoding, such as a code too wide for the head) or the basket
// (BasketError). A caller maps it to "rejected input" (the CLI's exit 3,
// HTTP 422) with no case per kind; errors.As still finds which one.
var ErrDocument = errors.New("document rejected")

// blockSource says where blocks come from: only a printer's template, set
// up by whoever runs the service, may read image files from its disk.
type blockSource struct {
	section string
	// readFile, when set, loads an image block's "file" (templates only).
	readFile func(name string) ([]byte, error)
	// budget is what the document's pictures may still take when decoded;
	// nil: a fresh MaxDocumentImageBytes.
	budget *imageBudget
}

type rawBlock struct {
	Type  jsontext.Value `json:"type"`
	Value jsontext.Value `json:"value"`
}

type rawImage struct {
	PNG    *string `json:"png"`
	File   *string `json:"file"`
	Align  string  `json:"align"`
	Dither string  `json:"dither"`
	Width  int     `json:"width"`
	Store  bool    `json:"store"`
	Key    string  `json:"key"`
}

type rawQR struct {
	Data  string `json:"data"`
	Size  *int   `json:"size"`
	ECC   string `json:"ecc"`
	Align string `json:"align"`
}

type rawBarcode struct {
	Symbology string `json:"symbology"`
	Data      string `json:"data"`
	HRI       string `json:"hri"`
	Height    *int   `json:"height"`
	Width     *int   `json:"width"`
	Align     string `json:"align"`
}

type rawFeed struct {
	Lines *int `json:"lines"`
}

type rawCut struct {
	Mode string `json:"mode"`
}

type rawDrawer struct {
	Pin *int `json:"pin"`
}

type rawRule struct {
	Char string `json:"char"`
}

// strict is how block values are read: an unknown member is a mistake to
// report, not to ignore (a misspelt "szie" must not print a default size).
var strict = json.RejectUnknownMembers(true)

// parseBlocks reads a header or footer array.
func parseBlocks(raw []byte, src blockSource) ([]Block, error) {
	if len(raw) == 0 || raw[0] == 'n' {
		return nil, nil
	}
	var items []jsontext.Value
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("receipt: %s: %w: %v", src.section, ErrFieldType, err)
	}
	if len(items) > MaxBlocks {
		return nil, fmt.Errorf("receipt: %s: %w: more than %d blocks", src.section, ErrTooManyLines, MaxBlocks)
	}
	blocks := make([]Block, 0, len(items))
	for i, item := range items {
		b, err := parseBlock(item, src)
		if err != nil {
			var be *BlockError
			if errors.As(err, &be) {
				be.Section, be.Index = src.section, i
				return nil, be
			}
			return nil, &BlockError{Section: src.section, Index: i, Err: err}
		}
		blocks = append(blocks, b)
	}
	return blocks, nil
}

func fieldErr(field string, err error) error { return &BlockError{Field: field, Err: err} }

func parseBlock(item jsontext.Value, src blockSource) (Block, error) {
	var b Block
	if item.Kind() != '{' {
		return b, fmt.Errorf("%w: block is %s, want object", ErrFieldType, kindName(item.Kind()))
	}
	var rb rawBlock
	if err := json.Unmarshal(item, &rb, strict); err != nil {
		return b, fmt.Errorf("%w: %v", ErrUnknownField, err)
	}
	if len(rb.Type) == 0 || rb.Type.Kind() == 'n' {
		return b, fieldErr("type", ErrMissingField)
	}
	if rb.Type.Kind() != '"' {
		return b, fieldErr("type", fmt.Errorf("%w: %s, want string", ErrFieldType, kindName(rb.Type.Kind())))
	}
	name, err := jsontext.AppendUnquote(nil, rb.Type)
	if err != nil {
		return b, fieldErr("type", syntaxError(err))
	}
	for t := BlockSeparator; t <= BlockDrawer; t++ {
		if blockTypeNames[t] == string(name) {
			b.Type = t
		}
	}
	b.Align = escpos.JustifyCenter
	value := []byte(rb.Value)
	hasValue := len(value) > 0 && value[0] != 'n'
	if hasValue && value[0] != '{' {
		return b, fieldErr("value", fmt.Errorf("%w: %s, want object", ErrFieldType, kindName(rb.Value.Kind())))
	}
	unmarshal := func(dst any) error {
		if !hasValue {
			return nil
		}
		if err := json.Unmarshal(value, dst, strict); err != nil {
			return fieldErr("value", fmt.Errorf("%w: %v", ErrBadValue, err))
		}
		return nil
	}
	switch b.Type {
	case BlockSeparator, BlockNameValue, BlockTextLine, BlockSpace:
		return b, parseTextBlock(&b, item)
	case BlockImage:
		var ri rawImage
		if err := unmarshal(&ri); err != nil {
			return b, err
		}
		return b, parseImage(&b, ri, src)
	case BlockQR:
		var rq rawQR
		if err := unmarshal(&rq); err != nil {
			return b, err
		}
		return b, parseQR(&b, rq)
	case BlockBarcode:
		var rc rawBarcode
		if err := unmarshal(&rc); err != nil {
			return b, err
		}
		return b, parseBarcode(&b, rc)
	case BlockBasket:
		return b, unmarshal(&struct{}{})
	case BlockRule:
		var rr rawRule
		if err := unmarshal(&rr); err != nil {
			return b, err
		}
		b.Rule = '-'
		if rr.Char != "" {
			if len(rr.Char) != 1 || rr.Char[0] < 0x21 || rr.Char[0] > 0x7E {
				return b, fieldErr("value.char", fmt.Errorf("%w: %q: want one printable ASCII character", ErrBadValue, rr.Char))
			}
			b.Rule = rr.Char[0]
		}
		return b, nil
	case BlockFeed:
		var rf rawFeed
		if err := unmarshal(&rf); err != nil {
			return b, err
		}
		if rf.Lines == nil {
			return b, fieldErr("value.lines", ErrMissingField)
		}
		if *rf.Lines < 0 || *rf.Lines > MaxFeedLines {
			return b, fieldErr("value.lines", fmt.Errorf("%w: %d out of range 0..%d", ErrBadValue, *rf.Lines, MaxFeedLines))
		}
		b.Lines = *rf.Lines
		return b, nil
	case BlockCut:
		var rc rawCut
		if err := unmarshal(&rc); err != nil {
			return b, err
		}
		b.Cut = escpos.CutPartial
		if rc.Mode != "" {
			m, err := escpos.ParseCutMode(rc.Mode)
			if err != nil || m == escpos.CutNone {
				return b, fieldErr("value.mode", fmt.Errorf("%w: %q (want partial or full)", ErrBadValue, rc.Mode))
			}
			b.Cut = m
		}
		return b, nil
	case BlockDrawer:
		var rd rawDrawer
		if err := unmarshal(&rd); err != nil {
			return b, err
		}
		b.Pin = escpos.DrawerPin2
		if rd.Pin != nil {
			switch *rd.Pin {
			case 2:
			case 5:
				b.Pin = escpos.DrawerPin5
			default:
				return b, fieldErr("value.pin", fmt.Errorf("%w: %d (want 2 or 5)", ErrBadValue, *rd.Pin))
			}
		}
		return b, nil
	}
	return b, fieldErr("type", fmt.Errorf("%w %q (want one of separator, name-value, textline, space, image, qr, barcode, basket, rule, feed, cut, drawer)", ErrUnknownBlock, name))
}

// parseTextBlock reads the four receipt line types through the receipt
// parser itself, so a header line is exactly as strict as a receipt line.
func parseTextBlock(b *Block, item jsontext.Value) error {
	doc := make([]byte, 0, len(item)+2)
	doc = append(append(append(doc, '['), item...), ']')
	tx, err := ParseTransaction(doc)
	if err != nil {
		var le *LineError
		if errors.As(err, &le) {
			return &BlockError{Field: le.Field, Err: le.Err}
		}
		return err
	}
	b.Line = tx.Receipt[0]
	b.Type = BlockType(b.Line.Type) // the four share their numbers
	return nil
}

func parseAlign(s string) (escpos.Justification, error) {
	switch s {
	case "", "center", "centre":
		return escpos.JustifyCenter, nil
	case "left":
		return escpos.JustifyLeft, nil
	case "right":
		return escpos.JustifyRight, nil
	}
	return 0, fieldErr("value.align", fmt.Errorf("%w: %q (want left, center or right)", ErrBadValue, s))
}

func parseImage(b *Block, ri rawImage, src blockSource) error {
	var err error
	if b.Align, err = parseAlign(ri.Align); err != nil {
		return err
	}
	img := &Image{Width: ri.Width, Store: ri.Store, Key: DefaultLogoKey}
	if img.Dither, err = escpos.ParseDither(ri.Dither); err != nil {
		return fieldErr("value.dither", fmt.Errorf("%w: %v", ErrBadValue, err))
	}
	if ri.Width < 0 || ri.Width > MaxImageWidth {
		return fieldErr("value.width", fmt.Errorf("%w: %d out of range 0..%d", ErrBadValue, ri.Width, MaxImageWidth))
	}
	if ri.Key != "" {
		if len(ri.Key) != 2 {
			return fieldErr("value.key", fmt.Errorf("%w: %q: want two characters", ErrBadValue, ri.Key))
		}
		img.Key = escpos.LogoKey{ri.Key[0], ri.Key[1]}
		if !img.Key.Valid() {
			return fieldErr("value.key", fmt.Errorf("%w: %q: want two printable ASCII characters", ErrBadValue, ri.Key))
		}
	}
	var data []byte
	switch {
	case ri.PNG != nil && ri.File != nil:
		return fieldErr("value", fmt.Errorf("%w: png and file both given", ErrBadValue))
	case ri.PNG != nil:
		if base64.StdEncoding.DecodedLen(len(*ri.PNG)) > MaxImageBytes+2 {
			return fieldErr("value.png", fmt.Errorf("%w: more than %d bytes", ErrBadImage, MaxImageBytes))
		}
		if data, err = base64.StdEncoding.DecodeString(*ri.PNG); err != nil {
			return fieldErr("value.png", fmt.Errorf("%w: not base64: %v", ErrBadImage, err))
		}
	case ri.File != nil:
		if src.readFile == nil {
			return fieldErr("value.file", fmt.Errorf("%w: image files are read from a printer's template only; send the picture as \"png\"", ErrBadValue))
		}
		if data, err = src.readFile(*ri.File); err != nil {
			return fieldErr("value.file", fmt.Errorf("%w: %w", ErrBadImage, err))
		}
	default:
		return fieldErr("value.png", ErrMissingField)
	}
	if img.Img, err = decodePNG(data, src.budget); err != nil {
		field := "value.png"
		if ri.File != nil {
			field = "value.file"
		}
		return fieldErr(field, err)
	}
	img.Hash = sha256.Sum256(data)
	img.template = strings.HasPrefix(src.section, "template")
	b.Image = img
	return nil
}

func parseQR(b *Block, rq rawQR) error {
	var err error
	if b.Align, err = parseAlign(rq.Align); err != nil {
		return err
	}
	if rq.Data == "" {
		return fieldErr("value.data", ErrMissingField)
	}
	if len(rq.Data) > MaxCodeData {
		return fieldErr("value.data", fmt.Errorf("%w: %d bytes, a QR code holds at most %d", ErrBadValue, len(rq.Data), MaxCodeData))
	}
	b.QR = escpos.QR{Data: rq.Data, Module: 6, Level: escpos.QRLevelM}
	if rq.Size != nil {
		if *rq.Size < 1 || *rq.Size > 16 {
			return fieldErr("value.size", fmt.Errorf("%w: %d out of range 1..16 dots per module", ErrBadValue, *rq.Size))
		}
		b.QR.Module = uint8(*rq.Size)
	}
	if rq.ECC != "" {
		if b.QR.Level, err = escpos.ParseQRLevel(rq.ECC); err != nil {
			return fieldErr("value.ecc", fmt.Errorf("%w: %v", ErrBadValue, err))
		}
	}
	// Capacity depends on the data and the level: checked now, so a code
	// too big is a 422 naming this block. Placeholders fill in later and
	// are checked as the receipt renders.
	if !strings.Contains(rq.Data, "{{") {
		if _, err := escpos.AppendQR(nil, b.QR); err != nil {
			return fieldErr("value.data", fmt.Errorf("%w: %v", ErrBadValue, err))
		}
	}
	return nil
}

func parseBarcode(b *Block, rc rawBarcode) error {
	var err error
	if b.Align, err = parseAlign(rc.Align); err != nil {
		return err
	}
	if rc.Symbology == "" {
		return fieldErr("value.symbology", ErrMissingField)
	}
	bc := escpos.Barcode{Data: rc.Data, Height: 80, Module: 2, HRI: escpos.HRIBelow}
	if bc.Symbology, err = escpos.ParseSymbology(rc.Symbology); err != nil {
		return fieldErr("value.symbology", fmt.Errorf("%w: %v", ErrBadValue, err))
	}
	if rc.Data == "" {
		return fieldErr("value.data", ErrMissingField)
	}
	if rc.HRI != "" {
		if bc.HRI, err = escpos.ParseHRI(rc.HRI); err != nil {
			return fieldErr("value.hri", fmt.Errorf("%w: %v", ErrBadValue, err))
		}
	}
	if rc.Height != nil {
		if *rc.Height < 1 || *rc.Height > 255 {
			return fieldErr("value.height", fmt.Errorf("%w: %d out of range 1..255 dots", ErrBadValue, *rc.Height))
		}
		bc.Height = uint8(*rc.Height)
	}
	if rc.Width != nil {
		if *rc.Width < 2 || *rc.Width > 6 {
			return fieldErr("value.width", fmt.Errorf("%w: %d out of range 2..6 dots per module", ErrBadValue, *rc.Width))
		}
		bc.Module = uint8(*rc.Width)
	}
	// The symbology's own rules (digits, check digit, character set) are
	// checked now, so bad data is a 422 naming this block, not a misprint.
	if _, err := escpos.BarcodeModules(bc); err != nil && !strings.Contains(rc.Data, "{{") {
		return fieldErr("value.data", fmt.Errorf("%w: %v", ErrBadValue, err))
	}
	b.Barcode = bc
	return nil
}
