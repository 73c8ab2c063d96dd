package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMakeRunDocumented: docs/cli.md § make run shows the command the
// Makefile runs and its defaults (it named the wrong transaction and no
// template), and make run says which exit code receipt print gave (make
// itself exits 2 on any failure).
func TestMakeRunDocumented(t *testing.T) {
	mk, err := os.ReadFile("../../Makefile")
	require.NoError(t, err)
	doc, err := os.ReadFile("../../docs/cli.md")
	require.NoError(t, err)
	_, section, _ := strings.Cut(string(doc), "## make run")
	section, _, _ = strings.Cut(section, "\n## ")
	assert.Contains(t, section, "bin/receipt print -printer $(PRINTER) -printer-model $(MODEL) -template $(TEMPLATE) $(TX)")
	assert.Contains(t, string(mk), "@echo '$(BIN)/receipt print -printer $(PRINTER) -printer-model $(MODEL) -template $(TEMPLATE) $(TX)'")
	for _, v := range []string{"TX", "TEMPLATE", "PRINTER", "MODEL"} {
		m := regexp.MustCompile(`(?m)^` + v + `\s*\?=\s*(\S+)`).FindStringSubmatch(string(mk))
		require.NotNil(t, m, v)
		assert.Contains(t, section, "`"+m[1]+"`", "the documented default of %s", v)
	}

	make, err := exec.LookPath("make")
	if err != nil {
		t.Skip("no make")
	}
	bin := t.TempDir()
	// A stand-in for bin/receipt that fails as a printer out of paper does.
	require.NoError(t, os.WriteFile(filepath.Join(bin, "receipt"), []byte("#!/bin/sh\nexit 5\n"), 0o755))
	cmd := exec.Command(make, "-s", "--no-print-directory", "-C", "../..", "run", "RUN_DEPS=", "BIN="+bin)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "%s", out)
	assert.Equal(t, 2, ee.ExitCode())
	assert.Contains(t, string(out), "make run: receipt print exited 5 (not printed: paper end); make itself exits 2")
	assert.Contains(t, section, "make run: receipt print exited 5 (not printed: paper end); make\nitself exits 2")
}
