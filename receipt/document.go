package receipt

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/secuprint/receipt/escpos"
)

// LogoMode says how an image block marked "store" prints.
type LogoMode uint8

const (
	// LogoRaster prints every image as a raster, every time: always right,
	// a few kilobytes a receipt.
	LogoRaster LogoMode = iota
	// LogoStored prints a stored logo by its key (11 bytes). The caller
	// keeps the printer's NV memory in step: Report.Logos lists what the
	// receipt needs, AppendDefineLogos sends it. NV memory wears out, so
	// define only when the logo changed.
	LogoStored
)

func (m LogoMode) Valid() bool { return m <= LogoStored }

// DrawerPolicy says when the renderer adds a cash drawer kick of its own
// at the end of a receipt (a document's drawer block kicks regardless).
type DrawerPolicy uint8

const (
	DrawerNever  DrawerPolicy = iota // only where a drawer block says
	DrawerCash                       // for transactions paid in cash (payment_method "cash")
	DrawerAlways                     // after every receipt
)

func (d DrawerPolicy) Valid() bool { return d <= DrawerAlways }

func (d DrawerPolicy) String() string {
	switch d {
	case DrawerNever:
		return "never"
	case DrawerCash:
		return "cash"
	case DrawerAlways:
		return "always"
	}
	return "DrawerPolicy(" + strconv.Itoa(int(d)) + ")"
}

// ParseDrawerPolicy reads "never" (or "" or "off"), "cash" or "always".
func ParseDrawerPolicy(s string) (DrawerPolicy, error) {
	switch s {
	case "", "never", "off":
		return DrawerNever, nil
	case "cash":
		return DrawerCash, nil
	case "always":
		return DrawerAlways, nil
	}
	return 0, fmt.Errorf("receipt: unknown drawer policy %q (want never, cash or always)", s)
}

// RenderTransaction appends the whole receipt of tx: the template's header,
// the transaction's header, its receipt lines, its footer and the
// template's footer, then the end cut.
func (r *Renderer) RenderTransaction(dst []byte, tx *Transaction) ([]byte, Report, error) {
	r.report = Report{}
	defer r.release()
	if err := r.layoutDocument(tx); err != nil {
		return dst, r.report, err
	}
	dst, err := r.encode(dst)
	return dst, r.report, err
}

// release drops the rows' references to the transaction's blocks, so a
// renderer kept for the next receipt does not keep this one's pictures.
func (r *Renderer) release() {
	clear(r.rows)
	r.rows = r.rows[:0]
}

// TextTransaction is the plain-text preview of RenderTransaction.
func (r *Renderer) TextTransaction(dst []byte, tx *Transaction) ([]byte, Report, error) {
	r.report = Report{}
	defer r.release()
	if err := r.layoutDocument(tx); err != nil {
		return dst, r.report, err
	}
	return r.appendText(dst), r.report, nil
}

// locate names the block a row came from in an encoding error.
func (r *Renderer) locate(rw *row, err error) error {
	if rw.blk == nil {
		return fmt.Errorf("receipt: %w", err)
	}
	return &BlockError{Section: rw.from.section, Index: rw.from.index, Err: fmt.Errorf("%w: %w", ErrBadValue, err)}
}

func (r *Renderer) layoutDocument(tx *Transaction) error {
	r.rows = r.rows[:0]
	var tplHeader, tplFooter []Block
	if t := r.opt.Template; t != nil {
		data := DataFor(tx)
		r.tplOut.left = MaxTemplateOutput
		var err error
		if tplHeader, err = expand(t.Header, t.header, &data, "template.header", &r.tplOut); err != nil {
			return err
		}
		if tplFooter, err = expand(t.Footer, t.footer, &data, "template.footer", &r.tplOut); err != nil {
			return err
		}
	}
	r.warnTwice(tplHeader, tx.Header, "header")
	r.warnTwice(tplFooter, tx.Footer, "footer")
	if err := r.layoutBlocks(tx, tplHeader, "template.header"); err != nil {
		return err
	}
	if err := r.layoutBlocks(tx, tx.Header, "header"); err != nil {
		return err
	}
	r.section = ""
	base := len(r.rows)
	for i := range tx.Receipt {
		r.layoutLine(i, &tx.Receipt[i], len(r.rows) > base)
	}
	if err := r.layoutBlocks(tx, tx.Footer, "footer"); err != nil {
		return err
	}
	if err := r.layoutBlocks(tx, tplFooter, "template.footer"); err != nil {
		return err
	}
	r.section = ""
	if r.kicksDrawer(tx) {
		r.rows = append(r.rows, row{kind: rowDrawer, blk: &r.drawerBlock})
	}
	r.layoutEnd()
	return nil
}

