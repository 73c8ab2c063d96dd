package printers

import (
	"context"
	"errors"
	"strconv"
)

// Printer is a connected receipt printer: something that takes a job's
// bytes and says truthfully whether it printed.
type Printer interface {
	// Name is the printer's address or configured name, for logs.
	Name() string
	// Print sends one job and confirms it. It never reports OutcomePrinted
	// just because the bytes left the host.
	Print(ctx context.Context, job []byte) Result
	// Status queries the printer's real-time status.
	Status(ctx context.Context) (Status, error)
	Close() error
}

// Status is the printer's state as DLE EOT 1–4 report it.
type Status struct {
	Online          bool `json:"online"`
	CoverOpen       bool `json:"cover_open"`
	PaperEnd        bool `json:"paper_end"`
	PaperNearEnd    bool `json:"paper_near_end"`
	DrawerOpen      bool `json:"drawer_open"` // drawer kick-out connector pin 3 high
	FeedButton      bool `json:"feed_button"`
	PaperFeeding    bool `json:"paper_feeding"` // paper being fed by the feed button
	Waiting         bool `json:"waiting_for_recovery"`
	Error           bool `json:"error"`
	Recoverable     bool `json:"recoverable_error"`
	Unrecoverable   bool `json:"unrecoverable_error"`
	AutocutterError bool `json:"autocutter_error"`
	AutoRecoverable bool `json:"auto_recoverable_error"`
}

// Outcome is what became of a print job.
type Outcome uint8

const (
	// OutcomeUnknown: the link cannot tell (a write-only device file), or the
	// bytes may have been partly sent when the connection was lost.
	OutcomeUnknown Outcome = iota
	// OutcomePrinted: the printer confirmed it took the whole job.
	OutcomePrinted
	// OutcomeFailed: the job did not print; Reason says why.
	OutcomeFailed
)

var outcomeNames = [...]string{"unknown", "printed", "failed"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// MarshalText makes outcomes read as words in JSON.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// Reason is why a job failed or is unknown.
type Reason uint8

const (
	ReasonNone Reason = iota
	ReasonPaperEnd
	ReasonCoverOpen
	ReasonOffline
	ReasonDisconnected
	ReasonTimeout
	ReasonPrinterError // recoverable, unrecoverable or autocutter error
	ReasonNoConfirmation
	// ReasonBusy: the printer is in use by another host (a shared network
	// printer): nothing was sent, the job may simply be sent again.
	ReasonBusy
)

var reasonNames = [...]string{"", "paper end", "cover open", "offline", "disconnected", "timeout", "printer error", "no confirmation", "busy"}

// ErrBusy reports a printer in use: by a job of this host's that a status
// read did not wait for, or, on a shared network printer, by another host.
var ErrBusy = errors.New("printer busy")

func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "Reason(" + strconv.Itoa(int(r)) + ")"
}

// MarshalText makes reasons read as words in JSON.
func (r Reason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Result is the answer to a print job.
type Result struct {
	Outcome Outcome `json:"outcome"`
	Reason  Reason  `json:"reason,omitempty"`
	// Sent is how many bytes of the job were written to the link.
	Sent   int     `json:"sent"`
	Status *Status `json:"status,omitempty"`
	Err    error   `json:"-"`
}

func (r Result) String() string {
	s := r.Outcome.String()
	if r.Reason != ReasonNone {
		s += ": " + r.Reason.String()
	}
	if r.Err != nil {
		s += " (" + r.Err.Error() + ")"
	}
	return s
}
