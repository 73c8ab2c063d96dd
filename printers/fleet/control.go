package fleet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/secuprint/receipt/printers/spool"
)

// ControlSubject is where a hub asks a site to act on a job it holds:
// receipt.control.<site>, core NATS request/reply (a person's action
// wants an answer now, or a clear "the site is away"; a command queued in
// a stream would act hours later, when nobody expects it).
const ControlSubject = "receipt.control"

// ControlSubjectOf is site's control subject.
func ControlSubjectOf(site string) string { return ControlSubject + "." + site }

// ControlTimeout bounds how long a hub waits for a site's answer.
const ControlTimeout = 5 * time.Second

// The commands a hub sends a site.
const (
	OpReprint = "reprint" // a marked copy of the job, itself a fleet job
	OpDecide  = "decide"  // a person's decision on a job in state unknown
	OpRetry   = "retry"   // a failed job queued again as the original
)

// Command is a request on a site's control subject. Each is idempotent,
// so a hub or a client sending it again after a lost answer never prints
// twice: a reprint names its copy (CopyID), a retry the attempt that
// failed, and a decision is taken only from unknown.
type Command struct {
	Op string `json:"op"`
	// ID is the fleet job acted on.
	ID string `json:"id"`
	// Copy is a reprint's fleet id, the copy's key at the site.
	Copy string `json:"copy,omitempty"`
	// Decision: printed, not_printed or retry.
	Decision string `json:"decision,omitempty"`
	// Attempt is the site's attempt a retry saw fail; 0: the current one.
	Attempt int `json:"attempt,omitempty"`
	// Deadline is the last moment the queued job may start printing,
	// stamped by the hub: a retried job's old deadline has passed.
	Deadline time.Time `json:"deadline"`
}

// Reply is a site's answer: the job's state after the command (reported
// on the events stream too), or the reason it refused.
type Reply struct {
	Change Change `json:"change"`
	// Existing: the command was applied before (a reprint's copy exists, a
	// retry's attempt was tried again already); nothing new happened.
	Existing bool   `json:"existing,omitempty"`
	Code     string `json:"code,omitempty"`
	Error    string `json:"error,omitempty"`
}

// LocalControl is the part of Local that acts on its jobs for the hubs;
// a site whose Local has it answers its control subject.
type LocalControl interface {
	// Control applies cmd to the local job cmd.ID and returns its state
	// after (the copy's, for a reprint), and whether it had been applied
	// before. ErrNotAtSite when the site does not hold the job.
	Control(ctx context.Context, cmd Command) (Change, bool, error)
}

// Errors of the commands routed to sites.
var (
	// ErrSiteOffline: no heartbeat within the site timeout (or no site
	// process listens); nothing was sent.
	ErrSiteOffline = errors.New("fleet: the site is offline; nothing was sent")
	// ErrSiteUnreachable: no answer within ControlTimeout.
	ErrSiteUnreachable = errors.New("fleet: the site did not answer in time; it may or may not have done it: sending the same request again is safe (it never prints twice)")
	// ErrNotAtSite: the site never stored the job (the hub failed it
	// site_offline, or the site refused it as it was taken).
	ErrNotAtSite = errors.New("fleet: the site never took this job: post the transaction again with the same Idempotency-Key, which makes a new attempt")
	// ErrPrinterGone: the job's printer is no longer configured at the site.
	ErrPrinterGone = errors.New("fleet: the job's printer is no longer configured at the site")
	// ErrNoReprintKey: a reprint through the hub must name its copy.
	ErrNoReprintKey = errors.New("fleet: a reprint through the hub needs an Idempotency-Key, so that sending it again after a lost answer makes no second copy")
	// ErrKeyPostedAgain: a failed job whose key was posted again (a new
	// attempt with its own id) is not tried again as well.
	ErrKeyPostedAgain = errors.New("fleet: this job's key was posted again as a new attempt: follow that job")
	// ErrSiteFault: the site could not do it (its store failed).
	ErrSiteFault = errors.New("fleet: the site could not do it")
)

// controlCodes name the errors on the wire, both ways: the site sends a
// code, the hub answers the same error as a local receiptd would.
var controlCodes = []struct {
	code string
	err  error
}{
	{"not_at_site", ErrNotAtSite},
	{"printer_gone", ErrPrinterGone},
	{"not_unknown", spool.ErrNotUnknown},
	{"not_failed", spool.ErrNotFailed},
	{"not_retryable", spool.ErrNotRetryable},
	{"bad_decision", spool.ErrBadDecision},
	{"damaged_job", spool.ErrBadBytes},
	{"bad_idempotency_key", spool.ErrBadKey},
	{"quarantined", spool.ErrQuarantined},
	{"not_at_site", spool.ErrNotFound},
}

// RemoteError is a site's refusal: errors.Is finds the error it names.
type RemoteError struct {
	Err error
	Msg string
}

func (e *RemoteError) Error() string { return "site: " + e.Msg }
func (e *RemoteError) Unwrap() error { return e.Err }

func codeOfErr(err error) string {
	for _, c := range controlCodes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return "site_fault"
}

