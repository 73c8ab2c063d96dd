// Package epos reads Epson's ePOS-Print XML, the document web tills (Odoo's
// point of sale among them) POST to an Epson network printer at
// /cgi-bin/epos/service.cgi, and turns it into ESC/POS for any printer
// profile; it also writes the <response> the till reads back.
//
// A request is <epos-print xmlns="http://www.epson-pos.com/schemas/2011/03/epos-print">
// bare or inside a SOAP 1.1 envelope. It is read as a stream: the body is
// never held beyond Options.MaxBody bytes (MaxBody by default), and no more
// than one element's content is in memory at a time. Every element and
// attribute follows Epson's reference ("ePOS-Print XML", XML for
// controlling printer, https://download4.epson.biz/sec_pubs/pos/reference_en/epos_print/);
// what a printer cannot do as asked is a reported fallback (Document.Notes)
// or, where nothing sensible prints instead, a SchemaError.
//
// The document prints as sent: it starts with ESC @, and nothing is added
// (no template, copies or drawer kick).
package epos

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/secuprint/receipt/escpos"
)

// Namespaces of a request.
const (
	Namespace     = "http://www.epson-pos.com/schemas/2011/03/epos-print"
	SOAPNamespace = "http://schemas.xmlsoap.org/soap/envelope/"
)

// MaxBody is the default limit of a request body: an Odoo receipt picture
// of 576 × 8192 dots is 590 KB as base64, a gray16 one four times that.
const MaxBody = 4 << 20

// maxNotes bounds the fallbacks one document reports; the rest are counted.
const maxNotes = 32

// Options control Convert.
type Options struct {
	// MaxBody is the most bytes of body read; more is ErrTooLarge. 0 means
	// MaxBody.
	MaxBody int64
	// AllowCommand lets <command> send raw bytes, each command checked
	// against an allow-list (see checkCommand). Off, <command> is a
	// SchemaError.
	AllowCommand bool
}

// Document is a converted request.
type Document struct {
	// Envelope is true when the request came in a SOAP envelope; the
	// response goes in one too.
	Envelope bool
	// From the SOAP header's <parameter>, when present.
	DevID, PrintJobID string
	Timeout           int // ms; 0 when absent
	// Bytes are the ESC/POS commands, starting with ESC @.
	Bytes []byte
	// Notes report what printed other than as written: characters no
	// code page holds, control characters, a symbol drawn as a picture.
	Notes []string
	// Pulse is true when the document kicks a cash drawer.
	Pulse bool
	// Elements counts the elements printed.
	Elements int
}

// Convert reads one request from r and converts it for printer profile p.
// Errors are *SchemaError, ErrTooLarge, or the reader's error; with them
// comes a Document without Bytes that says, as far as the request was
// read, whether it came in an envelope and its print job id, so that the
// error is answered in the request's form.
func Convert(r io.Reader, p *escpos.Profile, opt Options) (*Document, error) {
	if p == nil {
		return nil, fmt.Errorf("epos: nil profile")
	}
	limit := opt.MaxBody
	if limit <= 0 {
		limit = MaxBody
	}
	lr := &limitReader{r: r, left: limit}
	c, err := newConv(p, opt)
	if err != nil {
		return nil, err
	}
	c.limit = limit
	c.br = &byteReader{r: lr, buf: make([]byte, 8<<10)}
	d := xml.NewDecoder(c.br)
	d.Strict = true
	err = c.document(d)
	partial := &Document{Envelope: c.doc.Envelope, PrintJobID: c.doc.PrintJobID}
	switch {
	case lr.over:
		return partial, ErrTooLarge
	case lr.err != nil:
		return partial, fmt.Errorf("epos: reading the request: %w", lr.err)
	case err != nil:
		return partial, err
	}
	c.doc.Bytes = c.out
	return &c.doc, nil
}

// limitReader reads at most left bytes and then fails with ErrTooLarge.
type limitReader struct {
	r    io.Reader
	left int64
	over bool
	err  error // the reader's own failure, told apart from bad XML
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One byte more than allowed tells a body of exactly the limit
		// from a longer one.
		var one [1]byte
		for {
			n, err := l.r.Read(one[:])
			if n > 0 {
				l.over = true
				return 0, ErrTooLarge
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					l.err = err
				}
				return 0, err
			}
		}
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		l.err = err
	}
	return n, err
}

