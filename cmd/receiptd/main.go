// Command receiptd is the print service: ECRs POST finished secuconnect
// transactions, receiptd stores them durably and prints them, and answers
// truthfully whether each receipt printed. With no configuration it serves
// 127.0.0.1:8080 with one printer, "virtual", the built-in virtual printer.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/secuprint/receipt/cmd/internal/server"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/station"
	"github.com/secuprint/receipt/transport"
)

// fileConfig is the TOML configuration file.
type fileConfig struct {
	Listen            string          `toml:"listen"`
	DataDir           string          `toml:"data_dir"`
	Tokens            []string        `toml:"tokens"`
	AllowInsecureBind bool            `toml:"allow_insecure_bind"`
	JobDeadline       duration        `toml:"job_deadline"`
	StatusInterval    duration        `toml:"status_interval"`
	Retention         duration        `toml:"retention"`
	Printers          []printerConfig `toml:"printer"`
	Fleet             fleetConfig     `toml:"fleet"`
	webConfig                         // allowed_origins, listen_tls, tls…, epos_… (web.go)
}

// printerConfig is a [[printer]] of the file, a -printer flag: the
// station's one Config.
type printerConfig = station.Config

type duration struct{ time.Duration }

func (d *duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	d.Duration = v
	return err
}

// printerFlags collect repeated
// -printer NAME=ADDRESS[,model=ID][,copies=N][,code_page=CP858][,keep_open]…;
// a pulled printer's secret=…, poll_interval=5s, sdp_version=1.
type printerFlags []printerConfig

func (p *printerFlags) String() string { return fmt.Sprint(len(*p)) }
func (p *printerFlags) Set(v string) error {
	name, rest, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return errors.New("want NAME=ADDRESS[,model=ID][,copies=N][,code_page=NAME][,keep_open][,template=FILE][,locale=de][,logo=stored][,drawer=cash][,drawer_pin=2][,secret=S][,poll_interval=5s][,sdp_version=1]")
	}
	addr, opts, _ := strings.Cut(rest, ",")
	pc := printerConfig{Name: name, Address: addr}
	for _, o := range strings.Split(opts, ",") {
		k, v, _ := strings.Cut(o, "=")
		switch {
		case o == "":
		case k == "model":
			pc.Model = v
		case k == "copies":
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("copies %q: want a number", v)
			}
			pc.Copies = n
		case k == "code_page":
			pc.CodePages = append(pc.CodePages, v)
		case k == "template":
			pc.Template = v
		case k == "locale":
			pc.Locale = v
		case k == "logo":
			pc.Logo = v
		case k == "drawer":
			pc.Drawer = v
		case k == "drawer_pin":
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("drawer_pin %q: want 2 or 5", v)
			}
			pc.DrawerPin = n
		case k == "secret":
			pc.Secret = v
		case k == "poll_interval":
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("poll_interval %q: want a duration such as 5s", v)
			}
			pc.PollInterval = d
		case k == "sdp_version":
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("sdp_version %q: want 1 or 2", v)
			}
			pc.SDPVersion = n
		case o == "keep_open":
			pc.KeepOpen = true
		case k == "keep_open":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("keep_open %q: want true or false", v)
			}
			pc.KeepOpen = b
		default:
			return fmt.Errorf("unknown printer option %q", o)
		}
	}
	*p = append(*p, pc)
	return nil
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	cfg, flags, code := loadConfig(args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if flags.version {
		fmt.Fprintln(stdout, versionString())
		return exitOK
	}
	if flags.check {
		return checkSpool(cfg, stdout, stderr)
	}
	var handler slog.Handler = slog.NewTextHandler(stderr, nil)
	if flags.logFormat == "json" {
		handler = slog.NewJSONHandler(stderr, nil)
	}
	log := slog.New(handler)
	if err := serve(cfg, flags, log, stdout); err != nil {
		log.Error("receiptd stopped", "err", err)
		var ue usageError
		switch {
		case errors.As(err, &ue):
			return exitUsage
		case errors.Is(err, spool.ErrDamaged), errors.Is(err, spool.ErrMissing):
			return exitSpoolBad
		case errors.Is(err, spool.ErrInUse):
			return exitSpoolBusy
		}
		return exitFailure
	}
	return exitOK
}

// usageError is a configuration the service refuses to start with.
type usageError struct{ error }

// runFlags are the command-line switches that are not configuration.
type runFlags struct {
	logFormat string
	check     bool
	fresh     bool
	version   bool
}

// checkSpool is receiptd -check: examine the spool read-only and say
// what it holds and what is wrong.
func checkSpool(cfg fileConfig, stdout, stderr io.Writer) int {
	rep, err := spool.Check(filepath.Join(cfg.DataDir, "spool.db"))
	if err != nil {
		fmt.Fprintf(stderr, "receiptd: check: %v\n", err)
		if errors.Is(err, spool.ErrInUse) {
			return exitSpoolBusy
		}
		return exitSpoolBad
	}
	fmt.Fprint(stdout, rep.String())
	switch rep.Verdict {
	case spool.VerdictOK:
		return exitOK
	case spool.VerdictRecords:
		return exitCheckRecords
	}
	return exitSpoolBad
}

