package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/secuprint/receipt/escpos/paper"
	"github.com/secuprint/receipt/printers/virtual"
)

// helpText is what `receipt CMD -h` says around the flag list; the golden
// files under testdata/golden/help keep it from rotting unseen.
type helpText struct {
	usage    string // synopsis, after "usage: "
	about    string // what the command does and for whom
	address  bool   // it takes a printer address: list the forms
	after    string // sections after the flags: exit codes, markup, …
	examples string
}

const addressHelp = `Printer addresses:
  serial:///dev/ttyUSB0?baud=19200  a serial port (serial://COM3 on Windows);
                   defaults baud=9600 databits=8 parity=N stopbits=1
                   flow=xonxoff (or none); timeout=500ms
  usb://04b8:0202  a USB printer by vendor:product ID (in a USB build);
                   ?serial=XYZ or ?bus=1&addr=5 picks one of several alike
  tcp://HOST:9100  a network printer's raw port (9100 when left out)
  file:///dev/usb/lp0  a device written raw, e.g. the kernel's usblp; it
                   cannot confirm a job, so the result is "unknown"
  virtual://       the built-in virtual printer, in this process;
                   virtual://?out=DIR writes its tickets to DIR
'receipt printers' lists the addresses of the printers attached here.`

const renderFlagsNote = `
The transaction is a secuconnect Smart Transaction JSON document (or its bare
"receipt" array), read from FILE or stdin ("-" or none).`

