package spool

import (
	"time"
)

// Health is how a printer's worker is doing: whether it is stuck on a
// fault it keeps retrying (a spool write that fails, a printer that
// does not answer) and how many faults it has met.
type Health struct {
	Printer string
	// Err describes the current fault; "" is healthy.
	Err string
	// Since is when the current fault began (zero when healthy).
	Since time.Time
	// Faults counts every fault seen since the spool was opened.
	Faults uint64
}

// Health returns printer's worker health.
func (s *Spool) Health(printer string) Health {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.health[printer]; h != nil {
		return *h
	}
	return Health{Printer: printer}
}

// fault records a fault of printer's worker.
func (s *Spool) fault(printer string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.healthLocked(printer)
	if h.Err == "" {
		h.Since = s.now()
	}
	h.Err = err.Error()
	h.Faults++
}

// recovered marks printer's worker healthy again.
func (s *Spool) recovered(printer string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.healthLocked(printer)
	h.Err, h.Since = "", time.Time{}
}

func (s *Spool) healthLocked(printer string) *Health {
	h := s.health[printer]
	if h == nil {
		h = &Health{Printer: printer}
		s.health[printer] = h
	}
	return h
}