func errOfCode(code, msg string) error {
	for _, c := range controlCodes {
		if c.code == code {
			return &RemoteError{Err: c.err, Msg: msg}
		}
	}
	return &RemoteError{Err: ErrSiteFault, Msg: msg}
}

// noCopyMade reports whether a reprint command that failed with err
// certainly made no copy at the site: it was never delivered, or the site
// refused it before copying (a site fault may come after the copy).
func noCopyMade(err error) bool {
	if errors.Is(err, ErrSiteOffline) {
		return true
	}
	var re *RemoteError
	return errors.As(err, &re) && !errors.Is(err, ErrSiteFault)
}

// CopyID is the fleet id of the copy of job id that key asks for: the
// same key is the same copy on every hub and at the site.
func CopyID(id, key string) string {
	sum := sha256.Sum256([]byte("copy\x00" + id + "\x00" + key))
	return "c" + hex.EncodeToString(sum[:12])
}

// controlLoop answers the site's control subject until ctx ends. A core
// NATS subscription outlives reconnects; commands are applied one at a
// time.
func (s *Site) controlLoop(ctx context.Context, lc LocalControl) {
	nc := s.js.Conn()
	for ctx.Err() == nil {
		sub, err := nc.Subscribe(ControlSubjectOf(s.opt.Site), func(m *nats.Msg) { s.control(ctx, lc, m) })
		if err != nil {
			s.opt.Log.Warn("fleet: control", "err", err)
			sleep(ctx, time.Second)
			continue
		}
		<-ctx.Done()
		_ = sub.Unsubscribe()
	}
}

func (s *Site) control(ctx context.Context, lc LocalControl, m *nats.Msg) {
	var cmd Command
	var r Reply
	if err := json.Unmarshal(m.Data, &cmd); err != nil || cmd.ID == "" {
		r.Code, r.Error = "bad_request", "not a command"
	} else {
		cctx, cancel := context.WithTimeout(ctx, ControlTimeout)
		ch, existing, err := lc.Control(cctx, cmd)
		cancel()
		if err != nil {
			r.Code, r.Error = codeOfErr(err), err.Error()
			s.opt.Log.Info("fleet: command refused", "op", cmd.Op, "job", cmd.ID, "err", err)
		} else {
			ch.Site = s.opt.Site
			if ch.At.IsZero() {
				ch.At = s.opt.Now().UTC()
			}
			r.Change, r.Existing = ch, existing
			s.opt.Log.Info("fleet: command", "op", cmd.Op, "job", cmd.ID, "state", ch.State, "existing", existing)
			s.Report(ch)
		}
	}
	data, _ := json.Marshal(r)
	if err := m.Respond(data); err != nil {
		s.opt.Log.Warn("fleet: answer command", "job", cmd.ID, "err", err)
	}
}

// online reports whether site's last heartbeat is within the site
// timeout.
func (h *Hub) online(ctx context.Context, site string) error {
	_, stored, err := h.siteEntry(ctx, site)
	if err != nil {
		return err
	}
	if h.opt.Now().Sub(stored) >= h.opt.SiteTimeout {
		return ErrSiteOffline
	}
	return nil
}

// command sends cmd to site and waits for its answer (ControlTimeout).
func (h *Hub) command(ctx context.Context, site string, cmd Command) (Reply, error) {
	if err := h.online(ctx, site); err != nil {
		return Reply{}, err
	}
	data, _ := json.Marshal(cmd)
	ctx, cancel := context.WithTimeout(ctx, ControlTimeout)
	defer cancel()
	m, err := h.js.Conn().RequestWithContext(ctx, ControlSubjectOf(site), data)
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		// Nobody listens: the site's process is down, nothing was received.
		return Reply{}, fmt.Errorf("%w (no site process listens)", ErrSiteOffline)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout):
		return Reply{}, ErrSiteUnreachable
	case err != nil:
		return Reply{}, fmt.Errorf("fleet: command %s to %s: %w", cmd.Op, site, err)
	}
	var r Reply
	if err := json.Unmarshal(m.Data, &r); err != nil {
		return Reply{}, fmt.Errorf("%w: an answer that is not one: %w", ErrSiteFault, err)
	}
	if r.Code != "" {
		return r, errOfCode(r.Code, r.Error)
	}
	return r, nil
}

// after applies the site's answer to the job's record (the answer is
// the site's report, as on the events stream, folded the same way) and
// returns the record as answered.
func (h *Hub) after(ctx context.Context, r Reply) (Record, error) {
	if err := h.apply(ctx, r.Change); err != nil {
		return Record{}, err
	}
	return h.Job(ctx, r.Change.ID)
}