var helps = map[string]helpText{
	"render": {
		usage: "receipt render [flags] [FILE|-]",
		about: `Renders a transaction's receipt to the ESC/POS bytes a printer of the chosen
model would be sent, without talking to any printer: for piping to a device,
for golden files, or to see with 'receipt decode' what a printer gets.
` + renderFlagsNote,
		after: "Exit codes: 0 ok, 1 failure (I/O), 2 usage, 3 rejected transaction.",
		examples: `  receipt render -printer-model TM-T88V -o ticket.bin testdata/secuconnect/card-topup.json
  receipt render -printer-model TM-T20II card-topup.json > /dev/usb/lp0
  receipt render -code-pages CP858 -template shop.json tx.json | receipt decode`,
	},
	"text": {
		usage: "receipt text [flags] [FILE|-]",
		about: `Shows the laid-out receipt as plain text, one printed line per line, in the
model's columns: a quick check of layout and wording without a printer. For
what the bytes put on paper (styles, images, codes) use 'receipt preview'.
` + renderFlagsNote,
		after:    "Exit codes: 0 ok, 1 failure (I/O), 2 usage, 3 rejected transaction.",
		examples: `  receipt text -columns 32 testdata/secuconnect/card-topup.json`,
	},
	"preview": {
		usage: "receipt preview [flags] [FILE|-]",
		about: `Renders a transaction to ESC/POS and feeds those very bytes to the virtual
printer of the chosen model, so the preview shows what printing would put on
paper: as marked-up text, a PNG or an HTML page.
Given ESC/POS bytes instead (-raw, or input that does not start with { or [),
for example a stream captured from a point-of-sale program or a golden .bin,
it shows what those bytes print: every ticket, with the cuts.
` + renderFlagsNote,
		after: "Text markup (-format text):\n" + indent(paper.Legend) +
			"\n\nExit codes: 0 ok, 1 failure (I/O, a PNG of several tickets), 2 usage, 3 rejected transaction.",
		examples: `  receipt preview -printer-model TM-T88V testdata/secuconnect/card-topup.json
  receipt preview -format png -o ticket.png card-topup.json
  receipt preview -raw -printer-model TM-T20II -format html -o capture.html capture.bin`,
	},
	"print": {
		usage: "receipt print [-printer ADDRESS] [flags] [FILE|-]",
		about: `Renders a transaction and prints it on a printer, then waits until the printer
confirms it printed (where the link can tell) and says how it went: for cash
registers' scripts and for installing a kiosk. Without -printer it prints on
the built-in virtual printer, shows the paper and writes the ticket
(.bin, .txt, .png) to the -out directory.
` + renderFlagsNote,
		address: true,
		after:   exitCodesHelp,
		examples: `  receipt print testdata/secuconnect/card-topup.json
  receipt print -printer usb://04b8:0202 -printer-model TM-T88V card-topup.json
  receipt print -printer 'serial:///dev/ttyUSB0?baud=19200' -printer-model TM-T20II -json tx.json
  receipt print -printer tcp://192.0.2.10:9100 -timeout 30s tx.json`,
	},
	"status": {
		usage: "receipt status [-json] [-timeout D] [-printer-model ID] ADDRESS",
		about: `Asks a printer for its real-time status (DLE EOT) and shows it decoded: online,
paper, cover, errors. For checking a printer before a shift, or from a
monitoring script through the exit code. A file:// address cannot answer.
A Star model (-printer-model) is asked Star's automatic status instead.`,
		address: true,
		after:   "Exit codes: 0 ready, 4 not reachable, 5 paper end, 6 cover open, 7 offline,\n8 printer error, 10 no answer, 11 no status on this link.",
		examples: `  receipt status usb://04b8:0202
  receipt status -json tcp://192.0.2.10:9100`,
	},
	"test-page": {
		usage: "receipt test-page [-printer-model ID] [-out DIR] [-timeout D] ADDRESS",
		about: `Prints a test page of the model: each of its code pages with sample text,
the styles, the fonts and their widths in columns. For setting up a printer
and checking its profile: what prints wrong here prints wrong on a receipt.`,
		address: true,
		after:   exitCodesHelp,
		examples: `  receipt test-page virtual://
  receipt test-page -printer-model TM-T88V usb://04b8:0202`,
	},
	"printers": {
		usage: "receipt printers [-json]",
		about: `Lists the printers attached to this machine with the address to use for each:
USB receipt printers (in a build with USB), serial ports that plausibly hold a
printer (USB-serial adapters, on-board RS-232 ports), the kernel's /dev/usb/lp*
devices, and the built-in virtual printer. It looks, it does not print.
Beside a USB printer is the profile its USB strings name, in brackets with how
sure (exact or family); 'receipt identify ADDRESS' asks the printer itself.`,
		after: "A serial port is listed at 9600 baud; set the printer's baud rate in the address.",
		examples: `  receipt printers
  receipt printers -json`,
	},
	"identify": {
		usage: "receipt identify [-json] [-timeout D] [-printer-model ID] [-printer] ADDRESS",
		about: `Asks a printer what it is and names the profile it gets. It reads what the
bus says first (a USB printer's maker and product strings and VID:PID, without
claiming the printer), then tells Star from ESC/POS by their real-time status
requests, then sends only that language's identity request: GS I (model, type
and ROM IDs; firmware, maker, model name, serial number, fonts) or Star's
ESC # * LF NUL and automatic status. Nothing is printed. The profile is the
model's own (exact), else the nearest of its family, else the generic fallback
(ASCII + CP437/CP858, raster QR, no NV graphics), and the output says which.
GS I is not real-time: a printer at paper end or offline does not answer it.`,
		address: true,
		after:   "Exit codes: 0 identified, 2 usage, 4 not reachable, 10 no answer (the fallback is named).",
		examples: `  receipt identify -printer usb://04b8:0202
  receipt identify -json tcp://192.0.2.10:9100
  receipt identify -printer-model TM-T88VI virtual://`,
	},
	"decode": {
		usage: "receipt decode [-printer-model ID] [-language L] [-format text|json] [-strict] [-o FILE] [FILE|-]",
		about: `Disassembles an ESC/POS byte stream: one command per line with its offset and
arguments, text decoded with the model's code pages. For reading what a
program sends a printer, and for golden files. A Star model's stream (or one
named by -language star-prnt, star-line or star-graphic) is read as Star's.
Unknown, truncated or bad commands are listed with their offsets and counted on stderr.`,
		after: "Exit codes: 0 decoded (problems only warned of), 1 problems with -strict or an I/O\nfailure, 2 usage.",
		examples: `  receipt decode -printer-model TM-T88V testdata/golden/card-topup/TM-T88V-42col.bin
  receipt render tx.json | receipt decode -strict
  receipt decode -format json -o capture.json capture.bin`,
	},
	"diff": {
		usage: "receipt diff [-printer-model ID] [-context N] [-png FILE] [-q] A.bin B.bin",
		about: `Compares two ESC/POS streams command by command, as an aligned disassembly
diff, so a changed golden file shows which commands changed rather than which
bytes. With -png it also draws both tickets side by side, changed rows red.`,
		after: "Exit codes: 0 the streams are the same, 1 they differ, 2 trouble (usage, unreadable input).",
		examples: `  receipt diff -printer-model TM-T88V want.bin got.bin
  receipt diff -q -png diff.png want.bin got.bin || echo changed`,
	},
	"virtual-printer": {
		usage: "receipt virtual-printer [-listen ADDR] [-pty] [-cloudprnt URL -mac MAC | -sdp URL -id ID] [-printer-model ID] [-out DIR] [flags]",
		about: `Runs the virtual printer: it takes print jobs on TCP (as a network printer on
port 9100) and/or on a pseudo-terminal (as a serial printer), answers status
requests as the model would and prints each ticket to text and PNG. A printer
for machines without one, and a test bench for transports and for receiptd.
Where it listens goes to stdout, its status traffic to stderr. It runs until
interrupted (SIGINT, SIGTERM), then says what it held and dropped.

Pull mode (-cloudprnt or -sdp) makes it a printer that fetches its jobs, as a
Star CloudPRNT or an Epson Server Direct Print printer does: it polls the URL
every -poll-interval with its status, fetches, prints and confirms each job
with the maker's codes (docs/pull-printers.md).`,
		after: "Control commands on stdin, one per line, change it while it runs (-control=false: none):\n" +
			indent(virtual.ControlHelp) + "\n\nExit codes: 0 stopped by a signal, 1 failure, 2 usage.",
		examples: `  receipt virtual-printer -out tickets
  receipt virtual-printer -listen '' -pty -printer-model TM-T20II
  receipt virtual-printer -fault paper-end      # then type "clear" to release the job
  receipt virtual-printer -listen '' -printer-model mC-Print3 -cloudprnt http://127.0.0.1:8080/cloudprnt/SECRET -mac 00:11:62:1a:2b:3c
  receipt virtual-printer -listen '' -sdp http://127.0.0.1:8080/sdp -id shop-1 -password SECRET`,
	},
	"models": {
		usage: "receipt models [-json]",
		about: `Lists the printer models (profiles) -printer-model takes: vendor, paper width,
resolution and columns per font. -json prints the full profiles, code-page
slots and features included.`,
		examples: `  receipt models
  receipt models -json`,
	},
	"version": {
		usage:    "receipt version",
		about:    "Prints the version of this receipt binary: module version, VCS revision and time.\n'receipt -version' does the same.",
		examples: `  receipt version`,
	},
}

