package fleet

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
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
	// AtSite: the site has reported the job (stored in its spool).
	AtSite          bool      `json:"at_site"`
	CancelRequested bool      `json:"cancel_requested,omitempty"`
	Deadline        time.Time `json:"deadline"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
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
	Name     string    `json:"name"`
	Status   string    `json:"status"` // "ok", "offline", or the problem
	Problems []string  `json:"problems,omitempty"`
	Queued   int       `json:"queued"`
	ReadAt   time.Time `json:"read_at,omitzero"`
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
