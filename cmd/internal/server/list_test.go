package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers/spool"
)

// fillHistory stores n finished jobs for printer "front".
func fillHistory(t testing.TB, sp *spool.Spool, n int) {
	t.Helper()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32) // concurrent enqueues share commits
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_, _, err := sp.EnqueueJob("gone", "h-"+strconv.Itoa(i), spool.Job{}, []byte("x"))
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
}

// allocPerList is the bytes one GET /v1/jobs?limit=50 allocates.
func allocPerList(s *Server, path string) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A page of the list costs what it returns, not the whole history.
func TestListReadsOnlyItsPage(t *testing.T) {
	e := newEnv(t)
	fillHistory(t, e.spool, 60)
	small := allocPerList(e.srv, "/v1/jobs?limit=50")
	fillHistory(t, e.spool, 3000)
	big := allocPerList(e.srv, "/v1/jobs?limit=50")
	assert.Less(t, big, 3*small, "a 50-job page at 3060 jobs allocates %d bytes, at 60 jobs %d", big, small)
}

func TestListPaging(t *testing.T) {
	e := newEnv(t)
	fillHistory(t, e.spool, 7)
	page := func(path string) (ids []string, next string) {
		resp, body := e.do(t, "GET", path, "", "")
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		var out struct {
			Jobs []spool.Job `json:"jobs"`
			Next string      `json:"next_before"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &out))
		for _, j := range out.Jobs {
			ids = append(ids, j.ID)
		}
		return ids, out.Next
	}
	ids, next := page("/v1/jobs?limit=3")
	assert.Equal(t, []string{"j1000000000005", "j1000000000006", "j1000000000007"}, ids, "the newest, oldest first")
	assert.Equal(t, "j1000000000005", next)
	ids, next = page("/v1/jobs?limit=3&before=" + next)
	assert.Equal(t, []string{"j1000000000002", "j1000000000003", "j1000000000004"}, ids)
	ids, next = page("/v1/jobs?limit=3&before=" + next)
	assert.Equal(t, []string{"j1000000000001"}, ids)
	assert.Empty(t, next, "the last page")
	for _, bad := range []string{"x", "j1", "j10000000000011", "1000000000001", "j100000000000a"} {
		resp, body := e.do(t, "GET", "/v1/jobs?before="+bad, "", "")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, bad)
		assert.Contains(t, body, `"bad_before"`)
	}
}

// FuzzBefore: ?before is either refused with 400 bad_before or a job id
// that sorts like one.
func FuzzBefore(f *testing.F) {
	for _, s := range []string{"", "j1000000000001", "j1", "x", "j100000000000a", "j10000000000011", "ј1000000000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		w := httptest.NewRecorder()
		got, ok := parseBefore(w, v)
		if !ok {
			require.Equal(t, http.StatusBadRequest, w.Code)
			require.Contains(t, w.Body.String(), `"bad_before"`)
			return
		}
		require.Equal(t, v, got)
		if v != "" {
			require.Len(t, v, 14)
			_, err := strconv.ParseUint(v[1:], 10, 64)
			require.NoError(t, err)
		}
	})
}

// writePage writes what writeJSON would.
func TestWritePageIsWriteJSON(t *testing.T) {
	jobs := []spool.Job{{ID: "j1000000000001", Printer: "p", Warnings: []string{"w <&>"}}, {ID: "j1000000000002", Copy: true}}
	for _, tt := range []struct {
		jobs []spool.Job
		next string
	}{{nil, ""}, {jobs[:1], ""}, {jobs, "j1000000000001"}} {
		want := httptest.NewRecorder()
		page := map[string]any{"jobs": tt.jobs}
		if tt.jobs == nil {
			page["jobs"] = []spool.Job{}
		}
		if tt.next != "" {
			page["next_before"] = tt.next
		}
		writeJSON(want, http.StatusOK, page)
		got := httptest.NewRecorder()
		writePage(got, tt.jobs, tt.next)
		assert.Equal(t, want.Body.String(), got.Body.String())
		assert.Equal(t, want.Header(), got.Header())
	}
}
