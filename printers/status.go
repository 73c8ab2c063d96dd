package printers

import (
	"strings"

	"github.com/secuprint/receipt/escpos"
)

// ErrNotStatus reports a byte that cannot be a status answer: a foreign or
// broken printer, or a misrouted byte. It is escpos's, so errors.Is holds
// whichever package wrapped it.
var ErrNotStatus = escpos.ErrNotStatus

// Ready reports whether the printer can print now.
func (s Status) Ready() bool { return s.Reason() == ReasonNone }

// Reason is the most telling reason the printer cannot print, or ReasonNone.
func (s Status) Reason() Reason {
	switch {
	case s.PaperEnd:
		return ReasonPaperEnd
	case s.CoverOpen:
		return ReasonCoverOpen
	case s.Error || s.Recoverable || s.Unrecoverable || s.AutocutterError || s.AutoRecoverable:
		return ReasonPrinterError
	case !s.Online:
		return ReasonOffline
	}
	return ReasonNone
}

// String lists the conditions in force, "online" when there are none.
func (s Status) String() string {
	var parts []string
	add := func(on bool, name string) {
		if on {
			parts = append(parts, name)
		}
	}
	add(!s.Online, "offline")
	add(s.CoverOpen, "cover open")
	add(s.PaperEnd, "paper end")
	add(s.PaperNearEnd, "paper near end")
	add(s.Error, "error")
	add(s.Recoverable, "recoverable error")
	add(s.Unrecoverable, "unrecoverable error")
	add(s.AutocutterError, "autocutter error")
	add(s.AutoRecoverable, "auto-recoverable error")
	add(s.DrawerOpen, "drawer open")
	add(s.FeedButton, "feed button")
	add(s.PaperFeeding, "feeding")
	add(s.Waiting, "waiting for recovery")
	if len(parts) == 0 {
		return "online"
	}
	return strings.Join(parts, ", ")
}
