package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"

	"github.com/secuprint/receipt/cmd/internal/server"
)

// webConfig is the configuration of browser access (CORS), HTTPS and the
// ePOS-Print endpoint; fileConfig embeds it, so its keys are top-level.
type webConfig struct {
	AllowedOrigins   []string `toml:"allowed_origins"`
	ListenTLS        string   `toml:"listen_tls"`
	TLS              string   `toml:"tls"` // "" or "self-signed"
	TLSCert          string   `toml:"tls_cert"`
	TLSKey           string   `toml:"tls_key"`
	EposNetworks     []string `toml:"epos_networks"`
	EposDefault      string   `toml:"epos_default"`
	EposAllowCommand bool     `toml:"epos_allow_command"`
}

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// webFlags are the command-line forms of webConfig.
type webFlags struct {
	origins   stringList
	listenTLS *string
	tls       *string
}

func addWebFlags(fs *flag.FlagSet) *webFlags {
	w := &webFlags{}
	fs.Var(&w.origins, "allowed-origin", "web page `origin` (https://pos.example.com) that may call the API and the ePOS-Print endpoint from a browser (repeatable; env RECEIPTD_ALLOWED_ORIGINS, comma-separated)")
	w.listenTLS = fs.String("listen-tls", "", "HTTPS listen `address`, e.g. 0.0.0.0:443 (env RECEIPTD_LISTEN_TLS); needs tls_cert/tls_key or -tls self-signed")
	w.tls = fs.String("tls", "", "`self-signed`: make (once) and keep a certificate in the data dir; staff accept it in the browser by opening https://ADDRESS/ once (env RECEIPTD_TLS)")
	return w
}

// apply merges the flags and environment into cfg: flag, then
// environment, then file.
func (w *webFlags) apply(cfg *webConfig) {
	switch {
	case len(w.origins) > 0:
		cfg.AllowedOrigins = w.origins
	case os.Getenv("RECEIPTD_ALLOWED_ORIGINS") != "":
		cfg.AllowedOrigins = strings.Split(os.Getenv("RECEIPTD_ALLOWED_ORIGINS"), ",")
	}
	pick := func(flagV, env string, fileV *string) {
		for _, v := range []string{flagV, os.Getenv(env)} {
			if v != "" {
				*fileV = v
				return
			}
		}
	}
	pick(*w.listenTLS, "RECEIPTD_LISTEN_TLS", &cfg.ListenTLS)
	pick(*w.tls, "RECEIPTD_TLS", &cfg.TLS)
}

// check validates the web settings before anything starts.
func (cfg webConfig) check() error {
	for _, o := range cfg.AllowedOrigins {
		if _, err := server.NormalizeOrigin(o); err != nil {
			return err
		}
	}
	if _, err := cfg.networks(); err != nil {
		return err
	}
	if cfg.TLS != "" && cfg.TLS != "self-signed" {
		return fmt.Errorf("tls %q: want self-signed (or set tls_cert and tls_key)", cfg.TLS)
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return fmt.Errorf("tls_cert and tls_key go together")
	}
	if cfg.TLSCert != "" && cfg.TLS != "" {
		return fmt.Errorf("tls = %q and tls_cert: choose one", cfg.TLS)
	}
	if cfg.ListenTLS != "" {
		if _, _, err := net.SplitHostPort(cfg.ListenTLS); err != nil {
			return fmt.Errorf("listen_tls %q: %w", cfg.ListenTLS, err)
		}
		if cfg.TLSCert == "" && cfg.TLS == "" {
			return fmt.Errorf(`listen_tls needs tls_cert and tls_key, or tls = "self-signed"`)
		}
	} else if cfg.TLS != "" || cfg.TLSCert != "" {
		return fmt.Errorf("a certificate is configured but no listen_tls")
	}
	return nil
}

// networks parses epos_networks ("192.168.1.0/24", or one address).
func (cfg webConfig) networks() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, n := range cfg.EposNetworks {
		n = strings.TrimSpace(n)
		p, err := netip.ParsePrefix(n)
		if err != nil {
			a, aerr := netip.ParseAddr(n)
			if aerr != nil {
				return nil, fmt.Errorf("epos_networks %q: want an address or a network such as 192.168.1.0/24", n)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// checkWebBind applies the start-up rule to the HTTPS listener too: the
// JSON API it serves is not reachable from other machines without tokens.
func checkWebBind(cfg fileConfig) error {
	if err := cfg.webConfig.check(); err != nil {
		return err
	}
	if cfg.ListenTLS != "" && !server.IsLoopbackHost(cfg.ListenTLS) && usableTokens(cfg.Tokens) == 0 && !cfg.AllowInsecureBind {
		return fmt.Errorf("listen_tls %s is reachable from other machines and no tokens are configured: set tokens, or allow_insecure_bind", cfg.ListenTLS)
	}
	return nil
}

// serveTLS starts the HTTPS listener, when configured, on the same
// server as the HTTP one; its end is reported on served.
func serveTLS(hs *http.Server, tc *tls.Config, cfg fileConfig, log *slog.Logger, stdout io.Writer, served chan<- error) error {
	if tc == nil {
		return nil
	}
	ln, err := net.Listen("tcp", cfg.ListenTLS)
	if err != nil {
		return err
	}
	go func() { served <- hs.Serve(tls.NewListener(ln, tc)) }()
	fmt.Fprintf(stdout, "receiptd listening on https://%s (certificate sha256 %s)\n", ln.Addr(), Fingerprint(tc.Certificates[0].Certificate[0]))
	log.Info("listening", "addr", ln.Addr().String(), "tls", true)
	return nil
}

// eposConfig is the endpoint's configuration (checked by check).
func (cfg webConfig) eposConfig() server.EposConfig {
	nets, _ := cfg.networks() // validated at start by checkBind
	return server.EposConfig{Networks: nets, Default: cfg.EposDefault, AllowCommand: cfg.EposAllowCommand}
}
