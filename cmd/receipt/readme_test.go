package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadmeWholeReceipts runs the README's whole-receipt commands: each
// succeeds and prints its header, basket and QR code once (issue 22 item
// 18: the example added the template to a document with its own header
// and footer, and everything printed twice).
func TestReadmeWholeReceipts(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, section, _ := strings.Cut(string(readme), "## Whole receipts")
	section, _, _ = strings.Cut(section, "\n## ")
	n := 0
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "bin/receipt ") {
			continue
		}
		args := strings.Fields(line)[1:]
		dir := t.TempDir()
		for i, a := range args {
			switch {
			case strings.HasPrefix(a, "testdata/"):
				args[i] = "../../" + a
			case i > 0 && args[i-1] == "-o":
				args[i] = filepath.Join(dir, a)
			}
		}
		if args[0] == "print" {
			args = append([]string{"print", "-out", dir}, args[1:]...)
		}
		code, stdout, stderr := runCLI(t, "", args...)
		require.Equal(t, exitOK, code, "%s\n%s", line, stderr)
		assert.NotContains(t, stderr, "both bring one", line)
		if args[0] == "print" {
			assert.Equal(t, 1, strings.Count(stdout, "[qr "), "%s: one QR code\n%s", line, stdout)
		}
		n++
	}
	assert.Equal(t, 2, n)

	// The double the README warns of.
	code, _, stderr := runCLI(t, "", "text", "-template", "../../testdata/templates/bakery.json", "../../testdata/documents/whole-receipt.json")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stderr, "warning: header[0]: template and document both bring one")
}