// warnTwice reports a document's header (or footer) printing beside the
// template's: usually a document made for printing without the template
// (the README's whole receipt printed its header, basket and QR code twice).
func (r *Renderer) warnTwice(tpl, doc []Block, section string) {
	if len(tpl) == 0 || len(doc) == 0 {
		return
	}
	r.report.Warnings = append(r.report.Warnings, Warning{Section: section, Kind: WarnTwoHeaders,
		Detail: "the printer's template has a " + section + " too, and both print: leave one out if the receipt shows things twice"})
}

// kicksDrawer reports whether the drawer policy adds a kick to tx: never
// a second one where the document already has a drawer block.
func (r *Renderer) kicksDrawer(tx *Transaction) bool {
	switch r.opt.Drawer {
	case DrawerNever:
		return false
	case DrawerCash:
		if tx.PaymentMethod != "cash" {
			return false
		}
	}
	return !r.hasDrawer()
}

func (r *Renderer) hasDrawer() bool {
	for i := range r.rows {
		if r.rows[i].kind == rowDrawer {
			return true
		}
	}
	return false
}

func (r *Renderer) layoutBlocks(tx *Transaction, blocks []Block, section string) error {
	r.section = section
	for i := range blocks {
		if err := r.layoutBlock(tx, &blocks[i], blockRef{section, i}); err != nil {
			var be *BlockError
			if errors.As(err, &be) {
				return err
			}
			return &BlockError{Section: section, Index: i, Err: err}
		}
	}
	return nil
}

func (r *Renderer) layoutBlock(tx *Transaction, b *Block, from blockRef) error {
	switch b.Type {
	case BlockSeparator, BlockNameValue, BlockTextLine, BlockSpace:
		r.layoutLine(from.index, &b.Line, false)
	case BlockRule:
		r.rows = append(r.rows, row{kind: rowText, style: plain, left: ruleOf(b.Rule, r.cols)})
	case BlockFeed:
		if b.Lines > 0 {
			r.rows = append(r.rows, row{kind: rowFeed, n: b.Lines, blk: b, from: from})
		}
	case BlockCut:
		r.rows = append(r.rows, row{kind: rowCut, cut: b.Cut})
	case BlockDrawer:
		// One kick a receipt: a template's and the document's own drawer
		// blocks open the drawer once.
		if !r.hasDrawer() {
			r.rows = append(r.rows, row{kind: rowDrawer, blk: b, from: from})
		}
	case BlockQR:
		if b.QR.Data == "" { // a template's placeholder filled with nothing (see skipsEmpty)
			return nil
		}
		if !r.opt.Profile.Features.QRCode && !r.hasGraphics() {
			r.noGraphics(from, "the QR code prints as its text")
			r.wrap(r.prepare(b.QR.Data, from.index, "value.data"), plain, b.Align, 1)
			return nil
		}
		r.rows = append(r.rows, row{kind: rowQR, justify: b.Align, blk: b, from: from})
	case BlockBarcode:
		if b.Barcode.Data == "" {
			return nil
		}
		f := r.opt.Profile.Features
		if !f.BarcodeA && !f.BarcodeB && !r.hasGraphics() {
			r.noGraphics(from, "the barcode prints as its text")
			r.wrap(r.prepare(b.Barcode.Data, from.index, "value.data"), plain, b.Align, 1)
			return nil
		}
		r.rows = append(r.rows, row{kind: rowBarcode, justify: b.Align, blk: b, from: from})
	case BlockImage:
		if !r.hasGraphics() {
			r.noGraphics(from, "the image is left out")
			return nil
		}
		return r.layoutImage(b, from)
	case BlockBasket:
		return r.layoutBasket(tx, from)
	default:
		return fmt.Errorf("%w %v", ErrUnknownBlock, b.Type)
	}
	return nil
}

