package fleet

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Bounds of a hub's job index, what GET /v1/jobs lists. JobsBucket may
// hold millions of records over Retention; listing its keys per request
// would cost the cluster that much each time. Each hub holds in memory
// the IndexRecent records changed last, plus up to IndexAttention
// records that wait for a person (unknown, or failed within
// AttentionWindow) however long ago they changed, read at start from the
// last IndexScan messages of the bucket's stream and kept current by the
// hub's watch of the bucket. A record older than that is still read by
// its id (GET /v1/jobs/{id}).
const (
	IndexRecent     = 10_000
	IndexAttention  = 10_000
	IndexScan       = 100_000
	AttentionWindow = 24 * time.Hour
)

// ErrIndexLoading: the hub has not yet read the bucket's tail (NATS
// unreachable since it started); nothing can be listed yet.
var ErrIndexLoading = errors.New("fleet: the hub is still reading the job list")

// ErrBadCursor: a ListQuery's Before is not a cursor a list answered.
var ErrBadCursor = errors.New("fleet: before is not a cursor from a job list")

// ListQuery selects jobs from a hub's index; the zero value lists the
// newest 200 of every site.
type ListQuery struct {
	Site, Printer string
	State         State // "" for every state
	Limit         int   // 200 when 0
	// Before is the Next of the previous page: the list goes on after it.
	Before string
}

// JobPage is one page of a hub's job list, newest first. Next is the
// cursor of the page after it, "" at the end.
type JobPage struct {
	Jobs []Record
	Next string
}

// jobIndex is a hub's in-memory index of JobsBucket (the bounds above).
type jobIndex struct {
	mu   sync.RWMutex
	byID map[string]*indexed
	// order holds byID's records oldest first (by creation, then id): a
	// list walks it from the newest end and stops at its limit. Jobs are
	// mostly created in order, so a new one is appended.
	order []*indexed
	// rev is the last bucket revision applied: a new watch resumes after it.
	rev               uint64
	ready             chan struct{}
	once              sync.Once
	recent, attention int // the bounds (tests set them smaller)
	compactions       int
}

type indexed struct {
	rec Record
	rev uint64
}

func newJobIndex() *jobIndex {
	return &jobIndex{byID: map[string]*indexed{}, ready: make(chan struct{}), recent: IndexRecent, attention: IndexAttention}
}

// resume is where the hub's watch of JobsBucket starts: after the last
// revision applied, or at the first start IndexScan messages before the
// stream's end.
func (x *jobIndex) resume(ctx context.Context, js jetstream.JetStream) (jetstream.WatchOpt, error) {
	x.mu.RLock()
	rev := x.rev
	x.mu.RUnlock()
	if rev > 0 {
		return jetstream.ResumeFromRevision(rev + 1), nil
	}
	st, err := js.Stream(ctx, "KV_"+JobsBucket)
	if err != nil {
		return nil, fmt.Errorf("fleet: %w", err)
	}
	s := st.CachedInfo().State
	from := max(s.FirstSeq, 1)
	if s.LastSeq >= IndexScan && s.LastSeq-IndexScan+1 > from {
		from = s.LastSeq - IndexScan + 1
	}
	return jetstream.ResumeFromRevision(from), nil
}

// caughtUp marks the index as holding the bucket's tail.
func (x *jobIndex) caughtUp() { x.once.Do(func() { close(x.ready) }) }

