package printers

import (
	"context"
	"errors"
	"strconv"

	"github.com/secuprint/receipt/escpos"
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

// Status is the printer's state as its status answers report it; its bits
// are decoded (and, by the virtual printer, encoded) by escpos's status
// codec, and by escpos/star's for a Star printer's ASB.
type Status escpos.Status

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
	// Refused: nothing was sent and sending the job again cannot help
	// (it was rendered for another model than the printer now is): the
	// queue fails it with Err as the reason instead of retrying.
	Refused bool `json:"refused,omitempty"`
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
