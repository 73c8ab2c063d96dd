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
		Receipts: 2, Copy: true, CopyOf: "c", Attempt: 2, History: []spool.Attempt{{Attempt: 1}}, Attempts: 1, Sent: 1, Size: 1, Warnings: []string{"w"}, CreatedAt: time.Now(), UpdatedAt: time.Now(), RetriedAt: time.Now()}
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

// Every error code the server writes is in the one table (statusOf), and
// the docs' table lists it on its status's row and on no other.
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
	calls := regexp.MustCompile(`writeError\(w, "(\w+)"`).FindAllStringSubmatch(string(src), -1)
	require.NotEmpty(t, calls)
	for _, c := range calls {
		_, ok := statusOf[c[1]]
		assert.True(t, ok, "error code %s is not in statusOf", c[1])
	}
	for _, c := range codeOf {
		_, ok := statusOf[c.code]
		assert.True(t, ok, "error code %s is not in statusOf", c.code)
	}
	for code, status := range statusOf {
		for other, row := range rows {
			if other == status {
				assert.Contains(t, row, "`"+code+"`", "docs/api.md: %d %s (%s)", status, code, http.StatusText(status))
			} else {
				assert.NotContains(t, row, "`"+code+"`", "docs/api.md lists %s under %d too: one code, one status", code, other)
			}
		}
	}
}
