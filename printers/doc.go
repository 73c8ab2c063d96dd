// Package printers connects to receipt printers and prints jobs on them
// with a truthful outcome: printed, failed with a reason, or unknown.
//
// Open dials an address (serial://, usb://, tcp://, file://, or a kind a
// binary registers with RegisterScheme, such as the virtual printer's
// virtual://) and returns a Printer: a ConnPrinter that confirms an ESC/POS
// job with DLE EOT and GS r, or a StarPrinter that confirms a Star job with
// Star's ETB counter and automatic status. The status bytes are read with
// escpos's codec (escpos/star's for Star), the one the virtual printer
// answers with. The package also holds the printer models (Lookup, Models,
// generated from escpos-printer-db), the test page and the recovery of a
// printer left in a bad state.
//
// It does not render: receipt turns a transaction into the bytes the
// printer's language needs; printers sends them. The spool (printers/spool)
// makes jobs durable, the virtual printer (printers/virtual) is a printer
// made of software built on this package, so this package does not import it.
package printers
