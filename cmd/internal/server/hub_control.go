package server

import (
	"context"
	"net/http"
	"time"
)

// controlTimeout bounds a request the hub routes to a site: its answer
// within fleet.ControlTimeout, and the records read and written around it.
const controlTimeout = 10 * time.Second

// reprint routes a reprint to the job's site: 202 with the copy's record,
// a fleet job of its own (Location /v1/jobs/{copy}); the Idempotency-Key
// names the copy, so the same request again, on any hub, is the same
// copy (Idempotent-Replayed).
func (h *hubAPI) reprint(w http.ResponseWriter, r *http.Request) {
	key, ok := idempotencyKey(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), controlTimeout)
	defer cancel()
	s, err := h.hub.Reprint(ctx, r.PathValue("id"), key)
	if err != nil {
		writeHubFault(w, err)
		return
	}
	if s.Existing {
		w.Header().Set("Idempotent-Replayed", "true")
	} else {
		h.opt.Log.Info("reprint", "id", r.PathValue("id"), "copy", s.Job.ID, "site", s.Job.Site)
	}
	w.Header().Set("Location", "/v1/jobs/"+s.Job.ID)
	writeJSON(w, http.StatusAccepted, s.Job)
}

// decide routes a person's decision on a job in state unknown to its
// site: 200 with the record as the site answered.
func (h *hubAPI) decide(w http.ResponseWriter, r *http.Request) {
	d, ok := readDecision(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), controlTimeout)
	defer cancel()
	job, err := h.hub.Decide(ctx, r.PathValue("id"), string(d))
	if err != nil {
		writeHubFault(w, err)
		return
	}
	h.opt.Log.Info("decision", "id", job.ID, "decision", string(d), "state", string(job.State), "site", job.Site)
	writeJSON(w, http.StatusOK, job)
}

// retry routes a retry of a failed job to its site: 202 with the record
// at its next attempt; ?attempt=N of an attempt tried again already is
// answered as the job is (Idempotent-Replayed), nothing sent.
func (h *hubAPI) retry(w http.ResponseWriter, r *http.Request) {
	attempt, ok := parseAttempt(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), controlTimeout)
	defer cancel()
	job, existing, err := h.hub.Retry(ctx, r.PathValue("id"), attempt)
	if err != nil {
		writeHubFault(w, err)
		return
	}
	if existing {
		w.Header().Set("Idempotent-Replayed", "true")
	} else {
		h.opt.Log.Info("retry", "id", job.ID, "attempt", job.Attempt, "site", job.Site)
	}
	w.Header().Set("Location", "/v1/jobs/"+job.ID)
	writeJSON(w, http.StatusAccepted, job)
}
