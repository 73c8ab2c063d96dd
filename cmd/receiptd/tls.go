package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/secuprint/receipt/cmd/internal/server"
)

// HTTPS for tills served over HTTPS, which browsers let call only HTTPS
// addresses. The certificate is the operator's (tls_cert, tls_key) or, with
// tls = "self-signed", one receiptd makes on first start and keeps in the
// data dir: reused on every start (same fingerprint, so a browser's
// exception holds) as long as it names every current host name and address
// of the machine, re-issued with a log line when they change.

const (
	selfSignedCert = "tls/self-signed.crt"
	selfSignedKey  = "tls/self-signed.key"
	// Browsers refuse longer validity for public certificates; staying
	// under it costs nothing for a private one.
	selfSignedValidity = 397 * 24 * time.Hour
	// A certificate this close to its end is re-issued at start.
	selfSignedRenew = 30 * 24 * time.Hour
)

// hostNames are the names and addresses a self-signed certificate must
// carry: localhost, the host name, and every address of every interface
// (a till calls the IP address; Odoo needs one).
type hostNames struct {
	DNS []string
	IPs []net.IP
}

func currentHostNames() (hostNames, error) {
	h := hostNames{DNS: []string{"localhost"}}
	if name, err := os.Hostname(); err == nil && name != "" && name != "localhost" {
		h.DNS = append(h.DNS, strings.ToLower(name))
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return h, fmt.Errorf("tls: interface addresses: %w", err)
	}
	h.IPs = append(h.IPs, net.IPv4(127, 0, 0, 1), net.IPv6loopback)
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLinkLocalUnicast() || ipn.IP.IsLoopback() {
			continue
		}
		h.IPs = append(h.IPs, ipn.IP)
	}
	return h, nil
}

// covers reports the names and addresses of want that cert lacks.
func covers(cert *x509.Certificate, want hostNames) []string {
	var missing []string
	for _, d := range want.DNS {
		if !slices.Contains(cert.DNSNames, d) {
			missing = append(missing, d)
		}
	}
	for _, ip := range want.IPs {
		if !slices.ContainsFunc(cert.IPAddresses, ip.Equal) {
			missing = append(missing, ip.String())
		}
	}
	return missing
}

// Fingerprint is the SHA-256 of a certificate, as browsers show it.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = strings.ToUpper(hex.EncodeToString([]byte{b}))
	}
	return strings.Join(parts, ":")
}

// selfSigned loads the data dir's self-signed certificate, or makes one
// when there is none, it no longer names every one of names, or it nears
// its end.
func selfSigned(dataDir string, names hostNames, now time.Time, log *slog.Logger) (tls.Certificate, string, error) {
	certPath, keyPath := filepath.Join(dataDir, selfSignedCert), filepath.Join(dataDir, selfSignedKey)
	pair, err := tls.LoadX509KeyPair(certPath, keyPath)
	why := "" // why a certificate was re-issued
	switch {
	case err == nil:
		leaf, perr := x509.ParseCertificate(pair.Certificate[0])
		if perr != nil {
			return tls.Certificate{}, "", fmt.Errorf("tls: %s: %w", certPath, perr)
		}
		missing := covers(leaf, names)
		if len(missing) == 0 && now.Add(selfSignedRenew).Before(leaf.NotAfter) {
			log.Info("tls: self-signed certificate reused", "file", certPath, "sha256", Fingerprint(leaf.Raw))
			return pair, "", nil
		}
		why = "it expires " + leaf.NotAfter.Format(time.DateOnly)
		if len(missing) > 0 {
			why = "the host's names or addresses changed (" + strings.Join(missing, ", ") + " not in it)"
		}
		log.Warn("tls: self-signed certificate re-issued: browsers must accept the new one", "reason", why)
	case errors.Is(err, fs.ErrNotExist):
	default:
		return tls.Certificate{}, "", fmt.Errorf("tls: %s: %w (remove both files to make a new certificate)", certPath, err)
	}
	certPEM, keyPEM, err := makeSelfSigned(names, now)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	if err := os.MkdirAll(filepath.Dir(certPath), 0o700); err != nil {
		return tls.Certificate{}, "", err
	}
	if err := writeFileAtomic(keyPath, keyPEM, 0o600); err != nil {
		return tls.Certificate{}, "", err
	}
	if err := writeFileAtomic(certPath, certPEM, 0o644); err != nil {
		return tls.Certificate{}, "", err
	}
	pair, err = tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	log.Info("tls: self-signed certificate made", "file", certPath, "sha256", Fingerprint(pair.Certificate[0]),
		"names", strings.Join(names.DNS, ","), "addresses", fmt.Sprint(names.IPs))
	return pair, why, nil
}

func makeSelfSigned(names hostNames, now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "receiptd " + names.DNS[len(names.DNS)-1], Organization: []string{"receiptd self-signed"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(selfSignedValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              names.DNS,
		IPAddresses:           names.IPs,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), nil
}

func writeFileAtomic(path string, b []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// tlsConfigFor builds the HTTPS listener's configuration, or nil when
// listen_tls is not set.
func tlsConfigFor(cfg fileConfig, log *slog.Logger) (*tls.Config, *server.CertificateNote, error) {
	w := cfg.webConfig
	if w.ListenTLS == "" {
		return nil, nil, nil
	}
	var pair tls.Certificate
	var note *server.CertificateNote
	var err error
	switch {
	case w.TLSCert != "" || w.TLSKey != "":
		pair, err = tls.LoadX509KeyPair(w.TLSCert, w.TLSKey)
		if err != nil {
			return nil, nil, fmt.Errorf("tls_cert/tls_key: %w", err)
		}
	case w.TLS == "self-signed":
		names, nerr := currentHostNames()
		if nerr != nil {
			return nil, nil, nerr
		}
		var why string
		pair, why, err = selfSigned(cfg.DataDir, names, time.Now(), log)
		if err != nil {
			return nil, nil, err
		}
		// The staff page shows it: a re-issued certificate must be
		// accepted again in every till's browser.
		_, port, _ := net.SplitHostPort(w.ListenTLS) // checked at start
		note = &server.CertificateNote{SHA256: Fingerprint(pair.Certificate[0]), Port: port, Reissued: why}
	default:
		return nil, nil, errors.New(`listen_tls needs tls_cert and tls_key, or tls = "self-signed"`)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, note, nil
}
