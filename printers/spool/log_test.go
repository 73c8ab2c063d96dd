package spool

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
)

// syncBuffer is a log sink the worker writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogSaysWhatTheAPIShows: a job the printer turns away with nothing
// sent is logged as queued and waiting, as the API shows it, not "failed".
func TestLogSaysWhatTheAPIShows(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "spool.db"))
	require.NoError(t, err)
	defer s.Close()
	var log syncBuffer
	p := &script{results: []printers.Result{{Outcome: printers.OutcomeFailed, Reason: printers.ReasonPaperEnd}}}
	runWorker(t, s, p, WorkerOptions{Backoff: time.Millisecond, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	j, _, err := s.Enqueue("p", "k", "STX_1", []byte("x"), nil)
	require.NoError(t, err)
	assert.Equal(t, Printed, waitFinal(t, s, j.ID).State)
	out := log.String()
	assert.Contains(t, out, `state=queued reason="waiting: paper end"`)
	assert.Contains(t, out, "state=printed")
	assert.NotContains(t, out, "state=failed")
}
