package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/secuprint/receipt/printers"
)

// errPrinting is a status read while this service prints on the printer.
var errPrinting = fmt.Errorf("%w printing a job", printers.ErrBusy)

// lastStatus is a printer's last known status and whether a job of ours
// is printing on it: a status read then answers at once with what the
// printer said last rather than wait behind the job.
type lastStatus struct {
	mu   sync.Mutex
	jobs int // Print calls in progress
	st   printers.Status
	at   time.Time // zero: no status read yet
}

func (l *lastStatus) set(st printers.Status) {
	l.mu.Lock()
	l.st, l.at = st, time.Now()
	l.mu.Unlock()
}

func (l *lastStatus) printing() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.jobs > 0
}

// busyView shows the last status in v of a printer that is busy (err).
func (l *lastStatus) busyView(v *printerView, err error) {
	l.mu.Lock()
	st, at := l.st, l.at
	l.mu.Unlock()
	v.Busy = true
	if !errors.Is(err, errPrinting) {
		v.Error = err.Error() // another host holds it: say what was seen
	}
	if !at.IsZero() {
		v.Status, v.Ready, v.StatusAt = &st, st.Ready(), &at
	}
}

// Print marks the printer busy for status reads while the job prints, and
// keeps the status its confirmation carries.
func (k keepOpen) Print(ctx context.Context, job []byte) printers.Result {
	l := &k.sp.last
	l.mu.Lock()
	l.jobs++
	l.mu.Unlock()
	res := k.Printer.Print(ctx, job)
	l.mu.Lock()
	l.jobs--
	if res.Status != nil {
		l.st, l.at = *res.Status, time.Now()
	}
	l.mu.Unlock()
	return res
}
