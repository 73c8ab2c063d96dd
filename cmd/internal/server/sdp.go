package server

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/secuprint/receipt/printers/pull/sdp"
	"github.com/secuprint/receipt/printers/spool"
)

// sdpTimeout is the print timeout each job carries (<timeout>).
const sdpTimeout = 60 * time.Second

// SDP serves Epson Server Direct Print at /sdp and /sdp/{secret}: one
// form-encoded POST for the three requests (GetRequest, SetResponse,
// SetStatus). A printer proves itself with the secret in its URL, or by
// HTTP Digest with its ID as the user name and the secret as password.
func (h *PullHandlers) SDP() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			pullError(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, sdp.MaxRequestBody))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			pullError(w, http.StatusRequestEntityTooLarge, "request too large")
			return
		}
		if err != nil {
			pullError(w, http.StatusBadRequest, err.Error())
			return
		}
		// The ID first, to know whose password to check; the whole form
		// is read only once the printer is known and authenticated.
		form, err := url.ParseQuery(string(body))
		if err != nil {
			pullError(w, http.StatusBadRequest, "form: "+err.Error())
			return
		}
		p, ok := h.sdpPrinter(w, r, form.Get("ID"))
		if !ok {
			return
		}
		req, err := sdp.ParseRequest(body)
		if err != nil {
			pullError(w, http.StatusBadRequest, err.Error())
			return
		}
		switch req.Type {
		case sdp.GetRequest:
			h.sdpGet(w, p)
		case sdp.SetResponse:
			h.sdpResults(w, p, req.Response)
		case sdp.SetStatus:
			if st, ok := sdp.Printer(req.Status); ok {
				h.saw(p, func(s *pullSeen) { s.status, s.hasStatus = sdp.StatusOf(st.ASB), true })
			}
			w.WriteHeader(http.StatusOK)
		}
	})
}

func (h *PullHandlers) sdpPrinter(w http.ResponseWriter, r *http.Request, id string) (*PulledPrinter, bool) {
	secret, ok := pathSecret(r, "/sdp")
	if !ok {
		pullError(w, http.StatusNotFound, "not found")
		return nil, false
	}
	if secret != "" {
		p, ok := h.Dir.BySecret(PullSDP, secret)
		if !ok || p.ID != id {
			pullError(w, http.StatusNotFound, "not found")
			return nil, false
		}
		return p, true
	}
	p, ok := h.Dir.BySDPID(id)
	if !ok {
		pullError(w, http.StatusNotFound, "not found")
		return nil, false
	}
	if !digestOK(r, h.DigestKey, &h.digest, h.now(), p.ID, p.Secret) {
		digestChallenge(w, h.DigestKey, h.now())
		return nil, false
	}
	return p, true
}

func (h *PullHandlers) sdpGet(w http.ResponseWriter, p *PulledPrinter) {
	seen := h.saw(p, func(s *pullSeen) {
		if !s.hasStatus { // no status notification: a poll says online
			s.status.Online = true
		}
	})
	st, err := h.peek(p, false)
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		h.log().Error("sdp: poll", "printer", p.Name, "err", err)
		pullError(w, http.StatusServiceUnavailable, "spool unavailable")
		return
	}
	if !ready(seen.status) {
		w.WriteHeader(http.StatusOK) // the jobs wait
		return
	}
	if p.SDPVersion == sdp.V1 && len(st.Out) > 0 {
		w.WriteHeader(http.StatusOK) // its one result names no job: one at a time
		return
	}
	if st.HasNext && !sdp.Fits(st.Next.Size) {
		h.sdpTooLarge(p, st.Next.ID)
	}
	jobs, bs, err := h.Spool.PullFetchBatch(p.Name, sdp.MaxDataUnits, func(sizes []int) int { return sdp.Take(p.SDPVersion, sizes) })
	if err != nil {
		h.log().Error("sdp: fetch", "printer", p.Name, "err", err)
		pullError(w, http.StatusServiceUnavailable, "spool unavailable")
		return
	}
	if len(jobs) == 0 {
		w.WriteHeader(http.StatusOK)
		return
	}
	out := make([]sdp.Job, len(jobs))
	for i, j := range jobs {
		out[i] = sdp.Job{ID: j.ID, Timeout: sdpTimeout, ESCPOS: bs[i]}
	}
	h.log().Info("sdp: jobs handed out", "printer", p.Name, "jobs", len(jobs), "first", jobs[0].ID)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Write(sdp.AppendRequestInfo(nil, p.SDPVersion, out))
}

// sdpTooLarge fails a job no answer can hold, so the queue behind it
// goes on.
func (h *PullHandlers) sdpTooLarge(p *PulledPrinter, id string) {
	if _, _, _, err := h.Spool.PullFetch(p.Name, id, false); err != nil {
		h.log().Error("sdp: job too large", "printer", p.Name, "id", id, "err", err)
		return
	}
	if _, err := h.Spool.PullConfirm(p.Name, id, spool.PullFailed,
		"too large for Server Direct Print (an answer holds at most 2 MB): nothing printed; print it on another printer"); err != nil {
		h.log().Error("sdp: job too large", "printer", p.Name, "id", id, "err", err)
	}
}

// sdpResults settles the jobs of a ResponseFile: all of them, or — when
// one names a job not out with this printer — none.
func (h *PullHandlers) sdpResults(w http.ResponseWriter, p *PulledPrinter, ri sdp.ResponseInfo) {
	h.saw(p, nil)
	st, err := h.Spool.PullPeek(p.Name)
	if err != nil {
		pullError(w, http.StatusServiceUnavailable, "spool unavailable")
		return
	}
	out := map[string]bool{}
	for _, o := range st.Out {
		out[o.ID] = true
	}
	type settle struct {
		id     string
		o      spool.PullOutcome
		reason string
	}
	var todo []settle
	dup := map[string]bool{}
	if ri.Rejected != nil {
		// The printer refused the whole answer: nothing of it printed.
		for _, o := range st.Out {
			todo = append(todo, settle{o.ID, spool.PullFailed, "the printer refused the answer (" + ri.Rejected.Summary + ": " + ri.Rejected.Detail + "): nothing printed"})
		}
	}
	for _, r := range ri.Results {
		id := r.JobID
		if id == "" && len(st.Out) > 0 { // Version 1.00: the one job out
			id = st.Out[0].ID
		}
		if dup[id] {
			pullError(w, http.StatusBadRequest, "job "+id+" reported twice; nothing changed")
			return
		}
		dup[id] = true
		if !out[id] {
			pullError(w, http.StatusNotFound, "no job "+id+" is out with this printer; nothing changed")
			return
		}
		o, reason := sdp.Judge(r)
		todo = append(todo, settle{id, sdpOutcome(o), reason})
	}
	for _, t := range todo {
		j, err := h.Spool.PullConfirm(p.Name, t.id, t.o, t.reason)
		if err != nil {
			h.log().Error("sdp: confirm", "printer", p.Name, "id", t.id, "err", err)
			continue
		}
		h.log().Info("sdp: job confirmed", "printer", p.Name, "id", j.ID, "state", string(j.State))
	}
	w.WriteHeader(http.StatusOK)
}

func sdpOutcome(o sdp.Outcome) spool.PullOutcome {
	switch o {
	case sdp.Printed:
		return spool.PullPrinted
	case sdp.Retry:
		return spool.PullRetry
	case sdp.Failed:
		return spool.PullFailed
	}
	return spool.PullUnknown
}
