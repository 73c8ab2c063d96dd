package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Browser access for web tills. A page served from an origin in
// Config.AllowedOrigins may call the JSON API (with its bearer token, as
// any client) and read the answers: preflights are answered, answers carry
// Access-Control-Allow-Origin and Vary: Origin. Every other origin keeps
// the same-origin protection: no CORS headers (nothing is readable) and
// http.CrossOriginProtection refuses its state-changing requests.

// corsMethods and corsHeaders are what the JSON API takes from a page.
const (
	corsMethods = "GET, POST, DELETE"
	corsHeaders = "Authorization, Content-Type, Idempotency-Key"
	corsMaxAge  = "600" // seconds a browser may keep a preflight's answer
)

// NormalizeOrigin checks an allowed origin ("https://pos.example.com",
// "http://192.168.1.20:8069") and returns it as browsers send it: scheme
// and host in lower case, no path, no default port.
func NormalizeOrigin(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return "", fmt.Errorf("allowed origin %q: %w", s, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" || u.Host == "" || u.User != nil ||
		u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("allowed origin %q: want scheme://host[:port], e.g. https://pos.example.com", s)
	}
	host := strings.ToLower(u.Host)
	if p := u.Port(); p == "80" && scheme == "http" || p == "443" && scheme == "https" {
		host = strings.TrimSuffix(host, ":"+p)
	}
	return scheme + "://" + host, nil
}

// origins is the set of allowed origins.
type origins map[string]bool

func newOrigins(list []string) (origins, error) {
	o := origins{}
	for _, s := range list {
		n, err := NormalizeOrigin(s)
		if err != nil {
			return nil, err
		}
		o[n] = true
	}
	return o, nil
}

// allowed reports whether a request's Origin header names an allowed
// origin (compared as browsers send it: exactly).
func (o origins) allowed(origin string) bool { return origin != "" && o[origin] }

// corsPreflight answers an OPTIONS preflight from an allowed origin, for
// the methods and headers given. It answers Chrome's Private Network
// Access question too (a public page calling a LAN address).
func corsPreflight(w http.ResponseWriter, r *http.Request, methods, headers string) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
	h.Set("Access-Control-Allow-Methods", methods)
	h.Set("Access-Control-Allow-Headers", headers)
	h.Set("Access-Control-Max-Age", corsMaxAge)
	if strings.EqualFold(r.Header.Get("Access-Control-Request-Private-Network"), "true") {
		h.Set("Access-Control-Allow-Private-Network", "true")
	}
	h.Add("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network")
	w.WriteHeader(http.StatusNoContent)
}

// isPreflight reports a CORS preflight request.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// withCORS puts the JSON API's browser access in front of next (the mux
// behind the cross-origin protection, which trusts the allowed origins).
func withCORS(allowed origins, cop *http.CrossOriginProtection, next http.Handler) (http.Handler, error) {
	if len(allowed) == 0 {
		return next, nil
	}
	for o := range allowed {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("server: allowed origin %s: %w", o, err)
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Answers differ by origin: caches must keep them apart.
		w.Header().Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		if !allowed.allowed(origin) {
			if isPreflight(r) {
				writeError(w, http.StatusForbidden, "cross_origin", "origin "+origin+" is not in allowed_origins", nil)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if isPreflight(r) {
			corsPreflight(w, r, corsMethods, corsHeaders)
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Set("Access-Control-Expose-Headers", "Location, Retry-After")
		next.ServeHTTP(w, r)
	}), nil
}
