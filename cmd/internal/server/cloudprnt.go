package server

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/secuprint/receipt/printers/pull/cloudprnt"
	"github.com/secuprint/receipt/printers/spool"
)

// CloudPRNT serves Star CloudPRNT at /cloudprnt and /cloudprnt/{secret}:
// POST polls, GET fetches the job (or, with "delete", confirms it),
// DELETE confirms it. These endpoints take no bearer token: a printer
// proves itself with its secret, in the path or as the HTTP Basic
// password.
func (h *PullHandlers) CloudPRNT() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/cloudprnt-setting.json") {
			// Star's server setting request: 404 says this server speaks
			// CloudPRNT's HTTP version only (no MQTT).
			pullError(w, http.StatusNotFound, "CloudPRNT HTTP version only")
			return
		}
		switch r.Method {
		case http.MethodPost:
			h.cpPoll(w, r)
		case http.MethodGet:
			h.cpGet(w, r)
		case http.MethodDelete:
			h.cpDelete(w, r)
		default:
			w.Header().Set("Allow", "POST, GET, DELETE")
			pullError(w, http.StatusMethodNotAllowed, "method not allowed")
		}
	})
}

// pullError answers a printer in plain text: printers log it, nobody
// parses it.
func pullError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	io.WriteString(w, msg+"\n")
}

// pathSecret is the path element after the endpoint's name, "" if none.
func pathSecret(r *http.Request, base string) (string, bool) {
	rest, ok := strings.CutPrefix(r.URL.Path, base)
	if !ok {
		return "", false
	}
	if rest == "" {
		return "", true
	}
	rest, ok = strings.CutPrefix(rest, "/")
	if !ok || strings.Contains(rest, "/") {
		return "", false
	}
	return rest, true
}

// cpPrinter finds and authenticates the printer of a request that named
// mac (""when it named none). Unknown printers are 404 whatever the
// secret: nothing says whether a MAC is configured.
func (h *PullHandlers) cpPrinter(w http.ResponseWriter, r *http.Request, mac string) (*PulledPrinter, bool) {
	secret, ok := pathSecret(r, "/cloudprnt")
	if !ok {
		pullError(w, http.StatusNotFound, "not found")
		return nil, false
	}
	if secret != "" {
		p, ok := h.Dir.BySecret(PullCloudPRNT, secret)
		// A MAC that is not the one configured for the secret: someone
		// else's URL.
		if !ok || (mac != "" && mac != p.MAC) {
			pullError(w, http.StatusNotFound, "not found")
			return nil, false
		}
		return p, true
	}
	p, ok := h.Dir.ByMAC(mac)
	if mac == "" || !ok {
		pullError(w, http.StatusNotFound, "not found")
		return nil, false
	}
	if _, pass, ok := r.BasicAuth(); !ok || !secretIs(p, pass) {
		w.Header().Set("WWW-Authenticate", `Basic realm="receiptd cloudprnt", charset="UTF-8"`)
		pullError(w, http.StatusUnauthorized, "authentication required")
		return nil, false
	}
	return p, true
}

