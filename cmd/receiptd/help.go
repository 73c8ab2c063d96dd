package main

import (
	"flag"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/secuprint/receipt/cmd/internal/buildinfo"
)

// Exit codes a supervisor can act on (deploy/receiptd.service does not
// restart on 3 and 4: a person must act first).
const (
	exitOK        = 0
	exitFailure   = 1 // the service stopped on an error
	exitUsage     = 2 // bad command line or configuration
	exitSpoolBad  = 3 // the spool is damaged, or missing where one was
	exitSpoolBusy = 4 // another process (receiptd) holds the spool
	// receiptd -check: 0 healthy, 1 records set aside, 3 damaged or
	// missing, 4 in use.
	exitCheckRecords = 1
)

// version overrides the build's version: go build -ldflags "-X main.version=v1.2.3".
var version string

func versionString() string {
	info, ok := debug.ReadBuildInfo()
	return buildinfo.Describe("receiptd", version, info, ok)
}

const helpText = `receiptd is the print service for ECRs and payment terminals: POST a
finished secuconnect transaction to it, and it stores the job durably,
prints it (with the printer's template: logo, merchant, basket, QR code),
and answers truthfully whether the receipt printed — printed, failed (why)
or unknown (check the paper) — never a lost or doubled receipt.

usage: receiptd [-config FILE] [-listen ADDR] [-data-dir DIR] [-printer NAME=ADDRESS,…]…
       receiptd -check [-data-dir DIR]   examine the spool and exit
       receiptd -version

With no configuration it serves http://127.0.0.1:8080 with one printer,
"virtual", the built-in virtual printer (tickets in DATA-DIR/tickets).
The API is in docs/api.md; the page at / shows printers and jobs.

Configuration file (TOML; every key optional):
  listen = "127.0.0.1:8080"         data_dir = "receiptd-data"
  tokens = ["…"]                    allow_insecure_bind = false
  job_deadline = "10m"              status_interval = "30s"   retention = "720h"
  [[printer]]
  name = "front"                    address = "usb://04b8:0202"  (serial://, tcp://HOST:9100, file://, virtual://)
  model = "TM-T88V"                 font = "A"   columns = 42
  cut = "partial"                   section_cut = "off"          copies = 1
  code_pages = ["CP858"]            keep_open = false  (hold a tcp:// printer's link)
  template = "/etc/receiptd/shop.json"   locale = "de"           (docs/receipts.md)
  logo = "raster" | "stored"        drawer = "never" | "cash" | "always"   drawer_pin = 2
  A printer that pulls its jobs (docs/pull-printers.md): address = "cloudprnt://MAC"
  (Star CloudPRNT, polls /cloudprnt) or "sdp://ID" (Epson Server Direct Print, /sdp);
  secret = "…" (required, at least 16 characters: openssl rand -hex 16)
  poll_interval = "5s" (as set in the printer)   sdp_version = 1 (old Epson firmware)
  Web tills (docs/epos.md): CORS, HTTPS and Epson's ePOS-Print XML at
  POST /cgi-bin/epos/service.cgi?devid=local_printer (point Odoo at the IP address)
  allowed_origins = ["https://pos.example.com"]   epos_networks = ["192.168.1.0/24"]
  epos_default = "front"            epos_allow_command = false
  listen_tls = "0.0.0.0:443"        tls = "self-signed" | tls_cert = "…" tls_key = "…"
  A self-signed certificate is made once in DATA-DIR/tls and reused; staff
  accept it once per browser by opening https://ADDRESS/ and choosing
  Advanced, Proceed (compare the SHA-256 fingerprint receiptd prints at start).

Environment (overrides the file, flags override both):
  RECEIPTD_CONFIG, RECEIPTD_LISTEN, RECEIPTD_DATA_DIR, RECEIPTD_TOKENS (comma-separated),
  RECEIPTD_ALLOWED_ORIGINS (comma-separated), RECEIPTD_LISTEN_TLS, RECEIPTD_TLS

Exit codes: 0 stopped cleanly, 1 failed, 2 bad command line or configuration
(an address this build cannot open among them), 3 the spool is damaged or
missing where one was (see docs/spool.md; -fresh starts an empty one on
purpose), 4 another receiptd holds the spool.

Flags:
`

const helpExamples = `
The -printer form takes the configuration file's printer keys after the
address, comma-separated: model=ID, copies=N, code_page=CP858 (repeatable),
keep_open, template=FILE, locale=de|en, logo=raster|stored,
drawer=never|cash|always, drawer_pin=2|5; secret=S, poll_interval=5s,
sdp_version=1|2 for cloudprnt:// and sdp:// printers (a secret on the command
line shows in the process list: prefer the file).

Examples:
  receiptd
      a demo: the virtual printer on http://127.0.0.1:8080, data in ./receiptd-data
  receiptd -printer front=virtual://,model=TM-T88V,template=testdata/templates/bakery.json,drawer=cash
      a demo with the bakery's template (logo, basket, QR code) and a drawer kick for cash
  receiptd -printer front=tcp://192.0.2.10:9100,model=TM-T20II,template=/etc/receiptd/shop.json,logo=stored
      a network printer, the shop's logo stored in the printer
  receiptd -config /etc/receiptd/receiptd.toml
      production: deploy/receiptd.toml (a USB printer, /var/lib/receiptd) with deploy/receiptd.service
  receiptd -check -data-dir /var/lib/receiptd
      examine the spool of a stopped service
`

// writeHelp writes the service's description and its flags.
func writeHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, helpText)
	out := fs.Output()
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(out)
	fmt.Fprint(w, helpExamples)
}
