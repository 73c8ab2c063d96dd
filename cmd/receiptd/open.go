package main

import (
	"context"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/station"
)

// openPrinter connects a configured printer through printers.Open.
func openPrinter(ctx context.Context, p station.Config) (printers.Printer, error) {
	prof, err := printers.Lookup(p.Model)
	if err != nil {
		prof = nil // server.New already rejected unknown models
	}
	return printers.Open(ctx, p.Address, printers.OpenOptions{Profile: prof, KeepOpen: p.KeepOpen})
}
