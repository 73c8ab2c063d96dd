package server

import "net/http"

// noFraming forbids every answer, the page and the API's alike, to be
// shown inside another site's frame: a click in a framed page counts as
// same-origin and could reprint or cancel (clickjacking). frame-ancestors
// is the standard; X-Frame-Options is for browsers that predate it.
func noFraming(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "frame-ancestors 'none'")
		w.Header().Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}
