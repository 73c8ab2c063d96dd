package virtual_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers/virtual"
)

// TestControlReleasesAHeldJob: a job held by paper end at start prints
// once the operator clears the fault while the printer runs.
func TestControlReleasesAHeldJob(t *testing.T) {
	dir := t.TempDir()
	d := newDevice(t, virtual.Options{OutDir: dir})
	d.SetFault(virtual.PaperEnd, true)
	c := dialTCP(t, listen(t, d))
	send(t, c, []byte("held\n\x1dV\x00"))
	require.NoError(t, d.Wait(ctxSafety(t), func(s virtual.State) bool { return s.Buffered > 0 }))
	assert.Empty(t, d.Tickets())

	var out bytes.Buffer
	in := strings.NewReader("# operator\nstatus\nfault cover-open\nclear paper-end\nbogus\nfault paper-end maybe\nclear\n")
	require.NoError(t, d.ServeControl(context.Background(), in, &out))
	require.NoError(t, d.WaitTickets(ctxSafety(t), 1))
	assert.Equal(t, []string{"held"}, d.Tickets()[0].Paper.Lines())
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	require.Len(t, lines, 6)
	assert.Contains(t, lines[0], "faults: paper-end; online false")
	assert.Equal(t, "faults: paper-end, cover-open", lines[1])
	assert.Equal(t, "faults: cover-open", lines[2])
	assert.Contains(t, lines[3], "error: \"bogus\": unknown command")
	assert.Contains(t, lines[4], "want on or off")
	assert.Equal(t, "faults: none", lines[5])
	require.NoError(t, c.Close())
}

func TestControlCommands(t *testing.T) {
	d := newDevice(t, virtual.Options{})
	tests := []struct {
		in, want string
		err      bool
	}{
		{"", "", false},
		{"help", virtual.ControlHelp, false},
		{"fault offline on", "faults: offline", false},
		{"fault offline off", "faults: none", false},
		{"fault paper-near-end", "faults: paper-near-end", false},
		{"clear paper-near-end", "faults: none", false},
		{"stall on", "stall true", false},
		{"stall off", "stall false", false},
		{"drop-after 10", "drop-after 10", false},
		{"drop-after -1", "drop-after -1", false},
		{"wrong-status 0x1e", "DLE EOT answers 1e", false},
		{"wrong-status off", "true status answers", false},
		{"fault", "", true},
		{"fault nope", "", true},
		{"clear nope", "", true},
		{"stall", "", true},
		{"drop-after x", "", true},
		{"wrong-status 100", "", true},
		{"status now", "", true},
		{strings.Repeat("x", 300), "", true},
	}
	for _, tt := range tests {
		got, err := d.Control(tt.in)
		if tt.err {
			assert.ErrorIs(t, err, virtual.ErrControl, "%q", tt.in)
			continue
		}
		require.NoError(t, err, "%q", tt.in)
		assert.Equal(t, tt.want, got, "%q", tt.in)
	}
}

// TestShutdownLogsWhatItDrops: a job still held at shutdown is named in
// the status log, not dropped without a word.
func TestShutdownLogsWhatItDrops(t *testing.T) {
	dir := t.TempDir()
	d, err := virtual.New(virtual.Options{OutDir: dir})
	require.NoError(t, err)
	d.SetFault(virtual.PaperEnd, true)
	c := d.Conn("host")
	_, err = c.Write([]byte("never printed\n\x1dV\x00"))
	require.NoError(t, err)
	require.NoError(t, d.Wait(ctxSafety(t), func(s virtual.State) bool { return s.Buffered > 0 }))
	require.NoError(t, d.Close())
	log, err := os.ReadFile(filepath.Join(dir, "status.log"))
	require.NoError(t, err)
	assert.Contains(t, string(log), "shutdown: dropping 17 buffered bytes, 0 bytes waiting on links, an uncut ticket of 0 bytes; held by paper-end")

	d2, err := virtual.New(virtual.Options{OutDir: dir})
	require.NoError(t, err)
	require.NoError(t, d2.Close())
	log, err = os.ReadFile(filepath.Join(dir, "status.log"))
	require.NoError(t, err)
	assert.Contains(t, string(log), "shutdown: nothing buffered, nothing dropped")
}

func FuzzControl(f *testing.F) {
	for _, s := range []string{"fault paper-end", "clear", "stall on", "drop-after 3", "wrong-status 12", "status", "help", "fault x y z"} {
		f.Add(s)
	}
	d, err := virtual.New(virtual.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = d.Close() })
	f.Fuzz(func(t *testing.T, line string) {
		out, err := d.Control(line)
		if err != nil && !errors.Is(err, virtual.ErrControl) {
			t.Fatalf("unclassified error %v", err)
		}
		if err != nil && out != "" {
			t.Fatalf("output %q with error", out)
		}
		d.Stall(false)
		d.DropAfter(-1)
	})
}
