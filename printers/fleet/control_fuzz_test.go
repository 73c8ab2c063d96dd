package fleet

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/receipt"
)

// A command on a site's control subject, whatever its bytes, is applied
// to the site's spool or refused with an error: never a panic, never a
// job of another id touched, and an unknown op changes nothing. Seeded
// from testdata/commands.
func FuzzSiteCommand(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/commands/*.json")
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte(`{"op":"reprint","id":"f0001"}`))
	f.Add([]byte(`{"op":"decide","id":"f0001","decision":"printed"}`))
	f.Add([]byte(`{"op":"nope","id":"f0001"}`))
	sp, _, l, _ := watchedLocal(f)
	tx, err := receipt.ParseTransaction([]byte(`{"id":"t1","receipt":[{"type":"textline","value":{"text":"hello"}}]}`))
	require.NoError(f, err)
	ctx := context.Background()
	for _, id := range []string{"f0001", "f0002"} {
		require.NoError(f, l.Submit(ctx, Job{ID: id, Site: "s1", Printer: "front", Deadline: time.Now().Add(time.Hour)}, tx))
	}
	other, err := sp.KeyJob("front", "f0002")
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, data []byte) {
		var cmd Command
		if json.Unmarshal(data, &cmd) != nil {
			return
		}
		ch, _, err := l.Control(ctx, cmd)
		switch {
		case err != nil:
			if ch.ID != "" {
				t.Fatalf("refused %+v with a change %+v", cmd, ch)
			}
		case cmd.Op != OpReprint && cmd.Op != OpDecide && cmd.Op != OpRetry:
			t.Fatalf("unknown op %q applied", cmd.Op)
		case cmd.Op == OpReprint && ch.ID != cmd.Copy, cmd.Op != OpReprint && ch.ID != cmd.ID:
			t.Fatalf("%+v answered for %s", cmd, ch.ID)
		}
		if cmd.ID != "f0002" {
			if j, err := sp.Get(other.ID); err != nil || j.State != other.State || j.Attempt != other.Attempt {
				t.Fatalf("%+v touched another job: %+v %v", cmd, j, err)
			}
		}
	})
}
