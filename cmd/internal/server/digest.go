package server

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// HTTP Digest authentication (RFC 7616, MD5 with qop=auth), the guard
// Epson's Server Direct Print offers: the password never crosses the
// network, and the nonce is stateless — a time and its HMAC under a key
// of this process — so it survives nothing but a short while.

const (
	digestRealm    = "receiptd sdp"
	digestNonceTTL = 5 * time.Minute
)

// digestNonce makes a nonce for now: the time, a random part (every
// challenge its own, so a client that starts each request afresh with
// nc=1 is never taken for a replay) and their HMAC.
func digestNonce(key []byte, now time.Time) string {
	var r [8]byte
	_, _ = rand.Read(r[:])
	return signNonce(key, strconv.FormatInt(now.Unix(), 10)+"."+hex.EncodeToString(r[:]))
}

func signNonce(key []byte, body string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(body))
	return body + "." + hex.EncodeToString(m.Sum(nil)[:16])
}

// digestNonceOK checks a nonce's HMAC and age.
func digestNonceOK(key []byte, nonce string, now time.Time) bool {
	i := strings.LastIndexByte(nonce, '.')
	if i < 0 {
		return false
	}
	ts, _, ok := strings.Cut(nonce[:i], ".")
	if !ok {
		return false
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	age := now.Sub(time.Unix(sec, 0))
	if age < -time.Minute || age > digestNonceTTL {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(signNonce(key, nonce[:i])), []byte(nonce)) == 1
}

// digestChallenge asks for Digest authentication.
func digestChallenge(w http.ResponseWriter, key []byte, now time.Time) {
	w.Header().Set("WWW-Authenticate", `Digest realm="`+digestRealm+`", qop="auth", algorithm=MD5, nonce="`+digestNonce(key, now)+`"`)
	pullError(w, http.StatusUnauthorized, "authentication required")
}

// digestParams splits an Authorization: Digest header.
func digestParams(h string) (map[string]string, bool) {
	rest, ok := strings.CutPrefix(h, "Digest ")
	if !ok || len(rest) > 2048 {
		return nil, false
	}
	p := map[string]string{}
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimSpace(rest) {
		k, v, ok := strings.Cut(rest, "=")
		if !ok {
			return nil, false
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if strings.HasPrefix(v, `"`) {
			end := strings.IndexByte(v[1:], '"')
			if end < 0 {
				return nil, false
			}
			p[k], rest = v[1:1+end], v[2+end:]
		} else {
			end := strings.IndexByte(v, ',')
			if end < 0 {
				end = len(v)
			}
			p[k], rest = strings.TrimSpace(v[:end]), v[end:]
		}
		rest = strings.TrimPrefix(strings.TrimSpace(rest), ",")
	}
	return p, true
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// digestCounts remembers, per nonce, the highest request count (nc)
// seen, so that a request overheard on the way cannot be sent again.
type digestCounts struct {
	mu   sync.Mutex
	seen map[string]digestSeen
}

type digestSeen struct {
	nc uint64
	at time.Time
}

// maxDigestNonces bounds the nonces remembered; the oldest go first
// (they expire after digestNonceTTL anyway).
const maxDigestNonces = 4096

// fresh reports whether nc is above every count seen with nonce, and
// records it.
func (d *digestCounts) fresh(nonce, nc string, now time.Time) bool {
	n, err := strconv.ParseUint(nc, 16, 64)
	if err != nil || len(nc) != 8 {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen == nil {
		d.seen = map[string]digestSeen{}
	}
	if s, ok := d.seen[nonce]; ok && n <= s.nc {
		return false
	}
	if len(d.seen) >= maxDigestNonces {
		for k, s := range d.seen {
			if now.Sub(s.at) > digestNonceTTL || len(d.seen) >= maxDigestNonces {
				delete(d.seen, k)
			}
		}
	}
	d.seen[nonce] = digestSeen{nc: n, at: now}
	return true
}

// digestOK checks r's Digest credentials for user and password.
func digestOK(r *http.Request, key []byte, counts *digestCounts, now time.Time, user, password string) bool {
	p, ok := digestParams(r.Header.Get("Authorization"))
	if !ok || p["realm"] != digestRealm || p["qop"] != "auth" || !digestNonceOK(key, p["nonce"], now) {
		return false
	}
	if a := p["algorithm"]; a != "" && !strings.EqualFold(a, "MD5") {
		return false
	}
	if p["uri"] != r.URL.RequestURI() {
		return false
	}
	ha1 := md5hex(p["username"] + ":" + digestRealm + ":" + password)
	ha2 := md5hex(r.Method + ":" + p["uri"])
	want := md5hex(ha1 + ":" + p["nonce"] + ":" + p["nc"] + ":" + p["cnonce"] + ":auth:" + ha2)
	userOK := subtle.ConstantTimeCompare([]byte(p["username"]), []byte(user)) == 1
	if subtle.ConstantTimeCompare([]byte(want), []byte(p["response"])) != 1 || !userOK {
		return false
	}
	// Counted only once the credentials are right: a stranger cannot use
	// up a printer's counts.
	return counts.fresh(p["nonce"], p["nc"], now)
}
