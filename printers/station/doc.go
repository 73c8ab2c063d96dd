// Package station is one configured printer as receiptd runs it: its
// profile and command language, template, locale, logo policy, drawer,
// copies, link and last status, built from one Config that receiptd's
// TOML file, its -printer flag and the receipt CLI all fill.
//
// Every entrance turns what it receives into a job through a Station and
// nowhere else:
//
//   - Submit: a parsed transaction (the JSON API; later the fleet) is
//     rendered with the template, copies and stored-logo definitions,
//     keyed (DefaultKey when the entrance has no key) and stored durably;
//   - SubmitDocument: a complete document in the printer's language (ePOS
//     converted, raw bytes) is stored as sent;
//   - Preview, PreviewBytes: what the printer would print, within the
//     Gate that bounds renders across stations;
//   - TestPage, Reprint: the printer's test page, a marked copy.
//
// The renderer writes the printer's own language; what the station still
// decides about languages is in one function, languageOf.
// The spool (printers/spool) keeps the jobs; its worker prints them on
// Station.Printer, the shared link status reads use too.
package station

import "time"

// nowFunc is the clock of the render-time hook.
var nowFunc = time.Now