// storesLogos reports whether logos can be stored in the printer and
// printed by key: ESC/POS NV graphics (GS ( L). Star printers number their
// NV images instead, which this renderer does not drive.
func (r *Renderer) storesLogos() bool {
	p := r.opt.Profile
	return p.Features.Graphics && p.Language == escpos.LanguageESCPOS
}

// hasGraphics reports whether the printer prints raster images at all.
func (r *Renderer) hasGraphics() bool {
	f := r.opt.Profile.Features
	return f.BitImageRaster || f.Graphics
}

func (r *Renderer) noGraphics(from blockRef, what string) {
	r.report.Warnings = append(r.report.Warnings, Warning{Section: from.section, Line: from.index,
		Kind: WarnNoGraphics, Detail: "profile " + r.opt.Profile.ID + " prints no images: " + what})
}

// ruleOf is a full-width rule of c.
func ruleOf(c byte, cols int) string {
	if c == '-' || c == 0 {
		return rule[:cols]
	}
	b := make([]byte, cols)
	for i := range b {
		b[i] = c
	}
	return string(b)
}

// headWidth is the printable width in dots of the profile, or a 58 mm
// printer's 384 where the database does not say.
func (r *Renderer) headWidth() int {
	if w := r.opt.Profile.WidthDots; w > 0 {
		return w
	}
	return 384
}

func (r *Renderer) layoutImage(b *Block, from blockRef) error {
	img := b.Image
	width := r.headWidth()
	if img.Width > 0 && img.Width < width {
		width = img.Width
	}
	if img.Store && !img.template {
		// Only the operator's template writes the printer's NV memory: a
		// client posting pictures with "store" would wear it out.
		r.report.Warnings = append(r.report.Warnings, Warning{Section: from.section, Line: from.index, Field: "value.store",
			Kind: WarnNotStored, Detail: "only the printer's template may store a logo in the printer"})
	}
	if img.Store && img.template && r.opt.Logos == LogoStored && !r.storesLogos() {
		// One rule for every printer that keeps no logo this renderer can
		// store (no NV graphics, or a Star language): the picture prints,
		// and the report says so.
		r.report.Warnings = append(r.report.Warnings, Warning{Section: from.section, Line: from.index,
			Kind: WarnCodeAsImage, Detail: "profile " + r.opt.Profile.ID + " keeps no stored logos; the logo prints as a picture"})
	}
	if img.Store && img.template && r.opt.Logos == LogoStored && r.storesLogos() {
		ras, err := r.rasterFor(img, width)
		if err != nil {
			return err
		}
		r.report.Logos = append(r.report.Logos, StoredLogo{Key: img.Key, Hash: img.Hash, Raster: ras})
		r.rows = append(r.rows, row{kind: rowLogo, justify: b.Align, blk: b, from: from, raster: ras})
		return nil
	}
	ras, err := r.rasterFor(img, width)
	if err != nil {
		return err
	}
	r.rows = append(r.rows, row{kind: rowImage, justify: b.Align, blk: b, from: from, raster: ras})
	return nil
}

type rasterKey struct {
	img   *Image
	width int
}

// maxCachedRasters bounds the renderer's raster cache of templates' logos;
// one-off pictures from requests are not cached at all.
const maxCachedRasters = 16

// rasterFor converts an image once per width: a template's logo prints on
// every receipt and dithering it each time would cost a millisecond.
func (r *Renderer) rasterFor(img *Image, width int) (*escpos.Raster, error) {
	k := rasterKey{img, width}
	if ras, ok := r.rasters[k]; ok {
		return ras, nil
	}
	ras, err := escpos.NewRaster(img.Img, escpos.RasterOptions{MaxWidth: width, Dither: img.Dither})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadImage, err)
	}
	if !img.template { // a request's picture: kept, it would keep the request's pixels
		return ras, nil
	}
	if r.rasters == nil || len(r.rasters) >= maxCachedRasters {
		r.rasters = make(map[rasterKey]*escpos.Raster)
	}
	r.rasters[k] = ras
	return ras, nil
}

