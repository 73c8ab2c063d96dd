package fleet

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/secuprint/receipt/printers"
)

// State is where a fleet job is, as its site last reported it (the local
// spool's states).
type State string

const (
	Queued    State = "queued"
	Printing  State = "printing"
	Printed   State = "printed"
	Failed    State = "failed"
	Unknown   State = "unknown" // may have printed: a person decides at the site
	Cancelled State = "cancelled"
)

// Final reports whether the job will not change by itself any more.
func (s State) Final() bool {
	return s == Printed || s == Failed || s == Unknown || s == Cancelled
}

// rank orders states so that events folded out of order never move a job
// back: a later report of an earlier state is ignored.
func (s State) rank() int {
	switch s {
	case Queued:
		return 1
	case Printing:
		return 2
	case Unknown:
		return 3 // a person's decision at the site still moves it on
	case Printed, Failed, Cancelled:
		return 4
	}
	return 0
}

// Reasons a fleet job fails or is reported with besides the spool's.
const (
	// ReasonExpired: the site took the job past its deadline; it never
	// prints.
	ReasonExpired = "expired"
	// ReasonSiteOffline: the deadline passed before the site took the job
	// (reported by the hubs; the site will refuse it as expired).
	ReasonSiteOffline = "site_offline"
	// ReasonUnknownPrinter: the site has no such printer (any more).
	ReasonUnknownPrinter = "unknown_printer"
	// ReasonBadTransaction: the site could not read the transaction (a
	// hub of another version).
	ReasonBadTransaction = "bad_transaction"
	// ReasonRender: the site's template or printer refused the receipt.
	ReasonRender = "render_failed"
	// ReasonCancelled: cancelled at the hub before the site printed it.
	ReasonCancelled = "cancelled_at_hub"
)

// Job is the message a hub publishes on receipt.jobs.<site>.<printer>.
type Job struct {
	ID       string    `json:"id"`
	Key      string    `json:"idempotency_key"`
	Site     string    `json:"site"`
	Printer  string    `json:"printer"`
	Attempt  int       `json:"attempt"`
	Created  time.Time `json:"created_at"`
	Deadline time.Time `json:"deadline"`
	// Transaction is the JSON transaction as the client sent it; the hub
	// parsed it with receipt.ParseTransaction and the site parses it again.
	Transaction json.RawMessage `json:"transaction"`
}

