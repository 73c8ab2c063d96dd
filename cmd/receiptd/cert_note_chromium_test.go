package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issue 19 item 2: a self-signed certificate that no longer names the host
// (here one made for another machine) is re-issued at start, and the staff
// page, opened over plain HTTP in headless Chromium, says that the tills'
// browsers must accept it again, with the new fingerprint and how.
func TestReissuedCertificateNoteInChromium(t *testing.T) {
	browser := chromium(t)
	dir := filepath.Join(t.TempDir(), "data")
	certPEM, keyPEM, err := makeSelfSigned(hostNames{DNS: []string{"elsewhere"}, IPs: []net.IP{net.ParseIP("192.0.2.99")}}, time.Now())
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "tls"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, selfSignedCert), certPEM, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, selfSignedKey), keyPEM, 0o600))

	plain, _, logs := startBoth(t, "-data-dir", dir, "-listen-tls", "127.0.0.1:0", "-tls", "self-signed")
	assert.Contains(t, logs.String(), "re-issued")
	pair, err := os.ReadFile(filepath.Join(dir, selfSignedCert))
	require.NoError(t, err)
	require.NotEqual(t, certPEM, pair, "re-issued on disk")

	ctx, shoot := browse(t, browser, 60*time.Second)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(plain+"/")))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`!document.querySelector('#certNote').hidden`))
	require.NoError(t, err)
	shoot("certificate-reissued")
	note, err := chromedp.Run(ctx, chromedp.Evaluate[string](shown("#certNote")))
	require.NoError(t, err)
	assert.Contains(t, note, "The HTTPS certificate changed (the host's names or addresses changed")
	assert.Contains(t, note, "must accept it again")
	assert.Contains(t, note, "Advanced → Proceed")
	fp := logs.String()
	_, after, ok := strings.Cut(fp, "self-signed certificate made")
	require.True(t, ok, fp)
	_, after, ok = strings.Cut(after, "sha256=")
	require.True(t, ok, fp)
	assert.Contains(t, note, strings.Fields(after)[0], "the new fingerprint, as logged")
}
