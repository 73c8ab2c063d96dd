package receipt

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/secuprint/receipt/escpos"
)

// FuzzBlocks: any header or footer either parses into blocks that render
// without panicking, or is refused with a located error.
func FuzzBlocks(f *testing.F) {
	for _, name := range []string{"../testdata/documents/whole-receipt.json", "../testdata/templates/bakery.json"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"receipt":[],"header":[{"type":"feed","value":{"lines":-1}},{"type":"qr","value":{"data":"x","size":0}}]}`))
	f.Add([]byte(`{"receipt":[],"footer":[{"type":"barcode","value":{"symbology":"code128","data":"{{123456"}}],"basket":{"products":[{"desc":"\u001b","quantity":1e3,"priceOne":-5,"tax":19.5}]}}`))
	p := &escpos.Profile{ID: "fuzz", WidthDots: 384, DPI: 203, Fonts: []escpos.FontInfo{{Font: escpos.FontA, Columns: 32}},
		CodePages: []escpos.CodePageSlot{{Slot: 0, Encoding: "CP437"}}, Features: escpos.Features{BitImageRaster: true, BarcodeB: true}}
	r, err := NewRenderer(Options{Profile: p, EndCut: escpos.CutPartial})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tx, err := ParseTransaction(data)
		if err != nil {
			var be *BlockError
			if errors.As(err, &be) && (be.Section != "header" && be.Section != "footer" || be.Index < 0) {
				t.Fatalf("block error not located: %v", err)
			}
			return
		}
		if _, _, err := r.RenderTransaction(nil, tx); err != nil {
			var be *BlockError
			var bk *BasketError
			if !errors.As(err, &be) && !errors.As(err, &bk) {
				t.Fatalf("render error not located: %v", err)
			}
		}
		if _, _, err := r.TextTransaction(nil, tx); err != nil && !errors.As(err, new(*BlockError)) {
			t.Fatalf("text error not located: %v", err)
		}
	})
}

// FuzzTemplate: a template either loads or is refused; one that loads
// renders a documented transaction or fails naming a block.
func FuzzTemplate(f *testing.F) {
	data, err := os.ReadFile("../testdata/templates/bakery.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(`{"header":[{"type":"textline","value":{"text":"{{.Merchant | printf \"%q\"}}"}}]}`))
	f.Add([]byte(`{"footer":[{"type":"qr","value":{"data":"{{date .Created \"2006\"}}{{.ID}}"}}]}`))
	doc, err := os.ReadFile(filepath.Join("..", "testdata", "secuconnect", "card-topup.json"))
	if err != nil {
		f.Fatal(err)
	}
	tx, err := ParseTransaction(doc)
	if err != nil {
		f.Fatal(err)
	}
	p := &escpos.Profile{ID: "fuzz", WidthDots: 576, Fonts: []escpos.FontInfo{{Font: escpos.FontA, Columns: 48}},
		CodePages: []escpos.CodePageSlot{{Slot: 19, Encoding: "CP858"}}, Features: escpos.Features{BitImageRaster: true, QRCode: true, BarcodeB: true, Graphics: true}}
	f.Fuzz(func(t *testing.T, data []byte) {
		tpl, err := ParseTemplate(data, func(string) ([]byte, error) { return nil, os.ErrNotExist })
		if err != nil {
			return
		}
		r, err := NewRenderer(Options{Profile: p, Template: tpl, Logos: LogoStored})
		if err != nil {
			return
		}
		if _, _, err := r.RenderTransaction(nil, tx); err != nil && !errors.As(err, new(*BlockError)) && !errors.As(err, new(*BasketError)) {
			t.Fatalf("render error not located: %v", err)
		}
	})
}
