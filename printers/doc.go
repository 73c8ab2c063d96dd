// Package printers is a printer you can print on and trust: Open connects
// to an address (tcp://, serial://, usb://, file://, virtual://) and
// returns a Printer whose Print confirms each job with the printer's own
// status (never "printed" just because the bytes left), Status reads the
// real-time status, and Lookup finds a model's profile (generated from
// escpos-printer-db). It also holds the test page and the Star Graphic
// finishing of a rendered receipt.
//
// What a configured printer does in the service — its template, copies,
// stored logos, entrances and previews — is printers/station's; the
// durable queue is printers/spool's. See docs/architecture.md.
package printers
