package escpostest_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos/escpostest"
)

var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")

// recorder stands in for the test Golden checks.
type recorder struct {
	testing.TB
	errs, logs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}
func (r *recorder) Logf(format string, a ...any) { r.logs = append(r.logs, fmt.Sprintf(format, a...)) }

func TestGolden(t *testing.T) {
	// Golden follows -update; this test sets it as it goes, so it runs the
	// same under go test ./... -update.
	f := flag.Lookup("update")
	was := f.Value.String()
	require.NoError(t, flag.Set("update", "false"))
	t.Cleanup(func() { _ = flag.Set("update", was) })
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "receipt.bin")
	want := []byte("\x1b@\x1ba\x01Shop\n\x1bE\x01Summe 7,96 EUR\n\x1bE\x00Danke\n\x1dVB\x00")
	on, off := true, false

	r := &recorder{TB: t}
	escpostest.Golden(r, want, path)
	require.Len(t, r.errs, 1)
	assert.Contains(t, r.errs[0], "is missing: run go test -update")

	r = &recorder{TB: t}
	require.NoError(t, flag.Set("update", "true"))
	escpostest.Golden(r, want, path)
	require.NoError(t, flag.Set("update", "false"))
	require.Empty(t, r.errs)
	assert.FileExists(t, path)
	disasm, err := os.ReadFile(filepath.Join(dir, "sub", "receipt.txt"))
	require.NoError(t, err)
	assert.Contains(t, string(disasm), `"Summe 7,96 EUR"`)

	r = &recorder{TB: t}
	escpostest.Golden(r, want, path)
	assert.Empty(t, r.errs, "the same bytes pass")

	got := []byte(strings.Replace(string(want), "7,96", "8,96", 1))
	r = &recorder{TB: t}
	escpostest.Options{Update: &off, Context: 1}.Golden(r, got, path)
	require.Len(t, r.errs, 1)
	msg := r.errs[0]
	assert.Contains(t, msg, "output differs from "+path)
	assert.Contains(t, msg, `- 000d       "Summe 7,96 EUR"`)
	assert.Contains(t, msg, `+      000d  "Summe 8,96 EUR"`)
	assert.Contains(t, msg, "1 command only in A, 1 only in B")
	for _, ext := range []string{".want.png", ".got.png", ".diff.png"} {
		assert.FileExists(t, filepath.Join(dir, "sub", "receipt"+ext))
	}

	// Passing again removes the pictures of the failure.
	r = &recorder{TB: t}
	escpostest.Golden(r, want, path)
	assert.Empty(t, r.errs)
	assert.NoFileExists(t, filepath.Join(dir, "sub", "receipt.got.png"))

	// A long diff is cut short.
	long := []byte(strings.Repeat("line\n", 500))
	r = &recorder{TB: t}
	escpostest.Options{MaxDiffLines: 10}.Golden(r, long, path)
	require.Len(t, r.errs, 1)
	assert.Contains(t, r.errs[0], "more lines")

	// An unwritable place is an error, not a panic.
	blocker := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o644))
	r = &recorder{TB: t}
	escpostest.Options{Update: &on}.Golden(r, want, filepath.Join(blocker, "x.bin"))
	require.Len(t, r.errs, 1)
	assert.Contains(t, r.errs[0], "updating")
}
