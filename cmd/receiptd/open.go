package main

import (
	"context"

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
