package printers_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/secuprint/receipt/printers"
)

// FuzzIdentityAnswer feeds any bytes to the identity-answer parsers and to
// Identify over a link that answers with them. Seeds: the documented
// answers under testdata/identity (first byte: the GS I function, 0 for
// Star's ESC # *). The parsers never use more bytes than given, report a
// text answer only as printable ASCII within the limit, and Identify ends
// with every GS I function either answered or not, once.
func FuzzIdentityAnswer(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "identity", "*.bin"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds under testdata/identity: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		n, body := data[0], data[1:]
		text, _, used, err := printers.ParseIDAnswer(n, body)
		checkUsed(t, used, len(body), err)
		if err == nil {
			checkText(t, text)
		}
		model, version, used, err := printers.ParseStarVersion(body)
		checkUsed(t, used, len(body), err)
		if err == nil {
			checkText(t, model)
			checkText(t, version)
		}
		// Identify over a link that answers each request with the next
		// piece of body (the stream format of FuzzConnPrinter).
		c := newStreamConn(body)
		id, err := printers.Identify(context.Background(), c, printers.IdentifyOptions{Timeout: time.Millisecond})
		if err != nil && !errors.Is(err, printers.ErrNoIdentity) {
			t.Fatalf("Identify: %v", err)
		}
		if id.Language == "escpos" {
			seen := map[int]int{}
			for _, x := range append(append([]int{}, id.Answered...), id.Unanswered...) {
				seen[x]++
			}
			if len(seen) != len(printers.IdentityFunctions) {
				t.Fatalf("functions accounted for: %v", seen)
			}
			for x, k := range seen {
				if k != 1 {
					t.Fatalf("GS I %d counted %d times", x, k)
				}
			}
		}
		for _, s := range []string{id.Maker, id.Model, id.Serial, id.Firmware, id.FontLanguage} {
			checkText(t, s)
		}
		p, m := printers.ProfileFor(id)
		if p == nil || m.Reason == "" {
			t.Fatalf("ProfileFor(%+v) = %v, %+v", id, p, m)
		}
	})
}

func checkUsed(t *testing.T, used, n int, err error) {
	t.Helper()
	if used < 0 || used > n {
		t.Fatalf("used %d of %d bytes (err %v)", used, n, err)
	}
	if err != nil && !errors.Is(err, printers.ErrShortAnswer) && !errors.Is(err, printers.ErrGarbledAnswer) {
		t.Fatalf("unexpected error %v", err)
	}
}

func checkText(t *testing.T, s string) {
	t.Helper()
	if len(s) > 81 {
		t.Fatalf("text of %d bytes", len(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7F {
			t.Fatalf("byte 0x%02X in %q", s[i], s)
		}
	}
}
