package server

import (
	"context"
	"errors"
	"time"

	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/station"
	"github.com/secuprint/receipt/receipt/epos"
)

// The answer of an ePOS request: when it comes and what it says, as
// Epson's printer would give it (docs/epos.md, "When the answer comes").

// print submits the document and waits for the answer Epson's printer
// would give: after the print is confirmed, at an error the printer
// shows while the job waits, or at the timeout. A job answered as not
// printed is failed at that moment, so it never prints later.
func (h *eposHandler) print(ctx context.Context, printer string, doc *epos.Document) (epos.Response, bool) {
	// Each request is its own job: ePOS has no idempotency key.
	j, err := h.st.SubmitDocument(ctx, printer, eposJob{Bytes: doc.Bytes, Key: station.NewKey(spool.SourceEPOS), Warnings: doc.Notes})
	switch {
	case errors.Is(err, station.ErrUnsupported), errors.Is(err, station.ErrRender):
		// Not the queue's fault: sending again would not help.
		h.log.Error("epos: refused", "printer", printer, "err", err)
		return epos.Answer(epos.OutcomeSystemError, h.printer(printer)), true
	case err != nil:
		h.log.Error("epos: not queued", "printer", printer, "err", err)
		return epos.Answer(epos.OutcomeQueueFull, h.printer(printer)), true
	}
	h.log.Info("epos: queued", "printer", printer, "job", j.ID, "bytes", len(doc.Bytes), "notes", len(doc.Notes))
	tick := time.NewTicker(h.poll)
	defer tick.Stop()
	queued := h.now()
	for {
		changed := h.st.Changed()
		j, err = h.st.Job(j.ID)
		if err != nil {
			return epos.Answer(epos.OutcomeSystemError, h.printer(printer)), false
		}
		if j.State.Final() {
			return h.final(printer, j)
		}
		// The worker normally takes a job at once; only one that waits is
		// explained by the printer's status (Epson answers a printer error
		// before printing, and the till sends again once it is fixed).
		if j.State == spool.Queued && h.now().Sub(queued) >= h.grace {
			if st, known := h.st.Status(printer); known && !st.Ready() {
				if r, ok := h.failUnsent(printer, j, epos.OutcomeFailed, "ePOS answer: "+st.String()); ok {
					return r, true
				}
			}
		}
		select {
		case <-changed:
		case <-tick.C:
		case <-ctx.Done():
			if j.State == spool.Queued {
				o := epos.OutcomeTimeout
				if st, known := h.st.Status(printer); known && !st.Ready() {
					o = epos.OutcomeFailed
				}
				if r, ok := h.failUnsent(printer, j, o, "ePOS answer: not printed within the request's timeout"); ok {
					return r, true
				}
			}
			// Bytes are on their way: neither printed nor not.
			return epos.Answer(epos.OutcomeUnknown, h.printer(printer)), false
		}
	}
}

// failUnsent fails a queued job with the answer o; false when the worker
// took it meanwhile.
func (h *eposHandler) failUnsent(printer string, j spool.Job, o epos.Outcome, reason string) (epos.Response, bool) {
	if _, err := h.st.FailUnsent(j.ID, reason); err != nil {
		if !errors.Is(err, spool.ErrNotQueued) {
			h.log.Error("epos: job not failed", "job", j.ID, "err", err)
		}
		return epos.Response{}, false
	}
	h.log.Info("epos: answered not printed; job failed", "job", j.ID, "reason", reason)
	return epos.Answer(o, h.printer(printer)), true
}

// final maps a job's final state to the answer.
func (h *eposHandler) final(printer string, j spool.Job) (epos.Response, bool) {
	p := h.printer(printer)
	switch j.State {
	case spool.Printed:
		return epos.Answer(epos.OutcomePrinted, p), true
	case spool.Failed, spool.Cancelled:
		return epos.Answer(epos.OutcomeFailed, p), true
	}
	return epos.Answer(epos.OutcomeUnknown, p), false
}

// printer is the printer's last status in ePOS terms.
func (h *eposHandler) printer(name string) epos.Printer {
	st, ok := h.st.Status(name)
	if !ok {
		return epos.Printer{}
	}
	return epos.Printer{Known: true, Online: st.Online, CoverOpen: st.CoverOpen, PaperEnd: st.PaperEnd, PaperNearEnd: st.PaperNearEnd,
		DrawerOpen: st.DrawerOpen, FeedButton: st.FeedButton, PaperFeeding: st.PaperFeeding, Waiting: st.Waiting,
		Recoverable: st.Recoverable, AutocutterError: st.AutocutterError, Unrecoverable: st.Unrecoverable, AutoRecoverable: st.AutoRecoverable}
}
