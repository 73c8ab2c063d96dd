package fleet

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/secuprint/receipt/receipt"
)

// fakeLocal is a site's receiptd: a durable-by-assumption spool keyed by
// the fleet job id and a worker that prints instantly, counting prints.
// It outlives a Site (a restarted site finds its jobs), as a spool does.
type fakeLocal struct {
	mu       sync.Mutex
	site     *Site
	printers []string
	jobs     map[string]*fakeJob
	queue    chan string
	printed  map[string]int      // job id → times printed
	order    map[string][]string // printer → ids as printed
	failNext int                 // Submit calls that fail as a full disk would
	// outcome, when set for a printer, is how its jobs end instead of
	// printing: unknown (a printer that hung mid-job) or failed.
	outcome map[string]State
	// stall delays Control: a site that answers too late.
	stall atomic.Int64
}

type fakeJob struct {
	job     Job
	state   State
	attempt int
	retried time.Time
	history []Attempt
}

// change is j's report, with its generation.
func (j *fakeJob) change(reason string) Change {
	return Change{ID: j.job.ID, Printer: j.job.Printer, State: j.state, Reason: reason, Attempt: max(j.attempt, 1), RetriedAt: j.retried, Deadline: j.job.Deadline, History: j.history}
}

func newFakeLocal(printers ...string) *fakeLocal {
	l := &fakeLocal{printers: printers, jobs: map[string]*fakeJob{}, queue: make(chan string, 100000),
		printed: map[string]int{}, order: map[string][]string{}, outcome: map[string]State{}}
	go l.work()
	return l
}

func (l *fakeLocal) attach(s *Site) {
	l.mu.Lock()
	l.site = s
	l.mu.Unlock()
}

func (l *fakeLocal) report(ch Change) {
	if l.site != nil {
		l.site.Report(ch)
	}
}

func (l *fakeLocal) Submit(ctx context.Context, job Job, tx *receipt.Transaction) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !slices.Contains(l.printers, job.Printer) {
		return ErrNoPrinter
	}
	if l.failNext > 0 {
		l.failNext--
		return fmt.Errorf("disk full")
	}
	if _, ok := l.jobs[job.ID]; ok {
		return nil // the same key: the same job
	}
	l.jobs[job.ID] = &fakeJob{job: job, state: Queued}
	l.report(Change{ID: job.ID, Printer: job.Printer, State: Queued})
	l.queue <- job.ID
	return nil
}

func (l *fakeLocal) work() {
	for id := range l.queue {
		l.mu.Lock()
		j := l.jobs[id]
		switch {
		case j.state != Queued:
		case !time.Now().Before(j.job.Deadline):
			j.state = Failed
			l.report(j.change(ReasonExpired))
		case l.outcome[j.job.Printer] != "":
			j.state = l.outcome[j.job.Printer]
			l.report(j.change("as the test set it"))
		default:
			l.printed[id]++
			l.order[j.job.Printer] = append(l.order[j.job.Printer], id)
			j.state = Printed
			l.report(j.change(""))
		}
		l.mu.Unlock()
	}
}

func (l *fakeLocal) Cancel(ctx context.Context, id string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	j, ok := l.jobs[id]
	if !ok || j.state != Queued {
		return false, nil
	}
	j.state = Cancelled
	return true, nil
}

func (l *fakeLocal) Printers() []PrinterStatus {
	var ps []PrinterStatus
	for _, p := range l.printers {
		ps = append(ps, PrinterStatus{Name: p, Status: "ok"})
	}
	return ps
}

func (l *fakeLocal) Jobs(ctx context.Context) ([]Change, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Change
	for id, j := range l.jobs {
		out = append(out, Change{ID: id, Printer: j.job.Printer, State: j.state})
	}
	return out, nil
}

// counts are how many jobs printed once, more than once.
func (l *fakeLocal) counts() (once, doubled int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, n := range l.printed {
		if n == 1 {
			once++
		} else {
			doubled++
		}
	}
	return once, doubled
}
