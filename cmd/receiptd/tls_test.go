package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSelfSignedReusedWhileNamesHold: the certificate made on first start
// is reused (same fingerprint) while it names the host's names and
// addresses, and re-issued, with a log line, when one is missing or it
// nears its end.
func TestSelfSignedReusedWhileNamesHold(t *testing.T) {
	dir := t.TempDir()
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	names := hostNames{DNS: []string{"localhost", "till-host"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1), net.ParseIP("192.168.1.20")}}
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	first, why, err := selfSigned(dir, names, now, log)
	require.NoError(t, err)
	assert.Empty(t, why, "a first certificate is made, not re-issued")
	leaf, err := x509.ParseCertificate(first.Certificate[0])
	require.NoError(t, err)
	assert.ElementsMatch(t, names.DNS, leaf.DNSNames)
	assert.Len(t, leaf.IPAddresses, 2)
	assert.NoError(t, leaf.VerifyHostname("192.168.1.20"))
	st, err := os.Stat(filepath.Join(dir, selfSignedKey))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	again, why, err := selfSigned(dir, hostNames{DNS: []string{"localhost"}, IPs: []net.IP{net.ParseIP("192.168.1.20")}}, now.Add(24*time.Hour), log)
	require.NoError(t, err)
	assert.Equal(t, Fingerprint(first.Certificate[0]), Fingerprint(again.Certificate[0]), "a subset of the names: reused")
	assert.Empty(t, why)
	assert.Contains(t, logs.String(), "reused")

	moved := hostNames{DNS: names.DNS, IPs: []net.IP{net.ParseIP("10.0.0.7")}}
	third, why, err := selfSigned(dir, moved, now.Add(48*time.Hour), log)
	require.NoError(t, err)
	assert.NotEqual(t, Fingerprint(first.Certificate[0]), Fingerprint(third.Certificate[0]))
	assert.Contains(t, logs.String(), "re-issued")
	assert.Contains(t, logs.String(), "10.0.0.7 not in it")
	assert.Equal(t, "the host's names or addresses changed (10.0.0.7 not in it)", why, "what the staff page shows")

	late, why, err := selfSigned(dir, moved, now.Add(selfSignedValidity-selfSignedRenew/2), log)
	require.NoError(t, err)
	assert.NotEqual(t, Fingerprint(third.Certificate[0]), Fingerprint(late.Certificate[0]), "near its end: re-issued")
	assert.Contains(t, why, "it expires")

	require.NoError(t, os.WriteFile(filepath.Join(dir, selfSignedCert), []byte("junk"), 0o644))
	_, _, err = selfSigned(dir, moved, now, log)
	assert.ErrorContains(t, err, "remove both files")
}

func TestWebConfig(t *testing.T) {
	t.Setenv("RECEIPTD_ALLOWED_ORIGINS", "https://a.example,https://b.example")
	t.Setenv("RECEIPTD_LISTEN_TLS", "")
	t.Setenv("RECEIPTD_TLS", "")
	cfg, _, code := loadConfig(nil, io.Discard, io.Discard)
	require.Equal(t, -1, code)
	assert.Equal(t, []string{"https://a.example", "https://b.example"}, cfg.AllowedOrigins)
	cfg, _, code = loadConfig([]string{"-allowed-origin", "https://c.example", "-allowed-origin", "http://10.0.0.2:8069",
		"-listen-tls", "127.0.0.1:8443", "-tls", "self-signed"}, io.Discard, io.Discard)
	require.Equal(t, -1, code)
	assert.Equal(t, []string{"https://c.example", "http://10.0.0.2:8069"}, cfg.AllowedOrigins, "flags over environment")
	assert.Equal(t, "127.0.0.1:8443", cfg.ListenTLS)
	assert.NoError(t, checkBind(cfg))

	toml := filepath.Join(t.TempDir(), "r.toml")
	require.NoError(t, os.WriteFile(toml, []byte(`allowed_origins = ["https://pos.example.com"]
listen_tls = "0.0.0.0:443"
tls = "self-signed"
epos_networks = ["192.168.1.0/24", "10.0.0.9"]
epos_default = "front"
epos_allow_command = true
`), 0o644))
	t.Setenv("RECEIPTD_ALLOWED_ORIGINS", "")
	cfg, _, code = loadConfig([]string{"-config", toml}, io.Discard, io.Discard)
	require.Equal(t, -1, code)
	assert.Equal(t, webConfig{AllowedOrigins: []string{"https://pos.example.com"}, ListenTLS: "0.0.0.0:443", TLS: "self-signed",
		EposNetworks: []string{"192.168.1.0/24", "10.0.0.9"}, EposDefault: "front", EposAllowCommand: true}, cfg.webConfig)
	nets, err := cfg.networks()
	require.NoError(t, err)
	assert.Equal(t, "[192.168.1.0/24 10.0.0.9/32]", fmtPrefixes(nets))
	assert.ErrorContains(t, checkBind(cfg), "listen_tls 0.0.0.0:443 is reachable", "the JSON API's rule holds on HTTPS too")
	cfg.Tokens = []string{"t"}
	assert.NoError(t, checkBind(cfg))

	for _, bad := range []webConfig{
		{AllowedOrigins: []string{"pos.example.com"}},
		{EposNetworks: []string{"192.168.1/24"}},
		{ListenTLS: "127.0.0.1:8443"},
		{ListenTLS: "127.0.0.1:8443", TLS: "acme"},
		{ListenTLS: "127.0.0.1:8443", TLSCert: "c.pem"},
		{ListenTLS: "127.0.0.1:8443", TLS: "self-signed", TLSCert: "c", TLSKey: "k"},
		{TLS: "self-signed"},
		{ListenTLS: "nope", TLS: "self-signed"},
	} {
		assert.Error(t, checkBind(fileConfig{Listen: "127.0.0.1:8080", webConfig: bad}), "%+v", bad)
	}
}

func fmtPrefixes[T interface{ String() string }](ps []T) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return "[" + strings.Join(s, " ") + "]"
}

// TestHTTPSSelfSigned runs the binary with -listen-tls and a self-signed
// certificate: it serves the same API over HTTPS, the certificate names
// 127.0.0.1, and a second start reuses it.
func TestHTTPSSelfSigned(t *testing.T) {
	dir := t.TempDir()
	startTLS := func() (string, string, *exec.Cmd) {
		cmd := exec.Command(binary, "-listen", "127.0.0.1:0", "-listen-tls", "127.0.0.1:0", "-tls", "self-signed", "-data-dir", dir)
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
		r := bufio.NewReader(out)
		_, err = r.ReadString('\n')
		require.NoError(t, err)
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		_, rest, ok := strings.Cut(line, "listening on ")
		require.True(t, ok, line)
		f := strings.Fields(rest)
		return f[0], strings.TrimSuffix(f[3], ")"), cmd
	}
	url, fp, cmd := startTLS()
	require.True(t, strings.HasPrefix(url, "https://127.0.0.1:"), url)
	pem, err := os.ReadFile(filepath.Join(dir, selfSignedCert))
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := client.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		require.True(t, time.Now().Before(deadline), "no HTTPS answer: %v", err)
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	_, _ = cmd.Process.Wait()
	_, fp2, _ := startTLS()
	assert.Equal(t, fp, fp2, "the second start reuses the certificate")
}
