package transport

import (
	"sync"
	"time"
)

// Deadlines keeps a link's read and write deadlines for a link whose every
// blocking step (one read, one chunk of a write) has its own timeout: a
// zero deadline stands for that timeout, counted from the step's start.
// The zero value waits forever on a zero deadline; set Timeout first.
type Deadlines struct {
	Timeout time.Duration

	mu          sync.Mutex
	read, write time.Time
}

// Set records the caller's deadline t for reads or writes and returns the
// deadline in force for a step that starts now.
func (d *Deadlines) Set(read bool, t time.Time) time.Time {
	d.mu.Lock()
	if read {
		d.read = t
	} else {
		d.write = t
	}
	d.mu.Unlock()
	return d.effective(t)
}

// Next returns the deadline for a read or write step that starts now.
func (d *Deadlines) Next(read bool) time.Time {
	d.mu.Lock()
	t := d.write
	if read {
		t = d.read
	}
	d.mu.Unlock()
	return d.effective(t)
}

func (d *Deadlines) effective(t time.Time) time.Time {
	if t.IsZero() && d.Timeout > 0 {
		return time.Now().Add(d.Timeout)
	}
	return t
}
