package server

import (
	"context"
	"fmt"
	"sync"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/receipt"
)

// Printer is one configured printer.
type Printer struct {
	Name       string
	Address    string
	Model      string
	Font       string
	Columns    int
	Cut        string // after the receipt: off, partial (default), full
	SectionCut string // between sections: off (default), partial, full
	// Copies is how many times each receipt prints in its job (a customer
	// and a merchant copy, say): 0 or 1 is once, at most MaxCopies.
	Copies int
	// CodePages pins the printer to these code pages (e.g. "CP858") when
	// its other tables differ from its model's; empty uses the model's.
	CodePages []string
	// KeepOpen holds a network printer's link between jobs, for a printer
	// this service has to itself; by default a tcp:// link is opened per job
	// and status read, so other tills can print in between.
	KeepOpen bool
	// Template is the path of the printer's template: the header and
	// footer it adds to every receipt (docs/receipts.md); empty adds none.
	Template string
	// Locale of the basket's amounts: de (default) or en; the template's
	// when it names one and this is empty.
	Locale string
	// Logo: "raster" (default) prints a template's logo as a picture every
	// time; "stored" keeps it in the printer's NV memory, defined once.
	Logo string
	// Drawer kicks the cash drawer after a receipt: never (default), cash
	// (cash payments) or always; on DrawerPin 2 (default) or 5.
	Drawer    string
	DrawerPin int
	// Identity is what the printer said it is, for a printer configured
	// with model "auto" (receiptd identified it at start); nil otherwise.
	Identity *printers.Identification

	profile   *escpos.Profile
	opt       receipt.Options
	renderers sync.Pool // *receipt.Renderer: each reuses buffers, so one per request
	shared    *sharedPrinter
}

func (p *Printer) prepare() error {
	if p.Model == "" {
		p.Model = "default"
	}
	prof, err := printers.Lookup(p.Model)
	if err != nil {
		return fmt.Errorf("server: printer %q: %w", p.Name, err)
	}
	font, err := escpos.ParseFont(orDefault(p.Font, "A"))
	if err != nil {
		return fmt.Errorf("server: printer %q: %w", p.Name, err)
	}
	end, err := escpos.ParseCutMode(orDefault(p.Cut, "partial"))
	if err != nil {
		return fmt.Errorf("server: printer %q: %w", p.Name, err)
	}
	section, err := escpos.ParseCutMode(orDefault(p.SectionCut, "off"))
	if err != nil {
		return fmt.Errorf("server: printer %q: %w", p.Name, err)
	}
	if len(p.CodePages) > 0 {
		if prof, err = prof.PinCodePages(p.CodePages...); err != nil {
			return fmt.Errorf("server: printer %q: %w", p.Name, err)
		}
	}
	if p.Copies < 0 || p.Copies > MaxCopies {
		return fmt.Errorf("server: printer %q: copies %d out of range 0..%d", p.Name, p.Copies, MaxCopies)
	}
	// The renderer speaks the printer's language (receipt.Options.Profile).
	opt := receipt.Options{Profile: prof, Font: font, Columns: p.Columns, SectionCut: section, EndCut: end}
	if err := p.wholeReceipt(&opt); err != nil {
		return fmt.Errorf("server: printer %q: %w", p.Name, err)
	}
	if prof.Language != escpos.LanguageESCPOS {
		opt.Logos = receipt.LogoRaster // Star printers have no GS ( L NV graphics
	}
	r, err := receipt.NewRenderer(opt)
	if err != nil {
		return fmt.Errorf("server: printer %q: %w", p.Name, err)
	}
	p.profile, p.opt = prof, opt
	p.renderers.Put(r)
	p.renderers.New = func() any {
		r, _ := receipt.NewRenderer(opt) // the same options succeeded above
		return r
	}
	return nil
}

// wholeReceipt adds the printer's template, locale, logo mode and drawer
// policy to its render options.
func (p *Printer) wholeReceipt(opt *receipt.Options) error {
	var err error
	if p.Template != "" {
		if opt.Template, err = receipt.LoadTemplate(p.Template); err != nil {
			return err
		}
		opt.Locale = opt.Template.Locale
	}
	if p.Locale != "" {
		if opt.Locale, err = receipt.ParseLocale(p.Locale); err != nil {
			return err
		}
		if opt.Template != nil {
			opt.Template.Locale = opt.Locale
		}
	}
	switch p.Logo {
	case "", "raster":
	case "stored":
		opt.Logos = receipt.LogoStored
	default:
		return fmt.Errorf("logo %q: want raster or stored", p.Logo)
	}
	if opt.Drawer, err = receipt.ParseDrawerPolicy(p.Drawer); err != nil {
		return err
	}
	switch p.DrawerPin {
	case 0, 2:
	case 5:
		opt.DrawerPin = escpos.DrawerPin5
	default:
		return fmt.Errorf("drawer_pin %d: want 2 or 5", p.DrawerPin)
	}
	return nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// sharedPrinter is one connection per printer, used by its worker and by
// status queries (a printer serves one host connection at a time).
type sharedPrinter struct {
	open func(context.Context, *Printer) (printers.Printer, error)
	cfg  *Printer
	// mu guards p; a channel, so a status read gives up at its deadline
	// while another caller's open of the printer takes its time.
	mu   chan struct{}
	p    printers.Printer
	last lastStatus // what the printer said last, for reads while it prints
}

func (sp *sharedPrinter) get(ctx context.Context) (printers.Printer, error) {
	select {
	case sp.mu <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("printer %s: still connecting: %w", sp.cfg.Name, ctx.Err())
	}
	defer func() { <-sp.mu }()
	if sp.p == nil {
		p, err := sp.open(ctx, sp.cfg)
		if err != nil {
			return nil, err
		}
		sp.p = p
	}
	return keepOpen{sp.p, sp}, nil
}

func (sp *sharedPrinter) close() error {
	sp.mu <- struct{}{}
	defer func() { <-sp.mu }()
	if sp.p == nil {
		return nil
	}
	err := sp.p.Close()
	sp.p = nil
	return err
}

// keepOpen lets the worker "close" its printer without closing the shared
// one; a ConnPrinter redials by itself after a broken link.
type keepOpen struct {
	printers.Printer
	sp *sharedPrinter
}

func (keepOpen) Close() error { return nil }

// Recover passes the queue's request to clear a recoverable error on to a
// printer that can (a ConnPrinter: DLE ENQ 2).
func (k keepOpen) Recover(ctx context.Context) error {
	if r, ok := k.Printer.(spool.Recoverer); ok {
		return r.Recover(ctx)
	}
	return fmt.Errorf("printer %s cannot clear an error itself", k.sp.cfg.Name)
}