// document reads the root: <epos-print> or a SOAP envelope around it.
func (c *conv) document(d *xml.Decoder) error {
	root, err := nextStart(d)
	if err != nil {
		return err
	}
	switch {
	case root.Name.Space == SOAPNamespace && root.Name.Local == "Envelope":
		c.doc.Envelope = true
		if err := c.envelope(d); err != nil {
			return err
		}
	case isEpos(root.Name, "epos-print"):
		if err := c.eposPrint(d); err != nil {
			return err
		}
	default:
		return schemaErr(root.Name.Local, "", "", "the root is neither <epos-print> in namespace %s nor a SOAP envelope", Namespace)
	}
	return trailing(d)
}

// isEpos accepts an element in Epson's namespace, or in none: Odoo removes
// the empty xmlns its DOM adds, and some tills never write one.
func isEpos(n xml.Name, local string) bool {
	return n.Local == local && (n.Space == Namespace || n.Space == "")
}

// nextStart returns the next start element, skipping the prolog.
func nextStart(d *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := d.Token()
		if err != nil {
			return xml.StartElement{}, xmlErr(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.CharData:
			if !blank(t) {
				return xml.StartElement{}, schemaErr("", "", string(t), "text outside an element")
			}
		case xml.EndElement:
			return xml.StartElement{}, schemaErr(t.Name.Local, "", "", "unexpected end tag")
		}
	}
}

// trailing accepts only white space, comments and processing instructions
// after the root.
func trailing(d *xml.Decoder) error {
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return xmlErr(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return schemaErr(t.Name.Local, "", "", "a second root element")
		case xml.CharData:
			if !blank(t) {
				return schemaErr("", "", string(t), "text after the document")
			}
		}
	}
}

// xmlErr makes a decoder's error a SchemaError; Convert reports the
// reader's own failures and the size limit ahead of it.
func xmlErr(err error) error {
	return schemaErr("", "", "", "malformed XML: %v", err)
}

func blank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// envelope reads <s:Envelope>: an optional <s:Header> with Epson's
// <parameter>, then <s:Body> holding <epos-print>.
func (c *conv) envelope(d *xml.Decoder) error {
	body := false
	for {
		tok, err := d.Token()
		if err != nil {
			return xmlErr(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name.Space == SOAPNamespace && t.Name.Local == "Header" && !body:
				if err := c.header(d); err != nil {
					return err
				}
			case t.Name.Space == SOAPNamespace && t.Name.Local == "Body" && !body:
				body = true
				el, err := nextStart(d)
				if err != nil {
					return err
				}
				if !isEpos(el.Name, "epos-print") {
					return schemaErr(el.Name.Local, "", "", "the SOAP body holds no <epos-print>")
				}
				if err := c.eposPrint(d); err != nil {
					return err
				}
				if err := endOf(d, "Body"); err != nil {
					return err
				}
			default:
				return schemaErr(t.Name.Local, "", "", "unexpected in a SOAP envelope")
			}
		case xml.EndElement:
			if !body {
				return schemaErr("Envelope", "", "", "no SOAP body")
			}
			return nil
		case xml.CharData:
			if !blank(t) {
				return schemaErr("Envelope", "", string(t), "text in a SOAP envelope")
			}
		}
	}
}

// endOf reads to the end tag of the element whose content is done,
// accepting white space only.
func endOf(d *xml.Decoder, name string) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return xmlErr(err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			return schemaErr(t.Name.Local, "", "", "unexpected in <%s>", name)
		case xml.CharData:
			if !blank(t) {
				return schemaErr(name, "", string(t), "unexpected text")
			}
		}
	}
}