func (h *PullHandlers) cpPoll(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, cloudprnt.MaxPollBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		pullError(w, http.StatusRequestEntityTooLarge, "poll body too large")
		return
	}
	if err != nil {
		pullError(w, http.StatusBadRequest, "poll body: "+err.Error())
		return
	}
	poll, err := cloudprnt.ParsePoll(body)
	if err != nil {
		pullError(w, http.StatusBadRequest, err.Error())
		return
	}
	p, ok := h.cpPrinter(w, r, poll.MAC)
	if !ok {
		return
	}
	seen := h.saw(p, func(s *pullSeen) {
		s.status, s.printing = poll.Status(), poll.PrintingInProgress
		for _, a := range poll.Actions {
			switch a.Request {
			case cloudprnt.ActionClientType:
				s.clientType = a.Result
			case cloudprnt.ActionEncodings:
				s.encodings = cloudprnt.ParseEncodings(a.Result)
			case cloudprnt.ActionPageInfo:
				if pi, err := cloudprnt.ParsePageInfo(a.Result); err == nil {
					s.page = &pi
				}
			}
		}
	})
	var ans cloudprnt.Answer
	if !seen.asked {
		// Once per printer and run: what it is, what it decodes, how
		// wide it prints. The answers come with the next poll.
		h.saw(p, func(s *pullSeen) { s.asked = true })
		ans.ClientAction = []cloudprnt.ActionRequest{{Request: cloudprnt.ActionClientType}, {Request: cloudprnt.ActionEncodings}, {Request: cloudprnt.ActionPageInfo}}
	}
	st, err := h.peek(p, poll.PrintingInProgress)
	if err != nil {
		h.log().Error("cloudprnt: poll", "printer", p.Name, "err", err)
		pullError(w, http.StatusServiceUnavailable, "spool unavailable")
		return
	}
	// One job at a time: none while one is out, and none to a printer
	// out of paper, open or in error (the job waits).
	if len(st.Out) == 0 && st.HasNext && ready(seen.status) && !poll.PrintingInProgress {
		if media := mediaFor(p, seen.encodings); len(media) > 0 {
			ans.JobReady, ans.MediaTypes, ans.JobToken = true, media, st.Next.ID
		} else {
			h.log().Warn("cloudprnt: the printer decodes none of the media types it is served", "printer", p.Name, "encodings", seen.encodings)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(ans.Marshal())
}

// mediaFor is what p is served, honouring the Encodings the client said
// it decodes (all of p's when it has not said).
func mediaFor(p *PulledPrinter, encodings []string) []cloudprnt.MediaType {
	if len(encodings) == 0 {
		return p.Media
	}
	var out []cloudprnt.MediaType
	for _, m := range p.Media {
		if slices.Contains(encodings, string(m)) {
			out = append(out, m)
		}
	}
	return out
}

// handedOr is the job a request without token means: the one out with
// p, else "" (the next).
func (h *PullHandlers) handedOr(p *PulledPrinter, token string) (string, error) {
	if token != "" {
		return token, nil
	}
	st, err := h.Spool.PullPeek(p.Name)
	if err != nil {
		return "", err
	}
	if len(st.Out) > 0 {
		return st.Out[0].ID, nil
	}
	return "", nil
}

func (h *PullHandlers) cpGet(w http.ResponseWriter, r *http.Request) {
	q, err := cloudprnt.ParseJobQuery(r.URL.RawQuery)
	if err != nil {
		pullError(w, http.StatusBadRequest, err.Error())
		return
	}
	if q.Delete {
		h.cpConfirm(w, r, q.Confirm)
		return
	}
	p, ok := h.cpPrinter(w, r, q.MAC)
	if !ok {
		return
	}
	h.saw(p, nil)
	if !slices.Contains(p.Media, q.Type) {
		pullError(w, http.StatusUnsupportedMediaType, "this printer is served "+mediaList(p.Media))
		return
	}
	id, err := h.handedOr(p, q.Token)
	if err != nil {
		pullError(w, http.StatusServiceUnavailable, "spool unavailable")
		return
	}
	if id == "" {
		st, err := h.Spool.PullPeek(p.Name)
		if err != nil || !st.HasNext {
			pullError(w, http.StatusNotFound, "no job waits")
			return
		}
		id = st.Next.ID
	}
	// The picture is drawn before the job is handed out: a job that
	// cannot be drawn stays queued.
	var png []byte
	if q.Type == cloudprnt.MediaPNG {
		b, err := h.Spool.Bytes(id)
		if err != nil {
			h.fetchError(w, p, id, err)
			return
		}
		if png, err = p.PNG(b); err != nil {
			h.log().Error("cloudprnt: draw job", "printer", p.Name, "id", id, "err", err)
			pullError(w, http.StatusInternalServerError, "job could not be drawn")
			return
		}
	}
	j, b, ok, err := h.Spool.PullFetch(p.Name, id, true)
	if err != nil {
		h.fetchError(w, p, id, err)
		return
	}
	if !ok || j.Printer != p.Name {
		pullError(w, http.StatusNotFound, "no such job")
		return
	}
	h.log().Info("cloudprnt: job fetched", "printer", p.Name, "id", j.ID, "type", string(q.Type))
	if q.Type == cloudprnt.MediaPNG {
		b = png
	}
	w.Header().Set("Content-Type", string(q.Type))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Star-Job-Token", j.ID)
	w.Write(b)
}

func mediaList(ms []cloudprnt.MediaType) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}

// fetchError answers a fetch the spool refused; nothing changed.
func (h *PullHandlers) fetchError(w http.ResponseWriter, p *PulledPrinter, id string, err error) {
	switch {
	case errors.Is(err, spool.ErrNotFound), errors.Is(err, spool.ErrNotHanded):
		pullError(w, http.StatusNotFound, "no such job")
	case errors.Is(err, spool.ErrBusy):
		pullError(w, http.StatusConflict, "another job is out with this printer: confirm it first")
	default:
		h.log().Error("pull: fetch", "printer", p.Name, "id", id, "err", err)
		pullError(w, http.StatusServiceUnavailable, "spool unavailable")
	}
}

func (h *PullHandlers) cpDelete(w http.ResponseWriter, r *http.Request) {
	q, err := cloudprnt.ParseConfirmQuery(r.URL.RawQuery)
	if err != nil {
		pullError(w, http.StatusBadRequest, err.Error())
		return
	}
	h.cpConfirm(w, r, q)
}

func (h *PullHandlers) cpConfirm(w http.ResponseWriter, r *http.Request, q cloudprnt.ConfirmQuery) {
	p, ok := h.cpPrinter(w, r, q.MAC)
	if !ok {
		return
	}
	h.saw(p, nil)
	id, err := h.handedOr(p, q.Token)
	if err != nil {
		pullError(w, http.StatusServiceUnavailable, "spool unavailable")
		return
	}
	if id == "" {
		pullError(w, http.StatusNotFound, "no job to confirm")
		return
	}
	o, reason := cloudprnt.Confirmed(q.Code)
	j, err := h.Spool.PullConfirm(p.Name, id, pullOutcome(o), reason)
	if err != nil {
		h.fetchError(w, p, id, err)
		return
	}
	h.log().Info("cloudprnt: job confirmed", "printer", p.Name, "id", j.ID, "code", int(q.Code), "state", string(j.State))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

func pullOutcome(o cloudprnt.Outcome) spool.PullOutcome {
	switch o {
	case cloudprnt.Printed:
		return spool.PullPrinted
	case cloudprnt.Retry:
		return spool.PullRetry
	case cloudprnt.Failed:
		return spool.PullFailed
	}
	return spool.PullUnknown
}