// appendBlockRow encodes a row that is not text.
func (r *Renderer) appendBlockRow(dst []byte, rw *row) ([]byte, error) {
	var err error
	switch rw.kind {
	case rowImage:
		return r.enc.AppendRaster(dst, rw.raster, rw.justify)
	case rowLogo:
		return r.enc.AppendLogo(dst, rw.blk.Image.Key, rw.justify)
	case rowFeed:
		return r.enc.AppendFeedLines(dst, uint8(rw.n)), nil
	case rowDrawer:
		return r.enc.AppendDrawer(dst, rw.blk.Pin)
	case rowQR:
		var fb escpos.CodeFallback
		dst, fb, err = r.enc.AppendQR(dst, rw.blk.QR, rw.justify)
		r.codeFallback(rw, fb)
		return dst, err
	case rowBarcode:
		var fb escpos.CodeFallback
		dst, fb, err = r.enc.AppendBarcode(dst, rw.blk.Barcode, rw.justify)
		r.codeFallback(rw, fb)
		return dst, err
	}
	return dst, fmt.Errorf("receipt: row kind %d", rw.kind)
}

func (r *Renderer) codeFallback(rw *row, fb escpos.CodeFallback) {
	if fb.Raster {
		r.report.Warnings = append(r.report.Warnings, Warning{Section: rw.from.section, Line: rw.from.index,
			Kind: WarnCodeAsImage, Detail: fb.Why})
	}
	if fb.QuietZone != "" {
		r.report.Warnings = append(r.report.Warnings, Warning{Section: rw.from.section, Line: rw.from.index,
			Kind: WarnQuietZone, Detail: fb.QuietZone})
	}
}

// AppendDefineLogos appends the commands that store logos in the printer's
// NV memory, to send before a receipt that prints them by key.
func AppendDefineLogos(dst []byte, logos []StoredLogo) ([]byte, error) {
	var err error
	for _, l := range logos {
		if dst, err = escpos.AppendDefineLogo(dst, l.Key, l.Raster); err != nil {
			return dst, fmt.Errorf("receipt: logo %s: %w", l.Key, err)
		}
	}
	return dst, nil
}

// symbologyLabels name the symbologies as the virtual printer's text
// markup does (escpos/paper.Legend), so both previews agree.
var symbologyLabels = map[escpos.Symbology]string{
	escpos.UPCA: "UPC-A", escpos.EAN13: "EAN13", escpos.EAN8: "EAN8",
	escpos.Code39: "CODE39", escpos.ITF: "ITF", escpos.Code128: "CODE128",
}

// appendPlaceholder writes a text preview's stand-in for a picture, a code
// or a drawer kick, aligned as it prints, in the virtual printer's markup:
// [raster 384x120], [logo "LG" 384x120], [qr "STX_…"], [barcode EAN13 "…"].
func (r *Renderer) appendPlaceholder(dst []byte, rw *row) []byte {
	var label []byte
	switch rw.kind {
	case rowImage:
		label = fmt.Appendf(label, "[raster %dx%d]", rw.raster.Width, rw.raster.Height)
	case rowLogo:
		label = fmt.Appendf(label, "[logo %q %dx%d]", rw.blk.Image.Key.String(), rw.raster.Width, rw.raster.Height)
	case rowQR:
		label = fmt.Appendf(label, "[qr %q]", rw.blk.QR.Data)
	case rowBarcode:
		label = fmt.Appendf(label, "[barcode %s %q]", symbologyLabels[rw.blk.Barcode.Symbology], rw.blk.Barcode.Data)
	case rowDrawer:
		pin := 2
		if rw.blk.Pin == escpos.DrawerPin5 {
			pin = 5
		}
		label = fmt.Appendf(label, "[drawer pin %d]", pin)
	}
	pad := 0
	if w := cells(string(label)); w < r.cols {
		switch rw.justify {
		case escpos.JustifyCenter:
			pad = (r.cols - w) / 2
		case escpos.JustifyRight:
			pad = r.cols - w
		}
	}
	dst = appendSpaces(dst, pad)
	return append(dst, label...)
}
