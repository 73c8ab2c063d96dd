package receipt

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/secuprint/receipt/escpos"
)

// addTestdataSeeds seeds f with every JSON document under testdata/.
func addTestdataSeeds(f *testing.F) {
	f.Helper()
	for _, pattern := range []string{"../testdata/secuconnect/*.json", "../testdata/receipts/*.json", "../testdata/documents/*.json"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte(`[{"type":"textline","value":{"text":"\u001b@\u001dV\u0000 ü € \u2028","decoration":["important","x"]}}]`))
	f.Add([]byte(`{"receipt":[{"type":"separator","value":{"caption":""}},{"type":"space"}]}`))
}

func FuzzParseTransaction(f *testing.F) {
	addTestdataSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		tx, err := ParseTransaction(data)
		if err != nil {
			return
		}
		for i, l := range tx.Receipt {
			if l.Type < Separator || l.Type > Space {
				t.Fatalf("line %d: parsed an invalid type %v", i, l.Type)
			}
			if l.Decoration&^Important != 0 {
				t.Fatalf("line %d: undefined decoration bits %b", i, l.Decoration)
			}
		}
	})
}

func FuzzRender(f *testing.F) {
	addTestdataSeeds(f)
	cp437 := &escpos.Profile{ID: "cp437", Fonts: []escpos.FontInfo{{Font: escpos.FontA, Columns: 7}},
		CodePages: []escpos.CodePageSlot{{Slot: 0, Encoding: "CP437"}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		tx, err := ParseTransaction(data)
		if err != nil {
			return
		}
		for _, p := range []*escpos.Profile{epson, cp437} {
			r, err := NewRenderer(Options{Profile: p, SectionCut: escpos.CutFull, EndCut: escpos.CutPartial})
			if err != nil {
				t.Fatal(err)
			}
			out, _, err := r.Render(nil, tx.Receipt)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			assertOnlyEncoderControls(t, out)
			text, _ := r.Text(nil, tx.Receipt)
			if !utf8.Valid(text) {
				t.Fatalf("text preview is not UTF-8: %q", text)
			}
			for _, c := range string(text) {
				if c < 0x20 && c != '\n' || c == 0x7F || c >= 0x80 && c < 0xA0 {
					t.Fatalf("control %U in the text preview: %q", c, text)
				}
			}
		}
	})
}

// FuzzParseDifferential holds the single-pass parser to the encoding/json
// one it replaced (parse_reference_test.go): the same transaction or the
// same class of error, except where it is stricter on purpose.
func FuzzParseDifferential(f *testing.F) {
	addTestdataSeeds(f)
	f.Add([]byte(`[{"type":"space","type":"space"}]`))
	f.Add([]byte("[{\"type\":\"textline\",\"value\":{\"text\":\"\xff\"}}]"))
	f.Add([]byte(`{"receipt":[{"value":{"text":"a"},"type":"text\u006cine"}],"merchant":{"CompanyName":"X"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParseTransaction(data)
		want, wantErr := refParseTransaction(data)
		strict := !jsontext.Value(data).IsValid() && json.Valid(data) // duplicate names or invalid UTF-8
		switch {
		case strict:
			if err == nil || !errors.Is(err, ErrSyntax) {
				t.Fatalf("duplicate names or invalid UTF-8 must be a syntax error, got %v", err)
			}
			return
		case err != nil && wantErr == nil && errors.As(err, new(*BlockError)):
			return // header and footer blocks are new: the reference knows none
		case err == nil && wantErr == nil:
			// The reference knows nothing of the blocks and the basket.
			got.Header, got.Footer, got.basketJSON, got.basketInfoJSON, got.basket, got.headerJSON, got.footerJSON = nil, nil, nil, nil, nil, nil, nil
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("parsed differently:\n got %#v\nwant %#v", got, want)
			}
			return
		case err == nil || wantErr == nil:
			if errors.Is(err, ErrTooManyLines) || errors.Is(wantErr, ErrTooManyLines) {
				return // counted before or after the lines' faults
			}
			t.Fatalf("got error %v, want %v", err, wantErr)
		}
		for _, sentinel := range []error{ErrSyntax, ErrNoReceipt, ErrUnknownType, ErrFieldType, ErrMissingField,
			ErrUnknownField, ErrTooManyLines, ErrFieldTooLong, errNotAnObject} {
			if errors.Is(err, sentinel) != errors.Is(wantErr, sentinel) {
				if errors.Is(err, ErrTooManyLines) || errors.Is(wantErr, ErrTooManyLines) {
					return
				}
				t.Fatalf("error class differs for %v:\n got %v\nwant %v", sentinel, err, wantErr)
			}
		}
		var le, wantLE *LineError
		if errors.As(err, &le) != errors.As(wantErr, &wantLE) {
			t.Fatalf("line error differs:\n got %v\nwant %v", err, wantErr)
		}
		if le == nil {
			return
		}
		// With several unknown names the old parser named a random one.
		if le.Line != wantLE.Line || (le.Field != wantLE.Field && !errors.Is(err, ErrUnknownField)) {
			t.Fatalf("located differently:\n got %v\nwant %v", err, wantErr)
		}
	})
}
