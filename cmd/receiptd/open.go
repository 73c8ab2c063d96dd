package main

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/secuprint/receipt/cmd/internal/server"
	"github.com/secuprint/receipt/printers"
)

// openPrinter connects a configured printer through printers.Open.
func openPrinter(ctx context.Context, p *server.Printer) (printers.Printer, error) {
	prof, err := printers.Lookup(p.Model)
	if err != nil {
		prof = nil // server.New already rejected unknown models
	}
	return printers.Open(ctx, p.Address, printers.OpenOptions{Profile: prof, KeepOpen: p.KeepOpen})
}

// identifyAuto asks each printer configured with model "auto" what it is,
// at start, and puts the profile chosen in its place: the model's own, the
// nearest of its family, or the generic fallback when nothing answers —
// logged either way, and shown as the printer's identity on
// GET /v1/printers. Each printer gets at most 10 s.
func identifyAuto(ps []*server.Printer, log *slog.Logger) {
	for _, p := range ps {
		if !strings.EqualFold(p.Model, "auto") {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res, err := printers.IdentifyAddress(ctx, p.Address, nil, printers.IdentifyOptions{})
		cancel()
		if err != nil { // the address cannot be opened now: the fallback
			res = printers.Identification{Address: p.Address, Err: err}
			res.Profile, res.Match = printers.ProfileFor(res.Identity)
		}
		attrs := []any{"printer", p.Name, "address", res.Address, "profile", res.Profile.ID, "match", res.Match.Kind,
			"reason", res.Match.Reason, "maker", res.Identity.Maker, "model", res.Identity.Model, "serial", res.Identity.Serial}
		if res.Err != nil || res.Match.Kind == printers.MatchFallback {
			log.Warn("printer not identified", append(attrs, "error", errText(res.Err))...)
		} else {
			log.Info("printer identified", attrs...)
		}
		p.Model = res.Profile.ID
		p.Identity = &res
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
