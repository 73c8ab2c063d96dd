package server

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers/spool"
)

// apiDoc is docs/api.md, which ECR integrators read.
func apiDoc(t *testing.T) string {
	b, err := os.ReadFile("../../../docs/api.md")
	require.NoError(t, err)
	return string(b)
}

// The job shown in the docs has exactly the fields a job has.
func TestDocumentedJobFields(t *testing.T) {
	doc := apiDoc(t)
	_, rest, ok := strings.Cut(doc, "## Job\n\n```json\n")
	require.True(t, ok, "docs/api.md has a ## Job section with a JSON example")
	example, _, ok := strings.Cut(rest, "```")
	require.True(t, ok)
	var documented map[string]any
	require.NoError(t, json.Unmarshal([]byte(example), &documented))

	full := spool.Job{ID: "j", Printer: "p", Key: "k", TransactionID: "t", State: spool.Printed, Source: spool.SourceAPI, Reason: "r", Digest: "d",
		Receipts: 2, Copy: true, CopyOf: "c", Attempts: 1, Sent: 1, Size: 1, Warnings: []string{"w"}, CreatedAt: time.Now(), UpdatedAt: time.Now(), RetriedAt: time.Now()}
	b, err := json.Marshal(full)
	require.NoError(t, err)
	var actual map[string]any
	require.NoError(t, json.Unmarshal(b, &actual))
	keys := func(m map[string]any) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	assert.Equal(t, keys(actual), keys(documented))
}

// Every error code the server writes is in the docs' table, on its status's row.
func TestDocumentedErrorCodes(t *testing.T) {
	var src []byte
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			src = append(src, b...)
		}
	}
	rows := map[int]string{} // status -> its table rows
	for _, line := range strings.Split(apiDoc(t), "\n") {
		if f := strings.Split(line, "|"); len(f) > 2 && strings.TrimSpace(f[0]) == "" {
			if status, err := strconv.Atoi(strings.TrimSpace(f[1])); err == nil {
				rows[status] += line
			}
		}
	}
	statuses := map[string]int{"StatusBadRequest": 400, "StatusUnauthorized": 401, "StatusForbidden": 403, "StatusNotFound": 404,
		"StatusConflict": 409, "StatusRequestEntityTooLarge": 413, "StatusUnsupportedMediaType": 415,
		"StatusUnprocessableEntity": 422, "StatusInternalServerError": 500, "StatusServiceUnavailable": 503}
	calls := regexp.MustCompile(`writeError\(w, (?:http\.(\w+)|(\d+)), "(\w+)"`).FindAllStringSubmatch(string(src), -1)
	require.NotEmpty(t, calls)
	for _, c := range calls {
		status, known := statuses[c[1]]
		if c[2] != "" {
			status, known = atoi(c[2]), true
		}
		require.True(t, known, "status %s: add it to this test", c[1])
		assert.Contains(t, rows[status], "`"+c[3]+"`", "docs/api.md: %d %s (%s)", status, c[3], http.StatusText(status))
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s) // the regexp matched digits
	return n
}
