// Command receipt renders secuconnect Smart Transaction receipts to ESC/POS,
// previews them and talks to receipt printers.
package main

import (
	"fmt"
	"io"
	"os"
)

// Exit codes a script can rely on.
const (
	exitOK      = 0
	exitFailure = 1 // I/O or rendering failed
	exitUsage   = 2 // bad command line
	exitInput   = 3 // the transaction JSON was rejected
)

type command struct {
	summary string
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

var commands = map[string]command{
	"render":          {"render a transaction to ESC/POS bytes", runRender},
	"text":            {"show a plain-text preview of the laid-out receipt", runText},
	"models":          {"list the printer models (profiles)", runModels},
	"print":           {"print a transaction and confirm it printed (virtual printer by default)", runPrint},
	"status":          {"show a printer's decoded status", runStatus},
	"test-page":       {"print a test page of the model's code pages, styles and widths", runTestPage},
	"printers":        {"list attached printers: USB, serial ports, /dev/usb/lp*", runPrinters},
	"identify":        {"ask a printer its maker, model, serial and firmware, and name its profile", runIdentify},
	"decode":          {"disassemble an ESC/POS byte stream", runDecode},
	"virtual-printer": {"run the virtual printer on TCP 9100 and/or a pty (a serial port)", runVirtualPrinter},
	"preview":         {"print a transaction on the virtual printer and show the paper (text, PNG, HTML)", runPreview},
	"diff":            {"compare two ESC/POS streams command by command (-png: their paper side by side)", runDiff},
	"version":         {"print the version of this binary", runVersion},
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout)
		return exitOK
	case "help":
		if len(args) == 1 {
			usage(stdout)
			return exitOK
		}
		// receipt help CMD is receipt CMD -h.
		args = []string{args[1], "-h"}
	case "-version", "--version":
		args = []string{"version"}
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "receipt: unknown command %q\nRun 'receipt -h' for the list of commands.\n", args[0])
		return exitUsage
	}
	return cmd.run(args[1:], stdin, stdout, stderr)
}
