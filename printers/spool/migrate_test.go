package spool

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
)

// openOld opens a copy of a spool written by an older receiptd.
// testdata/spool-209a497.db.gz was written by the code at commit 209a497
// (the generator is testdata/genspool.go.txt, run from a checkout of that
// commit): front printed tx-1 (two receipts) and a copy of it is queued,
// back has a queued job and a cancelled one.
func openOld(t *testing.T, name string) *Spool {
	t.Helper()
	gz, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	require.NoError(t, err)
	var db bytes.Buffer
	_, err = db.ReadFrom(zr)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "spool.db")
	require.NoError(t, os.WriteFile(path, db.Bytes(), 0o600))
	s, err := Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpensSpoolOf209a497(t *testing.T) {
	s := openOld(t, "spool-209a497.db.gz")
	all, err := s.List("", "", 0)
	require.NoError(t, err)
	type seen struct {
		printer, key string
		state        State
		source       Source
		copy         bool
	}
	var got []seen
	for _, j := range all {
		got = append(got, seen{j.Printer, j.Key, j.State, j.Source, j.Copy})
	}
	assert.ElementsMatch(t, []seen{
		{"front", "tx-1:aa", Printed, SourceAPI, false},
		{"front", "copy:j1000000000001:r1", Queued, SourceAPI, true},
		{"back", "k-queued", Queued, SourceAPI, false},
		{"back", "k-cancel", Cancelled, SourceAPI, false},
	}, got)

	// The old job's fields and bytes are as written.
	orig, err := s.Get("j1000000000001")
	require.NoError(t, err)
	assert.Equal(t, "tx-1", orig.TransactionID)
	assert.Equal(t, 2, orig.Receipts)
	assert.Equal(t, []string{"a warning"}, orig.Warnings)
	b, err := s.Bytes(orig.ID)
	require.NoError(t, err)
	assert.Equal(t, "\x1b@hello\n\x1b@hello\n", string(b))
	assert.Equal(t, 1, orig.Attempt, "a record written before attempts is attempt 1")
	assert.Empty(t, orig.History)

	// Keys are the service's now: back's old key names its job for front
	// too, refused as reused; front's old key still dedupes.
	_, _, err = s.Enqueue("front", "k-queued", "tx-2", []byte("other"), nil)
	var reused *KeyReusedError
	require.ErrorAs(t, err, &reused)
	assert.Equal(t, "back", reused.Job.Printer)
	again, existing, err := s.EnqueueJob("front", "tx-1:aa", Job{TransactionID: "tx-1", Digest: "00112233"}, []byte("x"))
	require.NoError(t, err)
	assert.True(t, existing)
	assert.Equal(t, orig.ID, again.ID)

	// An old key still names its job; a new job gets its source.
	j, existing, err := s.Enqueue("back", "k-queued", "tx-2", []byte("other"), nil)
	require.NoError(t, err)
	assert.True(t, existing)
	assert.Equal(t, SourceAPI, j.Source)
	n, existing, err := s.EnqueueJob("back", "new", Job{Source: SourceEPOS}, []byte("\x1b@new\n"))
	require.NoError(t, err)
	assert.False(t, existing)
	assert.Equal(t, SourceEPOS, n.Source)

	// The queue goes on: back's old queued job prints first.
	p := &script{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		_ = s.Run(ctx, "back", func(context.Context) (printers.Printer, error) { return p, nil }, WorkerOptions{})
		close(done)
	}()
	wctx, wcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer wcancel()
	got2, err := s.Wait(wctx, n.ID)
	require.NoError(t, err)
	cancel()
	<-done
	assert.Equal(t, Printed, got2.State)
	p.mu.Lock()
	defer p.mu.Unlock()
	require.Len(t, p.jobs, 2)
	assert.Equal(t, "\x1b@queued\n", string(p.jobs[0]))
	assert.Equal(t, "\x1b@new\n", string(p.jobs[1]))
}

func TestEnqueueRejectsUnknownSource(t *testing.T) {
	s, _ := open(t)
	_, _, err := s.EnqueueJob("p", "k", Job{Source: "fax"}, []byte("x"))
	assert.ErrorIs(t, err, ErrBadSource)
}