// header reads <s:Header>: Epson's <parameter> with devid, timeout and
// printjobid. Other header entries are skipped.
func (c *conv) header(d *xml.Decoder) error {
	depth := 0
	var field string
	for {
		tok, err := d.Token()
		if err != nil {
			return xmlErr(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			field = t.Name.Local
		case xml.EndElement:
			if depth == 0 {
				return nil
			}
			depth--
			field = ""
		case xml.CharData:
			v := strings.TrimSpace(string(t))
			if depth != 2 || v == "" {
				continue
			}
			switch field {
			case "devid":
				c.doc.DevID = v
			case "printjobid":
				c.doc.PrintJobID = v
			case "timeout":
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 {
					return schemaErr("timeout", "", v, "not a number of milliseconds")
				}
				c.doc.Timeout = n
			}
		}
	}
}

// eposPrint reads the children of <epos-print> up to its end tag.
func (c *conv) eposPrint(d *xml.Decoder) error {
	c.out = c.enc.AppendInit(c.out)
	for {
		tok, err := d.Token()
		if err != nil {
			return xmlErr(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != Namespace && t.Name.Space != "" {
				return schemaErr(t.Name.Local, "", t.Name.Space, "element from another namespace")
			}
			if t.Name.Local == "page" {
				return schemaErr("page", "", "", "page mode is not supported; print in standard mode")
			}
			c.text = c.text[:0]
			if t.Name.Local == "image" && !c.br.selfClosed() {
				c.text = slices.Grow(c.text, c.imageText(t.Attr))
				c.text = c.br.scanBase64(c.text)
			}
			if err := c.content(d, t.Name.Local); err != nil {
				return err
			}
			content := ""
			if t.Name.Local != "image" { // <image> decodes c.text in place
				content = string(c.text)
			}
			if err := c.element(t.Name.Local, t.Attr, content); err != nil {
				return err
			}
			c.doc.Elements++
		case xml.EndElement:
			return nil
		case xml.CharData:
			if !blank(t) {
				return schemaErr("epos-print", "", string(t), "text outside an element")
			}
		}
	}
}

// imageText is the base64 length an <image>'s size announces, bounded by
// the body limit, so its text is read into one buffer of the right size.
func (c *conv) imageText(attrs []xml.Attr) int {
	w, h, gray := 0, 0, false
	for _, a := range attrs {
		n, _ := strconv.Atoi(a.Value)
		switch a.Name.Local {
		case "width":
			w = n
		case "height":
			h = n
		case "mode":
			gray = a.Value == "gray16"
		}
	}
	stride := (w + 7) / 8
	if gray {
		stride = (w + 1) / 2
	}
	n := int64(max(stride, 0)) * int64(max(h, 0))
	return int(min((n+2)/3*4+64, c.limit))
}

// content appends an element's text to c.text up to its end tag; elements inside
// are a SchemaError (only <page> has children, and it is refused).
func (c *conv) content(d *xml.Decoder, name string) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return xmlErr(err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			c.text = append(c.text, t...)
		case xml.StartElement:
			return schemaErr(name, "", t.Name.Local, "element inside <%s>", name)
		case xml.EndElement:
			return nil
		}
	}
}

// element carries out one child of <epos-print>.
func (c *conv) element(name string, attrs []xml.Attr, content string) error {
	switch name {
	case "text":
		return c.textEl(attrs, content)
	case "feed":
		return c.feedEl(attrs, content)
	case "image":
		return c.imageEl(attrs, content)
	case "logo":
		return c.logoEl(attrs, content)
	case "barcode":
		return c.barcodeEl(attrs, content)
	case "symbol":
		return c.symbolEl(attrs, content)
	case "hline":
		return c.hlineEl(attrs, content)
	case "vline-begin", "vline-end":
		return c.vlineEl(name, attrs, content)
	case "cut":
		return c.cutEl(attrs, content)
	case "pulse":
		return c.pulseEl(attrs, content)
	case "sound":
		return c.soundEl(attrs, content)
	case "command":
		return c.commandEl(attrs, content)
	case "layout":
		return c.layoutEl(attrs, content)
	case "recovery", "reset":
		// Realtime requests for the printer's error recovery and reset:
		// receiptd recovers printers itself, and a reset mid-job would
		// lose the spool's confirmation.
		return schemaErr(name, "", "", "not accepted: receiptd recovers and resets printers itself")
	}
	return schemaErr(name, "", "", "unknown element")
}

func (c *conv) note(format string, args ...any) {
	if len(c.doc.Notes) < maxNotes {
		c.doc.Notes = append(c.doc.Notes, fmt.Sprintf(format, args...))
	} else if len(c.doc.Notes) == maxNotes {
		c.doc.Notes = append(c.doc.Notes, "more fallbacks not listed")
	}
}
