package server

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"time"

	"github.com/secuprint/receipt/printers/fleet"
)

// list answers GET /v1/jobs at the hub: the jobs of the hub's index
// (fleet.IndexRecent changed last, plus those waiting for a person),
// newest first, filtered by ?site, ?printer and ?state, ?limit at a
// time; ?before is the previous page's next_before. A job the index no
// longer holds is still read by its id.
func (h *hubAPI) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state, limit, ok := parseFilters(w, q)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	page, err := h.hub.Jobs(ctx, fleet.ListQuery{Site: q.Get("site"), Printer: q.Get("printer"), State: fleet.State(state),
		Limit: limit, Before: q.Get("before")})
	switch {
	case errors.Is(err, fleet.ErrBadCursor):
		writeError(w, "bad_before", "before is the next_before of a job list")
	case err != nil:
		writeHubFault(w, err) // the index not read yet: 503, try again
	default:
		writePage(w, page.Jobs, page.Next)
	}
}

// hubPage serves the staff page of web/ with <body data-fleet="hub">:
// the one page learns from it that it talks to a hub (sites, a site
// column, no test form).
func hubPage() http.Handler {
	files := mustSub(webFS, "web")
	static := http.FileServerFS(files)
	index, err := fs.ReadFile(files, "index.html")
	if err != nil {
		return static // embedded at build time: a build bug
	}
	index = bytes.Replace(index, []byte("<body>"), []byte(`<body data-fleet="hub">`), 1)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			static.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(index)
	})
}
