package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/secuprint/receipt/cmd/internal/server"
	"github.com/secuprint/receipt/printers/fleet"
	"github.com/secuprint/receipt/printers/spool"
)

// siteSyncWait bounds how long a site's printers wait at start for the
// cancels the hubs recorded while it was stopped: with the uplink down a
// local till still prints, this much later.
const siteSyncWait = 5 * time.Second

// startSite joins the fleet as site cfg.Fleet.Site next to the local
// service: jobs from the hubs enter the spool through the stations with
// source fleet, every state change goes back. It returns once the site
// knows the cancels recorded for it (or after siteSyncWait), before the
// workers start; stop ends the site.
func startSite(ctx context.Context, cfg fileConfig, srv *server.Server, sp *spool.Spool, log *slog.Logger) (stop func(), err error) {
	// Connecting is retried in the background: a site starts, and its
	// till prints, with the uplink down.
	nc, err := connectNATS(cfg.Fleet, "receiptd site "+cfg.Fleet.Site, log, nats.RetryOnFailedConnect(true),
		// Replies only on its own inbox: a site may read no other (docs/fleet.md).
		nats.CustomInboxPrefix(fleet.InboxPrefix(cfg.Fleet.Site)))
	if err != nil {
		return nil, err
	}
	// An event's ack lost with a stream leader that stopped never comes:
	// its future fails after this, freeing its place among the pending.
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(10*time.Second))
	if err != nil {
		nc.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	local := fleet.NewStationLocal(sp, srv.Stations())
	synced := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { local.Watch(ctx) })
	wg.Go(func() {
		var site *fleet.Site
		for ctx.Err() == nil {
			var err error
			if site, err = fleet.NewSite(ctx, js, fleet.SiteOptions{Site: cfg.Fleet.Site, Local: local, Log: log}); err == nil {
				break
			}
			log.Warn("fleet: site not joined yet", "err", err)
			sleepCtx(ctx, time.Second)
		}
		if site == nil {
			return
		}
		local.Attach(site.Report)
		go func() {
			select {
			case <-site.Synced():
				close(synced)
			case <-ctx.Done():
			}
		}()
		log.Info("fleet site joined", "site", cfg.Fleet.Site)
		if err := site.Run(ctx); err != nil && ctx.Err() == nil {
			log.Warn("fleet: site stopped", "err", err)
		}
	})
	select {
	case <-synced:
	case <-time.After(siteSyncWait):
		log.Warn("fleet: cancels recorded at the hubs not known yet; printing anyway", "waited", siteSyncWait)
	case <-ctx.Done():
	}
	return func() { cancel(); wg.Wait(); nc.Close() }, nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
