// Package pull holds the protocols of printers that fetch their jobs
// instead of being sent them: Star CloudPRNT (package cloudprnt) and Epson
// Server Direct Print (package sdp). Both are pure: they parse what a
// printer sends and build what it is answered, with limits; the HTTP
// handlers and the spool live elsewhere (docs/pull-printers.md).
package pull
