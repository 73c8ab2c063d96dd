package station

import (
	"fmt"
	"strings"
	"time"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/receipt"
	"github.com/secuprint/receipt/transport"
)

// MaxCopies bounds a printer's copies per receipt.
const MaxCopies = 10

// Config is one printer as it is configured: receiptd's TOML file
// ([[printer]]) and its -printer flag fill it, and the receipt CLI's
// layout flags fill the same fields, so a setting means one thing
// everywhere and becomes render options in one place (options).
type Config struct {
	Name       string `toml:"name"`
	Address    string `toml:"address"`
	Model      string `toml:"model"` // "" is "default"
	Font       string `toml:"font"`  // A (default) or B
	Columns    int    `toml:"columns"`
	Cut        string `toml:"cut"`         // after the receipt: off, partial (default), full
	SectionCut string `toml:"section_cut"` // between sections: off (default), partial, full
	// Copies is how many times each receipt prints in its job (a customer
	// and a merchant copy, say): 0 or 1 is once, at most MaxCopies.
	Copies int `toml:"copies"`
	// CodePages pins the printer to these code pages (e.g. "CP858") when
	// its other tables differ from its model's; empty uses the model's.
	CodePages []string `toml:"code_pages"`
	// KeepOpen holds a network printer's link between jobs, for a printer
	// this service has to itself; by default a tcp:// link is opened per job
	// and status read, so other tills can print in between.
	KeepOpen bool `toml:"keep_open"`
	// Template is the path of the printer's template: the header and
	// footer it adds to every receipt (docs/receipts.md); empty adds none.
	Template string `toml:"template"`
	// Locale of the basket's amounts: de (default) or en; the template's
	// when it names one and this is empty.
	Locale string `toml:"locale"`
	// Logo: "raster" (default) prints a template's logo as a picture every
	// time; "stored" keeps it in the printer's NV memory, defined once
	// (see LogoBook).
	Logo string `toml:"logo"`
	// Drawer kicks the cash drawer after a receipt: never (default), cash
	// (cash payments) or always; on DrawerPin 2 (default) or 5.
	Drawer    string `toml:"drawer"`
	DrawerPin int    `toml:"drawer_pin"`
	// Secret, PollInterval and SDPVersion are for a printer that pulls
	// its jobs (cloudprnt://MAC, sdp://ID; docs/pull-printers.md): the
	// secret its requests prove themselves with (at least 16
	// characters), the poll interval it is set to (0: 5 s), and for SDP
	// 1 when its firmware predates print job ids (0: 2). Other printers
	// leave them empty.
	Secret       string        `toml:"secret"`
	PollInterval time.Duration `toml:"poll_interval"`
	SDPVersion   int           `toml:"sdp_version"`
	// Identity is what the printer said it is, for a printer configured
	// with model "auto" (receiptd identified it at start and put the
	// profile chosen in Model); nil otherwise. Not a setting.
	Identity *printers.Identification `toml:"-"`
}

// setting is what a Config becomes: the printer's own profile and the
// options its receipts render with.
type setting struct {
	profile *escpos.Profile // the printer's, as it is (its language)
	opt     receipt.Options // for the printer
}

// settle checks c and turns it into its profile and render options.
func (c Config) settle() (setting, error) {
	var st setting
	prof, err := printers.Lookup(orDefault(c.Model, "default"))
	if err != nil {
		return st, err
	}
	font, err := escpos.ParseFont(orDefault(c.Font, "A"))
	if err != nil {
		return st, err
	}
	end, err := escpos.ParseCutMode(orDefault(c.Cut, "partial"))
	if err != nil {
		return st, err
	}
	section, err := escpos.ParseCutMode(orDefault(c.SectionCut, "off"))
	if err != nil {
		return st, err
	}
	if len(c.CodePages) > 0 {
		if prof, err = prof.PinCodePages(c.CodePages...); err != nil {
			return st, err
		}
	}
	if c.Copies < 0 || c.Copies > MaxCopies {
		return st, fmt.Errorf("copies %d out of range 0..%d", c.Copies, MaxCopies)
	}
	lang := languageOf(prof)
	// The renderer speaks the printer's language.
	opt := receipt.Options{Profile: prof, Font: font, Columns: c.Columns, SectionCut: section, EndCut: end}
	if err := c.wholeReceipt(&opt); err != nil {
		return st, err
	}
	// A pulled printer's job ends reach no worker (Finished), so a
	// stored logo would be defined again with every receipt.
	if !lang.storedLogos || c.Pulled() {
		opt.Logos = receipt.LogoRaster // no NV graphics to keep a logo in
	}
	return setting{profile: prof, opt: opt}, nil
}

// wholeReceipt adds the printer's template, locale, logo mode and drawer
// policy to its render options.
func (c Config) wholeReceipt(opt *receipt.Options) error {
	var err error
	if c.Template != "" {
		if opt.Template, err = receipt.LoadTemplate(c.Template); err != nil {
			return err
		}
		opt.Locale = opt.Template.Locale
	}
	if c.Locale != "" {
		if opt.Locale, err = receipt.ParseLocale(c.Locale); err != nil {
			return err
		}
		if opt.Template != nil {
			opt.Template.Locale = opt.Locale
		}
	}
	switch c.Logo {
	case "", "raster":
	case "stored":
		opt.Logos = receipt.LogoStored
	default:
		return fmt.Errorf("logo %q: want raster or stored", c.Logo)
	}
	if opt.Drawer, err = receipt.ParseDrawerPolicy(c.Drawer); err != nil {
		return err
	}
	switch c.DrawerPin {
	case 0, 2:
	case 5:
		opt.DrawerPin = escpos.DrawerPin5
	default:
		return fmt.Errorf("drawer_pin %d: want 2 or 5", c.DrawerPin)
	}
	return nil
}

// Pulled says whether the printer pulls its jobs (cloudprnt://, sdp://):
// no link is ever opened to it.
func (c Config) Pulled() bool {
	a, err := transport.ParseAddress(c.Address)
	return err == nil && a.Kind.Pulled()
}

// CheckName refuses a printer name that cannot be a URL path segment.
func CheckName(name string) error {
	if name == "" || strings.ContainsAny(name, "/?#% ") {
		return fmt.Errorf("printer name %q: want letters, digits, - or _", name)
	}
	return nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
