package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const golden42 = "../../testdata/golden/pay-missing-sum/TM-T88V-42col.bin"

func TestDiffCommand(t *testing.T) {
	dir := t.TempDir()
	a, err := os.ReadFile(golden42)
	require.NoError(t, err)
	// B: one amount changed and a line added at the end of the receipt.
	b := bytes.Replace(a, []byte("7,96"), []byte("8,96"), 1)
	require.NotEqual(t, a, b)
	b = append(b[:len(b)-4:len(b)-4], append([]byte("Danke!\n"), a[len(a)-4:]...)...)
	pa, pb := filepath.Join(dir, "a.bin"), filepath.Join(dir, "b.bin")
	require.NoError(t, os.WriteFile(pa, a, 0o644))
	require.NoError(t, os.WriteFile(pb, b, 0o644))

	code, out, stderr := runCLI(t, "", "diff", "-printer-model", "TM-T88V", pa, pa)
	assert.Equal(t, 0, code, stderr)
	assert.Empty(t, out)

	pngPath := filepath.Join(dir, "d.png")
	code, out, stderr = runCLI(t, "", "diff", "-printer-model", "TM-T88V", "-context", "1", "-png", pngPath, pa, pb)
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, out, "--- "+pa)
	assert.Contains(t, out, "+++ "+pb)
	assert.Contains(t, out, "7,96")
	assert.Contains(t, out, "8,96")
	assert.Contains(t, out, `"Danke!"`)
	assert.Contains(t, out, "1 command only in A, 3 only in B")
	assert.Regexp(t, `paper: [1-9][0-9]* dot rows differ`, out)
	f, err := os.Open(pngPath)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Greater(t, img.Bounds().Dx(), 2*512, "both tickets side by side")

	code, out, _ = runCLI(t, "", "diff", "-q", pa, pb)
	assert.Equal(t, 1, code)
	assert.Empty(t, out)

	for _, args := range [][]string{
		{"diff", pa},
		{"diff", pa, filepath.Join(dir, "missing.bin")},
		{"diff", "-printer-model", "nope", pa, pb},
		{"diff", "-context", "-1", pa, pb},
		{"diff", "-bogus", pa, pb},
		{"diff", "-png", filepath.Join(dir, "no", "such", "dir.png"), pa, pb},
	} {
		code, _, _ := runCLI(t, "", args...)
		assert.Equal(t, 2, code, "%v", args)
	}
}

func TestPreviewRaw(t *testing.T) {
	code, out, stderr := runCLI(t, "", "preview", "-raw", "-printer-model", "TM-T88V", golden42)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "--- cut (partial) ---")

	// Captured bytes are recognised without -raw, from stdin too; a PNG
	// shows every ticket.
	in := "\x1b@\x1ba\x01first\n\x1dV\x00second\n\x1dV\x00"
	code, out, stderr = runCLI(t, in, "preview", "-printer-model", "ZJ-5870")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "**first**", "**"+strings.TrimSpace(strings.Split(out, "\n")[0])+"**")
	assert.Contains(t, out, "second")
	code, out, stderr = runCLI(t, in, "preview", "-format", "png", "-printer-model", "ZJ-5870")
	require.Equal(t, 0, code, stderr)
	img, err := png.Decode(strings.NewReader(out))
	require.NoError(t, err)
	assert.Equal(t, 384, img.Bounds().Dx())

	code, _, stderr = runCLI(t, "\x1bE", "preview", "-raw")
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr, "warning: virtual printer: offset 0")

	code, out, stderr = runCLI(t, "", "preview", "-raw", "-format", "html", golden42)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "data:image/png;base64,")
}

// TestPreviewStoredLogo: with -logo stored the preview's printer holds the
// template's logo, as the real one does once it was defined.
func TestPreviewStoredLogo(t *testing.T) {
	code, out, stderr := runCLI(t, "", "preview", "-printer-model", "TM-T88V", "-template", "../../testdata/templates/bakery.json",
		"-logo", "stored", "../../testdata/secuconnect/pay-missing-sum.json")
	require.Equal(t, 0, code, stderr)
	assert.True(t, strings.HasPrefix(out, `[logo "LG" `), out)
	assert.NotContains(t, stderr, "not defined")
}