// apply folds one entry of the bucket's watch into the index.
func (x *jobIndex) apply(e jetstream.KeyValueEntry, now time.Time) {
	var rec Record
	put := e.Operation() == jetstream.KeyValuePut
	if put && (json.Unmarshal(e.Value(), &rec) != nil || rec.ID != e.Key()) {
		put = false // not a record: never listed
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.rev = max(x.rev, e.Revision())
	old, had := x.byID[e.Key()]
	switch {
	case !put:
		if had {
			x.remove(old)
		}
		return
	case had && old.rec.CreatedAt.Equal(rec.CreatedAt):
		old.rec, old.rev = rec, e.Revision() // its place is the same
		return
	case had:
		x.remove(old)
	}
	v := &indexed{rec: rec, rev: e.Revision()}
	x.byID[rec.ID] = v
	if n := len(x.order); n == 0 || older(&x.order[n-1].rec, &rec) < 0 {
		x.order = append(x.order, v)
	} else {
		x.order = slices.Insert(x.order, x.place(&rec), v)
	}
	if len(x.byID) > x.recent+x.attention+x.recent/8 {
		x.compact(now)
	}
}

// place is where r is or would be in order: the records before it are
// older.
func (x *jobIndex) place(r *Record) int {
	i, _ := slices.BinarySearchFunc(x.order, r, func(e *indexed, r *Record) int { return older(&e.rec, r) })
	return i
}

func (x *jobIndex) remove(v *indexed) {
	delete(x.byID, v.rec.ID)
	if i := x.place(&v.rec); i < len(x.order) && x.order[i] == v {
		x.order = slices.Delete(x.order, i, i+1)
	}
}

// needsPerson: a person has to look at the job (its state as answered).
func needsPerson(rec Record, now time.Time) bool {
	return rec.State == Unknown || rec.State == Failed && now.Sub(rec.UpdatedAt) < AttentionWindow
}

// compact drops all but the recent records changed last and the newest
// attention ones waiting for a person. It runs once per recent/8 records
// past the bound, so its sort costs little per record.
func (x *jobIndex) compact(now time.Time) {
	x.compactions++
	all := make([]*indexed, 0, len(x.byID))
	for _, v := range x.byID {
		all = append(all, v)
	}
	slices.SortFunc(all, func(a, b *indexed) int { return cmp.Compare(b.rev, a.rev) })
	kept := 0
	for i, v := range all {
		if i < x.recent {
			continue
		}
		if kept < x.attention && needsPerson(viewAt(v.rec, now), now) {
			kept++
			continue
		}
		delete(x.byID, v.rec.ID)
	}
	x.order = slices.DeleteFunc(x.order, func(v *indexed) bool { return x.byID[v.rec.ID] != v })
}

// viewAt is Hub.view at now: a job its site never took before its
// deadline reads failed, site_offline.
func viewAt(rec Record, now time.Time) Record {
	if !rec.AtSite && !rec.State.Final() && now.After(rec.Deadline) {
		rec.State, rec.Reason = Failed, ReasonSiteOffline
	}
	return rec
}

// stateAt is viewAt(*rec, now).State.
func stateAt(rec *Record, now time.Time) State {
	if !rec.AtSite && !rec.State.Final() && now.After(rec.Deadline) {
		return Failed
	}
	return rec.State
}

// cursor is the place of rec in the list: its creation, then its id.
func cursor(rec Record) string {
	return strconv.FormatInt(rec.CreatedAt.UnixNano(), 10) + "." + rec.ID
}

func parseCursor(s string) (time.Time, string, error) {
	ns, id, ok := strings.Cut(s, ".")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", ErrBadCursor
	}
	return time.Unix(0, n), id, nil
}

// older orders records oldest first: by creation, then by id.
func older(a, b *Record) int {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// list answers q from the index at now: a walk from the newest record
// (or the cursor) that stops at Limit matches, so an unfiltered page
// costs its jobs, a filtered one at most the index.
func (x *jobIndex) list(q ListQuery, now time.Time) (JobPage, error) {
	if q.Limit <= 0 {
		q.Limit = 200
	}
	var after Record
	if q.Before != "" {
		t, id, err := parseCursor(q.Before)
		if err != nil {
			return JobPage{}, err
		}
		after = Record{CreatedAt: t, ID: id}
	}
	// Past Retention since its last change the bucket has dropped a record
	// without a word to the watch: the index drops it from its answers.
	oldest := now.Add(-Retention)
	x.mu.RLock()
	defer x.mu.RUnlock()
	page := JobPage{Jobs: make([]Record, 0, min(q.Limit, len(x.order)))}
	end := len(x.order)
	if q.Before != "" {
		end = x.place(&after)
	}
	for i := end - 1; i >= 0; i-- {
		r := &x.order[i].rec
		if q.Site != "" && r.Site != q.Site || q.Printer != "" && r.Printer != q.Printer ||
			r.UpdatedAt.Before(oldest) || q.State != "" && stateAt(r, now) != q.State {
			continue
		}
		if len(page.Jobs) == q.Limit { // one more: there is a next page
			page.Next = cursor(page.Jobs[q.Limit-1])
			break
		}
		page.Jobs = append(page.Jobs, viewAt(*r, now))
	}
	return page, nil
}

// Jobs lists the jobs of the hub's index that q selects, newest first,
// in their states as GET /v1/jobs/{id} answers them. It waits (up to
// ctx) until the hub's watch has read the bucket's tail once: from then
// on every hub answers the same, a moment apart.
func (h *Hub) Jobs(ctx context.Context, q ListQuery) (JobPage, error) {
	if q.State != "" && q.State.rank() == 0 {
		return JobPage{}, fmt.Errorf("fleet: no state %q", q.State)
	}
	select {
	case <-h.index.ready:
	case <-ctx.Done():
		return JobPage{}, ErrIndexLoading
	}
	return h.index.list(q, h.opt.Now())
}