// indent indents every line of s by two spaces.
func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

// writeHelp writes the whole help of fs's command to w.
func writeHelp(w io.Writer, fs *flag.FlagSet) {
	h := helps[fs.Name()]
	fmt.Fprintf(w, "usage: %s\n\n%s\n", h.usage, h.about)
	if h.address {
		fmt.Fprintf(w, "\n%s\n", addressHelp)
	}
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprintln(w, "\nFlags:")
		out := fs.Output()
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(out)
	}
	if h.after != "" {
		fmt.Fprintf(w, "\n%s\n", h.after)
	}
	if h.examples != "" {
		fmt.Fprintf(w, "\nExamples:\n%s\n", h.examples)
	}
}

// parseFlags parses args; a non-negative result is the exit code to stop
// with: 0 after -h (the help went to stdout), exitUsage after a bad flag
// (the flag package has said why on the FlagSet's output, stderr).
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) int {
	fs.Usage = func() {} // the help is written below, to stdout
	err := fs.Parse(args)
	switch {
	case err == nil:
		return -1
	case errors.Is(err, flag.ErrHelp):
		writeHelp(stdout, fs)
		return exitOK
	}
	fmt.Fprintf(fs.Output(), "usage: %s\nRun 'receipt %s -h' for help.\n", helps[fs.Name()].usage, fs.Name())
	return exitUsage
}

// usage is the help of the receipt command itself.
func usage(w io.Writer) {
	fmt.Fprintln(w, `receipt renders secuconnect Smart Transaction receipts to ESC/POS, previews
them, and prints them on receipt printers (USB, serial, network, a device
file, or the built-in virtual printer). The print service is receiptd.

usage: receipt <command> [flags] [args]

Commands:`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-16s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\n%s\n", addressHelp)
	fmt.Fprintln(w, `
Run 'receipt <command> -h' or 'receipt help <command>' for what a command does,
its flags and examples; docs/cli.md describes them all.
Exit codes: 0 ok, 1 failure, 2 usage, 3 rejected input; print, status and
test-page add one per printer problem (4-11, see 'receipt print -h').

Examples:
  receipt text testdata/secuconnect/card-topup.json
  receipt print -printer usb://04b8:0202 -printer-model TM-T88V tx.json
  receipt preview -raw -format png -o capture.png capture.bin`)
}