// Record is a job's state in JobsBucket, what GET /v1/jobs/{id} answers.
type Record struct {
	ID            string `json:"id"`
	Site          string `json:"site"`
	Printer       string `json:"printer"`
	Key           string `json:"idempotency_key"`
	TransactionID string `json:"transaction_id,omitempty"`
	Digest        string `json:"receipt_digest,omitempty"`
	Attempt       int    `json:"attempt"`
	State         State  `json:"state"`
	Reason        string `json:"reason,omitempty"`
	// Waiting: the job is printing at the hub's record, but its site put
	// it back in its queue to wait, for this reason in the spool's words
	// ("waiting: paper end"): what the site's own page shows of it.
	Waiting string `json:"waiting,omitempty"`
	// AtSite: the site has reported the job (stored in its spool).
	AtSite          bool `json:"at_site"`
	CancelRequested bool `json:"cancel_requested,omitempty"`
	// Copy, CopyOf: a reprint through the hub, a fleet job of its own,
	// and the job it copies.
	Copy   bool   `json:"copy,omitempty"`
	CopyOf string `json:"copy_of,omitempty"`
	// RetriedAt is when the site last queued the job again (a retry, or a
	// person's retry decision); with Attempt it is the job's generation.
	RetriedAt time.Time `json:"retried_at,omitzero"`
	// History is how each earlier attempt ended, as the site reported it.
	History   []Attempt `json:"history,omitempty"`
	Deadline  time.Time `json:"deadline"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Attempt is how an earlier attempt of a job ended (Record.History).
type Attempt struct {
	Attempt int       `json:"attempt"`
	State   State     `json:"state"`
	Reason  string    `json:"reason,omitempty"`
	At      time.Time `json:"at"`
}

// Change is a site's report of one job's new state, published on
// receipt.events.<site>.job.
type Change struct {
	ID      string    `json:"id"`
	Site    string    `json:"site"`
	Printer string    `json:"printer"`
	State   State     `json:"state"`
	Reason  string    `json:"reason,omitempty"`
	At      time.Time `json:"at"`
	// Attempt and RetriedAt are the spool job's generation at the site:
	// its attempt (one more per retry) and when it was last queued again
	// (a retry decision queues it again without a new attempt). 0: a
	// change the site made without its spool (a job refused as it was
	// taken), of the generation the hub holds.
	Attempt   int       `json:"attempt,omitempty"`
	RetriedAt time.Time `json:"retried_at,omitzero"`
	// Deadline is the spool job's not_after, moved by a retry.
	Deadline time.Time `json:"deadline,omitzero"`
	History  []Attempt `json:"history,omitempty"`
}

// baseAttempt is the hub's attempt in job id (JobID's "-N"): a site's
// attempt n of it is the record's attempt base+n-1.
func baseAttempt(id string) int {
	if i := strings.LastIndexByte(id, '-'); i >= 0 {
		if n, err := strconv.Atoi(id[i+1:]); err == nil && n > 1 {
			return n
		}
	}
	return 1
}

// fold applies a site's change to r and reports whether r changed. Changes
// are ordered by generation (attempt, then when it was queued again),
// then by state rank within one generation: a retry (failed → queued)
// and a retry decision (unknown → queued) move a job back, and a late
// report of an earlier generation is still ignored.
func fold(r *Record, ch Change) bool {
	attempt, retried := r.Attempt, r.RetriedAt
	if ch.Attempt > 0 {
		attempt, retried = baseAttempt(r.ID)+ch.Attempt-1, ch.RetriedAt
	}
	c := cmpInt(attempt, r.Attempt)
	if c == 0 {
		c = retried.Compare(r.RetriedAt)
	}
	switch {
	case c < 0:
		return false
	case c == 0 && ch.State.rank() < r.State.rank():
		return waits(r, ch)
	case c == 0 && r.AtSite && ch.State == r.State && ch.Reason == r.Reason && (r.Waiting == "" || ch.At.Before(r.UpdatedAt)):
		return false
	}
	r.State, r.Reason, r.AtSite, r.UpdatedAt = ch.State, ch.Reason, true, ch.At
	r.Waiting = ""
	r.Attempt, r.RetriedAt = attempt, retried
	if !ch.Deadline.IsZero() {
		r.Deadline = ch.Deadline
	}
	if ch.Attempt > 0 {
		r.History = nil
		for _, a := range ch.History {
			a.Attempt += baseAttempt(r.ID) - 1
			r.History = append(r.History, a)
		}
	}
	return true
}

// waits notes, on a job the hub holds as printing, that its site put it
// back in its queue to wait (the printer refused it before printing: out
// of paper, cover open): the state does not move back within a
// generation, the site's reason is kept in Waiting until the job moves
// on (sent again, printed). A report older than the record's is not
// taken (the site's clock orders one job's reports).
func waits(r *Record, ch Change) bool {
	if r.State != Printing || ch.State != Queued || !strings.HasPrefix(ch.Reason, "waiting: ") ||
		ch.Reason == r.Waiting || ch.At.Before(r.UpdatedAt) {
		return false
	}
	r.Waiting, r.UpdatedAt = ch.Reason, ch.At
	return true
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// SiteInfo is a site's announcement in SitesBucket, renewed each
// heartbeat: what GET /v1/sites lists.
type SiteInfo struct {
	Site      string          `json:"site"`
	Heartbeat time.Time       `json:"heartbeat"`
	Printers  []PrinterStatus `json:"printers"`
}

// PrinterStatus is a site printer's last status as the site read it.
type PrinterStatus struct {
	Name string `json:"name"`
	// Status: "ok"; why the printer cannot print, in printers.Reason's
	// words ("paper end", "cover open", "printer error", "offline");
	// "offline" also when the last status read failed ("busy": another
	// host holds the printer); else "fault" when its worker has one.
	// Problems says more: the worker's fault first, then the read's
	// error or the status's conditions.
	Status   string   `json:"status"`
	Problems []string `json:"problems,omitempty"`
	Queued   int      `json:"queued"`
	// ReadAt is when the site last read the printer's status (or failed
	// to): each job's confirmation, and its status_interval reads.
	ReadAt time.Time `json:"read_at,omitzero"`
	// PrinterStatus, Ready, Busy, Error are what the site's own GET
	// /v1/printers shows as status, ready, busy and error, from the
	// station's last read (station.LastRead) rather than a new one:
	// PrinterStatus is absent when none was read or the last read
	// failed (Error says why). Sites before these fields announce none.
	PrinterStatus *printers.Status `json:"printer_status,omitempty"`
	Ready         bool             `json:"ready"`
	Busy          bool             `json:"busy,omitempty"`
	Error         string           `json:"error,omitempty"`
}

// JobID is the fleet job id of a key's attempt at site's printer: the
// same key gives the same id on every hub, so a retry on another hub is
// deduplicated by JetStream (Nats-Msg-Id) and by the site's spool.
func JobID(site, printer, key string, attempt int) string {
	sum := sha256.Sum256([]byte(site + "\x00" + printer + "\x00" + key))
	id := "f" + hex.EncodeToString(sum[:12])
	if attempt > 1 {
		id += "-" + strconv.Itoa(attempt)
	}
	return id
}
