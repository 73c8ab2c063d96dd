package receipt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Template is what a printer adds to every receipt it prints: header and
// footer blocks around the transaction's own, in the same block form, with
// text/template placeholders in their text taken from the transaction
// (see TemplateData): {{.Merchant}}, {{.ID}}, {{date .Created "02.01.2006 15:04"}}.
type Template struct {
	Header, Footer []Block
	// Locale of the basket's amounts and labels, "de" unless set.
	Locale Locale

	header, footer []expander
}

// TemplateData is what a template's placeholders can use.
type TemplateData struct {
	ID            string    // the transaction's id (STX_…)
	TransID       string    // trans_id
	Status        string    // status
	PaymentMethod string    // payment_method
	Merchant      string    // merchant.companyname
	Created       time.Time // created; zero when absent or not RFC 3339
	CreatedRaw    string    // created as the API wrote it
}

// templateFuncs are the functions placeholders may call.
var templateFuncs = template.FuncMap{
	// date formats a time with a Go layout; a zero time is empty.
	"date": func(t time.Time, layout string) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(layout)
	},
}

// expander holds the compiled placeholders of one block's text fields.
type expander struct {
	fields [4]*template.Template // by textField
}

// textField names the strings of a block that may hold placeholders.
type textField uint8

const (
	fieldCaption textField = iota // separator caption, textline text
	fieldName
	fieldValue
	fieldData // qr and barcode data
)

type rawTemplate struct {
	Header jsontext.Value `json:"header"`
	Footer jsontext.Value `json:"footer"`
	Locale string         `json:"locale"`
}

// MaxTemplateBytes bounds a template file.
const MaxTemplateBytes = 4 << 20

// LoadTemplate reads a template file: a JSON object with "header" and
// "footer" block arrays and an optional "locale". Image blocks may name a
// PNG "file", relative to the template's directory.
func LoadTemplate(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("receipt: template: %w", err)
	}
	if len(data) > MaxTemplateBytes {
		return nil, fmt.Errorf("receipt: template %s: more than %d bytes", path, MaxTemplateBytes)
	}
	dir := filepath.Dir(path)
	t, err := ParseTemplate(data, func(name string) ([]byte, error) {
		if !filepath.IsAbs(name) {
			name = filepath.Join(dir, name)
		}
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		var buf bytes.Buffer
		// One byte more than allowed tells an oversized file from a full one.
		if _, err := buf.ReadFrom(io.LimitReader(f, MaxImageBytes+1)); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w (template %s)", err, path)
	}
	return t, nil
}

// ParseTemplate reads a template document; readFile loads image files
// (nil: image blocks must carry their PNG inline).
func ParseTemplate(data []byte, readFile func(name string) ([]byte, error)) (*Template, error) {
	var rt rawTemplate
	if err := json.Unmarshal(data, &rt, strict); err != nil {
		return nil, fmt.Errorf("receipt: template: %w: %v", ErrSyntax, err)
	}
	t := &Template{}
	var err error
	if t.Locale, err = ParseLocale(rt.Locale); err != nil {
		return nil, err
	}
	budget := newImageBudget()
	if t.Header, err = parseBlocks(rt.Header, blockSource{section: "template.header", readFile: readFile, budget: budget}); err != nil {
		return nil, err
	}
	if t.Footer, err = parseBlocks(rt.Footer, blockSource{section: "template.footer", readFile: readFile, budget: budget}); err != nil {
		return nil, err
	}
	if t.header, err = compileBlocks(t.Header, "template.header"); err != nil {
		return nil, err
	}
	if t.footer, err = compileBlocks(t.Footer, "template.footer"); err != nil {
		return nil, err
	}
	return t, nil
}

func compileBlocks(blocks []Block, section string) ([]expander, error) {
	ex := make([]expander, len(blocks))
	for i := range blocks {
		b := &blocks[i]
		for f := fieldCaption; f <= fieldData; f++ {
			s := b.text(f)
			if s == nil || !strings.Contains(*s, "{{") {
				continue
			}
			tt, err := template.New("").Funcs(templateFuncs).Option("missingkey=error").Parse(*s)
			if err == nil {
				err = checkPlaceholders(tt)
			}
			if err == nil {
				w := limitWriter{left: fieldLimit(f)}
				if err = tt.Execute(&w, &sampleData); errors.Is(err, ErrTemplateOutput) {
					err = fmt.Errorf("%w: more than %d bytes", ErrTemplateOutput, fieldLimit(f))
				}
			}
			if err != nil {
				return nil, &BlockError{Section: section, Index: i, Field: jsonField(b, f), Err: fmt.Errorf("%w: placeholder: %v", ErrBadValue, err)}
			}
			ex[i].fields[f] = tt
		}
	}
	return ex, nil
}

// text returns the block's string for f, or nil where it has none.
func (b *Block) text(f textField) *string {
	switch {
	case f == fieldCaption && b.Type == BlockSeparator:
		return &b.Line.Caption
	case f == fieldCaption && b.Type == BlockTextLine:
		return &b.Line.Text
	case f == fieldName && b.Type == BlockNameValue:
		return &b.Line.Name
	case f == fieldValue && b.Type == BlockNameValue:
		return &b.Line.Value
	case f == fieldData && b.Type == BlockQR:
		return &b.QR.Data
	case f == fieldData && b.Type == BlockBarcode:
		return &b.Barcode.Data
	}
	return nil
}

// DataFor is the placeholder data of a transaction.
func DataFor(tx *Transaction) TemplateData {
	d := TemplateData{ID: tx.ID, TransID: tx.TransID, Status: tx.Status, PaymentMethod: tx.PaymentMethod,
		Merchant: tx.Merchant, CreatedRaw: tx.Created}
	if c, err := time.Parse(time.RFC3339, tx.Created); err == nil {
		d.Created = c
	}
	return d
}

// errPlaceholder marks a placeholder that could not be filled.
var errPlaceholder = errors.New("placeholder")

// expand returns blocks with their placeholders filled from data. Blocks
// without placeholders are returned as they are. What the placeholders
// write is bounded per field and, through w, per receipt.
func expand(blocks []Block, ex []expander, data *TemplateData, section string, w *limitWriter) ([]Block, error) {
	var out []Block // copied at the first block that changes
	for i := range blocks {
		var changed Block
		touched := false
		for f, tt := range ex[i].fields {
			if tt == nil {
				continue
			}
			if !touched {
				changed, touched = blocks[i], true
			}
			w.buf = w.buf[:0]
			total := w.left
			w.left = min(total, fieldLimit(textField(f)))
			err := tt.Execute(w, data)
			w.left = total - len(w.buf)
			if err != nil {
				if errors.Is(err, ErrTemplateOutput) {
					err = fmt.Errorf("%w: more than %d bytes for this field, or %d for the receipt", ErrTemplateOutput, fieldLimit(textField(f)), MaxTemplateOutput)
				}
				return nil, &BlockError{Section: section, Index: i, Field: jsonField(&blocks[i], textField(f)), Err: fmt.Errorf("%w: %w", errPlaceholder, err)}
			}
			// A code whose data came out empty (the QR of a transaction id
			// the bare {"receipt": […]} form lacks) is skipped when laid
			// out: the parser refuses empty data from anywhere else.
			*changed.text(textField(f)) = string(w.buf)
		}
		if !touched {
			if out != nil {
				out = append(out, blocks[i])
			}
			continue
		}
		if out == nil {
			out = append(make([]Block, 0, len(blocks)), blocks[:i]...)
		}
		out = append(out, changed)
	}
	if out == nil {
		return blocks, nil
	}
	return out, nil
}
