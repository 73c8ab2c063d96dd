package virtual_test

import (
	"context"
	"net"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers/virtual"
)

// State.Idle holds only once the last ticket is counted and its files are
// written: the buffer is empty as the cut is taken, long before a ticket
// of 400 lines is rendered. Idle is what the pull mode confirms on.
func TestIdleAfterTheFilesAreWritten(t *testing.T) {
	d := newDevice(t, virtual.Options{OutDir: t.TempDir()})
	require.True(t, d.Status().Idle, "a new printer")
	job := []byte("\x1b@")
	for i := range 400 {
		job = append(strconv.AppendInt(append(job, "line "...), int64(i), 10), '\n')
	}
	job = append(job, "\x1dVA\x03"...)

	host, printer := net.Pipe()
	served := make(chan error, 1)
	go func() { served <- d.Serve(printer, "idle") }()
	_, err := host.Write(job)
	require.NoError(t, err)
	require.NoError(t, host.Close())
	require.NoError(t, <-served)

	ctx, cancel := context.WithTimeout(context.Background(), safety)
	defer cancel()
	require.NoError(t, d.Wait(ctx, func(s virtual.State) bool { return s.Processed == int64(len(job)) && s.Idle }))
	assert.Len(t, d.Tickets(), 1)
	for _, ext := range []string{".bin", ".txt", ".png"} {
		_, err := os.Stat(d.File(1, ext))
		assert.NoError(t, err, "ticket 1%s", ext)
	}
}
