package server

import (
	"context"
	"strconv"
	"time"

	"github.com/secuprint/receipt/printers/spool"
)

// failOrphans fails the jobs queued for printers no longer configured:
// with no worker for them, they would stay "queued" for ever.
func (s *Server) failOrphans() error {
	counts, err := s.spool.Counts()
	if err != nil {
		return err
	}
	for printer, byState := range counts {
		if _, ok := s.byName[printer]; ok || byState[spool.Queued] == 0 {
			continue
		}
		n, err := s.spool.FailQueued(printer, "printer "+strconv.Quote(printer)+" is no longer configured")
		if err != nil {
			return err
		}
		s.log.Warn("failed jobs of a printer no longer configured", "printer", printer, "jobs", n)
	}
	return nil
}

// prune deletes jobs finished longer than retention ago, every interval
// until ctx ends.
func (s *Server) prune(ctx context.Context, retention, interval time.Duration) {
	every(ctx, interval, func() {
		n, err := s.spool.Prune(time.Now().Add(-retention))
		if err != nil {
			s.log.Error("prune", "err", err)
		} else if n > 0 {
			s.log.Info("pruned finished jobs", "jobs", n, "older_than", retention.String())
		}
	})
}

// every runs f at once and then every interval until ctx ends.
func every(ctx context.Context, interval time.Duration, f func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		f()
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}
