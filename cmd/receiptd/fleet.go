package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/secuprint/receipt/cmd/internal/server"
	"github.com/secuprint/receipt/printers/fleet"
)

// fleetConfig is the [fleet] table: docs/fleet.md.
type fleetConfig struct {
	// Role is "hub" or "site"; "" runs a shop's receiptd alone.
	Role string `toml:"role"`
	// Site names this site (role site).
	Site string `toml:"site"`
	// NATS are the cluster's URLs, e.g. ["nats://n1:4222", …].
	NATS []string `toml:"nats"`
	// Replicas of the streams and buckets a hub creates (3).
	Replicas int `toml:"replicas"`
	// Credentials is a NATS .creds file; NKeySeed a file holding an
	// NKey seed (one or neither).
	Credentials string `toml:"credentials"`
	NKeySeed    string `toml:"nkey_seed"`
	// JobTTL is how long a job may wait for its site (15m).
	JobTTL duration `toml:"job_ttl"`
}

func (f fleetConfig) check() error {
	switch f.Role {
	case "":
		return nil
	case "hub":
	case "site":
		if !fleet.ValidName(f.Site) {
			return fmt.Errorf("[fleet] site %q: letters, digits, '-' and '_', at most 64", f.Site)
		}
	default:
		return fmt.Errorf("[fleet] role %q: want hub or site", f.Role)
	}
	if len(f.NATS) == 0 {
		return errors.New("[fleet] nats: list the NATS cluster's URLs")
	}
	if f.Replicas < 0 || f.Replicas > 5 {
		return fmt.Errorf("[fleet] replicas %d: want 1 to 5 (3 survives one node)", f.Replicas)
	}
	if f.Credentials != "" && f.NKeySeed != "" {
		return errors.New("[fleet] credentials and nkey_seed: set one")
	}
	return nil
}

// connectNATS connects with the fleet's credentials and reconnects for
// ever: a hub or site outlives the cluster's restarts.
func connectNATS(f fleetConfig, name string, log *slog.Logger, more ...nats.Option) (*nats.Conn, error) {
	opts := []nats.Option{nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { log.Warn("nats disconnected", "err", err) }),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("nats reconnected", "url", nc.ConnectedUrl()) })}
	if f.Credentials != "" {
		opts = append(opts, nats.UserCredentials(f.Credentials))
	}
	if f.NKeySeed != "" {
		o, err := nats.NkeyOptionFromSeed(f.NKeySeed)
		if err != nil {
			return nil, fmt.Errorf("[fleet] nkey_seed: %w", err)
		}
		opts = append(opts, o)
	}
	nc, err := nats.Connect(strings.Join(f.NATS, ","), append(opts, more...)...)
	if err != nil {
		return nil, fmt.Errorf("nats %v: %w", f.NATS, err)
	}
	return nc, nil
}

// serveHub runs receiptd as a fleet hub: the hub API on the listen
// address (and on listen_tls, with the local API's certificate settings),
// the events folded into job states.
func serveHub(cfg fileConfig, log *slog.Logger, stdout io.Writer) error {
	tc, _, err := tlsConfigFor(cfg, log) // the note is for a shop's staff page: a hub has none
	if err != nil {
		return err
	}
	nc, err := connectNATS(cfg.Fleet, "receiptd hub", log)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	start, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	hub, err := fleet.NewHub(start, js, fleet.HubOptions{Replicas: cfg.Fleet.Replicas, JobTTL: cfg.Fleet.JobTTL.Duration, Log: log})
	if err != nil {
		return err
	}
	folded := make(chan error, 1)
	go func() { folded <- hub.Run(ctx) }()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: server.NewHub(hub, server.HubOptions{Tokens: cfg.Tokens, Log: log}),
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 90 * time.Second, IdleTimeout: 2 * time.Minute}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(stdout, "receiptd hub listening on http://%s (nats: %s)\n", ln.Addr(), nc.ConnectedUrl())
	if err := serveTLS(hs, tc, cfg, log, stdout, served); err != nil {
		_ = hs.Close()
		stop()
		<-folded
		return err
	}
	log.Info("hub listening", "addr", ln.Addr().String())
	select {
	case <-ctx.Done():
	case err := <-served:
		stop()
		return errors.Join(err, <-folded)
	}
	shutdown, cancel2 := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel2()
	err = hs.Shutdown(shutdown)
	if e := <-folded; e != nil && !errors.Is(e, context.Canceled) {
		err = errors.Join(err, e)
	}
	return err
}