// Decide routes a person's decision on a job in state unknown to its
// site: printed, not_printed, or retry (sent again as the original, with
// a fresh deadline). Only from unknown, so a decision sent twice is
// refused the second time (spool.ErrNotUnknown), never applied twice.
func (h *Hub) Decide(ctx context.Context, id, decision string) (Record, error) {
	switch spool.Decision(decision) {
	case spool.DecidedPrinted, spool.DecidedNotPrinted, spool.DecidedRetry:
	default:
		return Record{}, spool.ErrBadDecision
	}
	rec, err := h.Job(ctx, id)
	if err != nil {
		return Record{}, err
	}
	if rec.State != Unknown {
		return rec, fmt.Errorf("%w: %s is %s", spool.ErrNotUnknown, id, rec.State)
	}
	r, err := h.command(ctx, rec.Site, Command{Op: OpDecide, ID: id, Decision: decision, Deadline: h.opt.Now().UTC().Add(h.opt.JobTTL)})
	if err != nil {
		return rec, err
	}
	return h.after(ctx, r)
}

// Retry routes a retry of a failed job to its site: queued again as the
// original, its next attempt, with a fresh deadline. attempt is the
// record's attempt the caller saw fail (0: the current one); a retry of
// an attempt already tried again answers the job as it is (existing).
// A job its site never took cannot be tried there: ErrNotAtSite.
func (h *Hub) Retry(ctx context.Context, id string, attempt int) (Record, bool, error) {
	rec, err := h.Job(ctx, id)
	if err != nil {
		return Record{}, false, err
	}
	if attempt > 0 && attempt < rec.Attempt {
		return rec, true, nil
	}
	if rec.State == Failed && (!rec.AtSite || rec.Reason == ReasonSiteOffline) {
		return rec, false, ErrNotAtSite
	}
	if attempt > rec.Attempt || rec.State != Failed {
		return rec, false, fmt.Errorf("%w: %s is %s at attempt %d", spool.ErrNotFailed, id, rec.State, rec.Attempt)
	}
	if !rec.Copy {
		// The key posted again after this failure is a new attempt with an
		// id of its own: trying this one again too would print twice.
		if _, _, err := h.get(ctx, JobID(rec.Site, rec.Printer, rec.Key, baseAttempt(id)+1)); err == nil {
			return rec, false, ErrKeyPostedAgain
		} else if !errors.Is(err, ErrUnknownJob) {
			return rec, false, err
		}
	}
	siteAttempt := rec.Attempt - baseAttempt(id) + 1
	r, err := h.command(ctx, rec.Site, Command{Op: OpRetry, ID: id, Attempt: siteAttempt, Deadline: h.opt.Now().UTC().Add(h.opt.JobTTL)})
	if err != nil {
		return rec, false, err
	}
	got, err := h.after(ctx, r)
	return got, r.Existing, err
}

// Reprint routes a reprint of job id to its site: a copy marked as such,
// a fleet job of its own (CopyID(id, key)) whose record is created with
// compare-and-set before the command is sent, so hubs agree on it; the
// same key again, on any hub, is the same copy (existing).
func (h *Hub) Reprint(ctx context.Context, id, key string) (Submission, error) {
	if key == "" {
		return Submission{}, ErrNoReprintKey
	}
	orig, err := h.Job(ctx, id)
	if err != nil {
		return Submission{}, err
	}
	cid := CopyID(id, key)
	cp, _, err := h.get(ctx, cid)
	existing := err == nil
	switch {
	case existing && cp.AtSite:
		return Submission{Job: h.view(cp), Existing: true}, nil
	case err != nil && !errors.Is(err, ErrUnknownJob):
		return Submission{}, err
	}
	if !orig.AtSite {
		return Submission{}, ErrNotAtSite
	}
	if err := h.online(ctx, orig.Site); err != nil {
		return Submission{}, err
	}
	created := false
	if !existing {
		now := h.opt.Now().UTC()
		cp = Record{ID: cid, Site: orig.Site, Printer: orig.Printer, Key: key, TransactionID: orig.TransactionID,
			Digest: orig.Digest, Attempt: 1, State: Queued, Copy: true, CopyOf: id,
			Deadline: now.Add(h.opt.JobTTL), CreatedAt: now, UpdatedAt: now}
		v, _ := json.Marshal(cp)
		if _, err := h.jobs.Create(ctx, cid, v); errors.Is(err, jetstream.ErrKeyExists) {
			// Another hub made it first: send the command again, the site's
			// key makes it the same copy.
			if cp, _, err = h.get(ctx, cid); err != nil {
				return Submission{}, err
			}
			existing = true
		} else if err != nil {
			return Submission{}, fmt.Errorf("fleet: record copy %s: %w", cid, err)
		} else {
			created = true
		}
	}
	r, err := h.command(ctx, orig.Site, Command{Op: OpReprint, ID: id, Copy: cid, Deadline: cp.Deadline})
	if err != nil {
		if created && noCopyMade(err) {
			// The site refused it before making a copy, or nobody received
			// it: no copy exists. A record left by a failed delete, or kept
			// after any other error (the site may have made the copy before
			// failing), reads queued and then the copy's own state, or
			// failed site_offline at its deadline.
			if derr := h.jobs.Delete(ctx, cid); derr != nil {
				h.opt.Log.Warn("fleet: forget copy record", "copy", cid, "err", derr)
			}
		}
		return Submission{}, err
	}
	got, err := h.after(ctx, r)
	return Submission{Job: got, Existing: existing || r.Existing}, err
}