// loadConfig merges flags, environment, the config file and defaults; a
// non-negative code means stop with it.
func loadConfig(args []string, stdout, stderr io.Writer) (fileConfig, runFlags, int) {
	var rf runFlags
	fs := flag.NewFlagSet("receiptd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // -h is answered below, on stdout
	fs.BoolVar(&rf.check, "check", false, "examine the spool in the data dir read-only, print what it holds and what is damaged, and exit (0 healthy, 1 records set aside, 3 damaged or missing, 4 in use)")
	fs.BoolVar(&rf.fresh, "fresh", false, "start with an empty spool where one existed but is missing or empty (its queued jobs and idempotency keys are gone: see docs/spool.md)")
	fs.BoolVar(&rf.version, "version", false, "print the version and exit")
	configPath := fs.String("config", os.Getenv("RECEIPTD_CONFIG"), "TOML configuration `file` (env RECEIPTD_CONFIG)")
	listen := fs.String("listen", "", "listen `address` (env RECEIPTD_LISTEN; default 127.0.0.1:8080)")
	dataDir := fs.String("data-dir", "", "spool and virtual printer tickets `dir` (env RECEIPTD_DATA_DIR; default ./receiptd-data)")
	fs.StringVar(&rf.logFormat, "log-format", "text", "log format: text or json")
	insecure := fs.Bool("allow-insecure-bind", false, "allow a non-loopback listen address without tokens")
	web := addWebFlags(fs)
	var flagPrinters printerFlags
	fs.Var(&flagPrinters, "printer", "printer `NAME=ADDRESS[,KEY=VALUE]…` (repeatable; replaces the config file's printers; the keys — model, copies, code_page, keep_open, template, locale, logo, drawer, drawer_pin; secret, poll_interval, sdp_version for cloudprnt:// and sdp:// printers — are below)")
	// Defaults the file may override, with 0 too (read status only when
	// asked; keep jobs forever).
	cfg := fileConfig{StatusInterval: duration{30 * time.Second}, Retention: duration{30 * 24 * time.Hour}}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			writeHelp(stdout, fs)
			return cfg, rf, exitOK
		}
		fmt.Fprintln(stderr, "Run 'receiptd -h' for help.")
		return cfg, rf, exitUsage
	}
	if rf.version {
		return cfg, rf, -1
	}
	if rf.logFormat != "text" && rf.logFormat != "json" {
		fmt.Fprintf(stderr, "receiptd: -log-format %q: want text or json\n", rf.logFormat)
		return cfg, rf, exitUsage
	}
	if *configPath != "" {
		md, err := toml.DecodeFile(*configPath, &cfg)
		if err != nil {
			fmt.Fprintf(stderr, "receiptd: config: %v\n", err)
			return cfg, rf, exitUsage
		}
		if und := md.Undecoded(); len(und) > 0 {
			fmt.Fprintf(stderr, "receiptd: config %s: unknown settings %v\n", *configPath, und)
			return cfg, rf, exitUsage
		}
	}
	// Precedence: flag, then environment, then file, then default.
	pick := func(flagV, env, fileV, def string) string {
		for _, v := range []string{flagV, os.Getenv(env), fileV} {
			if v != "" {
				return v
			}
		}
		return def
	}
	cfg.Listen = pick(*listen, "RECEIPTD_LISTEN", cfg.Listen, "127.0.0.1:8080")
	cfg.DataDir = pick(*dataDir, "RECEIPTD_DATA_DIR", cfg.DataDir, "receiptd-data")
	tokensFrom := "config tokens"
	if t := os.Getenv("RECEIPTD_TOKENS"); t != "" {
		cfg.Tokens, tokensFrom = strings.Split(t, ","), "RECEIPTD_TOKENS"
	}
	if err := trimTokens(cfg.Tokens); err != nil {
		fmt.Fprintf(stderr, "receiptd: %s: %v\n", tokensFrom, err)
		return cfg, rf, exitUsage
	}
	cfg.AllowInsecureBind = cfg.AllowInsecureBind || *insecure
	web.apply(&cfg.webConfig)
	if len(flagPrinters) > 0 {
		cfg.Printers = flagPrinters
	}
	if len(cfg.Printers) == 0 {
		out := filepath.Join(cfg.DataDir, "tickets")
		cfg.Printers = []printerConfig{{Name: "virtual", Address: "virtual://?" + url.Values{"out": {out}}.Encode(), Model: "TM-T88V"}}
	}
	return cfg, rf, -1
}

