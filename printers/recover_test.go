package printers_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/virtual"
)

// An autocutter error fails a job before a byte of it is sent; Recover
// (DLE ENQ 2) clears it, and the job then prints once.
func TestRecoverClearsAutocutterError(t *testing.T) {
	job := golden(t, "cash-start")
	d := device(t, virtual.Options{})
	addr := tcpAddress(t, d)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := printers.Open(ctx, addr, printers.OpenOptions{Conn: fast})
	require.NoError(t, err)
	defer p.Close()
	d.SetFault(virtual.AutocutterError, true)
	r := p.Print(ctx, job)
	require.Equal(t, printers.OutcomeFailed, r.Outcome, "%v", r)
	assert.Zero(t, r.Sent)
	require.NotNil(t, r.Status)
	assert.True(t, r.Status.AutocutterError)

	rec, ok := p.(spool.Recoverer)
	require.True(t, ok, "a connected printer can clear its error for the queue")
	require.NoError(t, rec.Recover(ctx))
	r = p.Print(ctx, job)
	assert.Equal(t, printers.OutcomePrinted, r.Outcome, "%v", r)
	assert.Len(t, d.Tickets(), 1, "the job printed once")
}