func serve(cfg fileConfig, flags runFlags, log *slog.Logger, stdout io.Writer) error {
	if err := checkBind(cfg); err != nil {
		return usageError{err}
	}
	if err := cfg.Fleet.check(); err != nil {
		return usageError{err}
	}
	if cfg.Fleet.Role == "hub" {
		return serveHub(cfg, log, stdout)
	}
	for _, p := range cfg.Printers {
		if p.Pulled() {
			// cloudprnt://, sdp://: nothing to open; it polls /cloudprnt
			// or /sdp (docs/pull-printers.md).
			if strings.EqualFold(p.Model, "auto") {
				return usageError{fmt.Errorf("printer %q: model auto needs a link to ask the printer; a printer that pulls its jobs needs its model named", p.Name)}
			}
			continue
		}
		// A usb:// printer in a build without USB would wait out every
		// job's deadline as "not reachable": refuse to start instead.
		if err := transport.Supported(p.Address); err != nil {
			return usageError{fmt.Errorf("printer %q: %w", p.Name, err)}
		}
	}
	ps := cfg.Printers
	identifyAuto(ps, log) // model = "auto"
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return err
	}
	sp, err := spool.OpenWith(filepath.Join(cfg.DataDir, "spool.db"), spool.Options{Fresh: flags.fresh, FreshHint: "receiptd -fresh", Logger: log})
	if err != nil {
		return err
	}
	defer sp.Close()
	tc, certNote, err := tlsConfigFor(cfg, log) // before the server: its page tells staff of a new certificate
	if err != nil {
		return err
	}
	srv, err := server.New(server.Config{Printers: ps, Certificate: certNote, Tokens: cfg.Tokens, Open: openPrinter, Logger: log,
		Worker: spool.WorkerOptions{Deadline: cfg.JobDeadline.Duration}, StatusInterval: cfg.StatusInterval.Duration, Retention: cfg.Retention.Duration,
		LoopbackOnly: server.IsLoopbackHost(cfg.Listen) && (cfg.ListenTLS == "" || server.IsLoopbackHost(cfg.ListenTLS)), StateDir: cfg.DataDir, AllowedOrigins: cfg.AllowedOrigins, Epos: cfg.eposConfig()}, sp)
	if err != nil {
		return usageError{err}
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go limitMemory(ctx)
	if cfg.Fleet.Role == "site" {
		stopSite, err := startSite(ctx, cfg, srv, sp, log)
		if err != nil {
			return err
		}
		defer stopSite()
	}
	workers := make(chan error, 1)
	go func() { workers <- srv.Run(ctx) }()
	// Requests see the shutdown: a POST or GET waiting for a job's outcome
	// answers at once with the job as it stands, not a dropped connection.
	stopping, stopRequests := context.WithCancel(context.Background())
	defer stopRequests()
	// A client trickling its body or never reading the answer does not
	// hold a connection for ever; the write limit leaves room for the
	// longest ?wait (60 s).
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 90 * time.Second, IdleTimeout: 2 * time.Minute,
		BaseContext: func(net.Listener) context.Context { return stopping }}
	served := make(chan error, 2) // the HTTP and the HTTPS listener
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(stdout, "receiptd listening on http://%s (printers: %d, data: %s)\n", ln.Addr(), len(ps), cfg.DataDir)
	if err := serveTLS(hs, tc, cfg, log, stdout, served); err != nil {
		return err
	}
	log.Info("listening", "addr", ln.Addr().String())
	select {
	case <-ctx.Done():
	case err := <-served:
		stop()
		return err
	}
	// Graceful: stop taking requests, end their waits, let the workers
	// finish their attempts (a job not yet sent stays queued for the next
	// start).
	log.Info("shutting down")
	stopRequests()
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = hs.Shutdown(shutdown)
	return errors.Join(err, <-workers)
}

// checkBind refuses to expose the API beyond this machine without tokens.
func checkBind(cfg fileConfig) error {
	if _, _, err := net.SplitHostPort(cfg.Listen); err != nil {
		return fmt.Errorf("listen %q: %w", cfg.Listen, err)
	}
	if !server.IsLoopbackHost(cfg.Listen) && usableTokens(cfg.Tokens) == 0 && !cfg.AllowInsecureBind {
		return fmt.Errorf("listen %s is reachable from other machines and no tokens are configured: set tokens, or allow_insecure_bind", cfg.Listen)
	}
	return checkWebBind(cfg)
}

// trimTokens trims each token in place and refuses an empty one: it would
// look configured but match no client ("a,," or RECEIPTD_TOKENS=",").
func trimTokens(tokens []string) error {
	for i, t := range tokens {
		tokens[i] = strings.TrimSpace(t)
		if tokens[i] == "" {
			return fmt.Errorf("token %d of %d is empty: remove it (tokens are separated by commas)", i+1, len(tokens))
		}
	}
	return nil
}

// usableTokens counts the tokens a client can present.
func usableTokens(tokens []string) int {
	n := 0
	for _, t := range tokens {
		if strings.TrimSpace(t) != "" {
			n++
		}
	}
	return n
}
