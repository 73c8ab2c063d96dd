package station

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/printers/virtual/virtualtest"
)

// Issue 24: a printer configured with model "auto" is identified again
// when it comes back after status reads failed (not per job on a link
// that stays up); a swapped unit and another model are noticed, shown and
// told; a swapped unit's stored logos are checked again.
func TestReidentifyAfterReconnect(t *testing.T) {
	ctx := context.Background()
	unit := func(model, serial string) string {
		prof, err := printers.Lookup(model)
		require.NoError(t, err)
		d, addr := virtualtest.TCP(t, virtual.Options{Profile: prof})
		if serial != "" {
			d.SetSerial(serial)
		}
		return addr[len("tcp://"):]
	}
	sock := newSwapSocket(t, unit("TM-T88VII", ""))
	start, err := printers.IdentifyAddress(ctx, sock.addr(), nil, printers.IdentifyOptions{Timeout: 300 * time.Millisecond})
	require.NoError(t, err)
	require.Equal(t, "TM-T88VII", start.Profile.ID)

	var mu sync.Mutex
	var told []printers.Change
	sp := newSpool(t)
	open := func(ctx context.Context, c Config) (printers.Printer, error) {
		return printers.Open(ctx, c.Address, printers.OpenOptions{Profile: start.Profile})
	}
	st := newStation(t, Config{Name: "front", Address: sock.addr(), Model: start.Profile.ID, Identity: &start},
		Options{Spool: sp, Open: open, Identified: func(_ string, _ printers.Identification, c printers.Change, _ error) {
			mu.Lock()
			told = append(told, c)
			mu.Unlock()
		}})
	t.Cleanup(func() { st.Close() })
	id, ok := st.Identity()
	require.True(t, ok)
	assert.Equal(t, printers.ChangeFirst, id.Change)
	assert.Equal(t, "0000000001", id.Identity.Serial)

	// Jobs on a link that stays up: nobody asks the printer what it is.
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = sp.Run(runCtx, "front", st.Printer, spool.WorkerOptions{}) }()
	for _, k := range []string{"j1", "j2"} {
		a, err := st.Submit(ctx, transaction(t, "pay-missing-sum"), Request{Key: k})
		require.NoError(t, err)
		wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
		j, err := sp.Wait(wctx, a.Job.ID)
		wcancel()
		require.NoError(t, err)
		assert.Equal(t, spool.Printed, j.State, j.Reason)
	}
	cancel()
	<-done
	_, err = st.ReadStatus(ctx)
	require.NoError(t, err)
	mu.Lock()
	assert.Empty(t, told, "no identification per job or per status read")
	mu.Unlock()

	steps := []struct {
		name, model, serial string
		change              printers.Change
		problem             bool
	}{
		{"same unit back", "TM-T88VII", "", printers.ChangeSame, false},
		{"swapped", "TM-T88VII", "X7T2000099", printers.ChangeSwapped, false},
		{"another model", "TM-m30II", "", printers.ChangeModel, true},
	}
	for _, s := range steps {
		sock.plug("127.0.0.1:1") // unplugged: nothing listens there
		_, err := st.ReadStatus(ctx)
		require.Error(t, err, s.name)
		sock.plug(unit(s.model, s.serial))
		_, err = st.ReadStatus(ctx)
		require.NoError(t, err, s.name)
		id, _ := st.Identity()
		assert.Equal(t, s.change, id.Change, s.name)
		assert.Equal(t, s.model, id.Profile.ID, s.name)
		assert.Equal(t, s.problem, id.Problem != "", "%s: %s", s.name, id.Problem)
		if s.change == printers.ChangeSwapped {
			st.logos.mu.Lock()
			assert.True(t, st.logos.lost, "a swapped unit's logos are checked again")
			st.logos.mu.Unlock()
		}
	}
	mu.Lock()
	assert.Equal(t, []printers.Change{printers.ChangeSame, printers.ChangeSwapped, printers.ChangeModel}, told)
	mu.Unlock()

	// Another model: a job rendered for the TM-T88VII fails with the
	// reason, nothing sent; once the TM-T88VII is back, jobs print again.
	print := func(key string) spool.Job {
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = sp.Run(runCtx, "front", st.Printer, spool.WorkerOptions{}) }()
		defer func() { cancel(); <-done }()
		a, err := st.Submit(ctx, transaction(t, "pay-missing-sum"), Request{Key: key})
		require.NoError(t, err)
		wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
		defer wcancel()
		j, err := sp.Wait(wctx, a.Job.ID)
		require.NoError(t, err)
		return j
	}
	j := print("after-model-change")
	assert.Equal(t, spool.Failed, j.State)
	assert.Contains(t, j.Reason, "is now TM-m30II")
	assert.Zero(t, j.Sent)

	sock.plug("127.0.0.1:1")
	_, err = st.ReadStatus(ctx)
	require.Error(t, err)
	sock.plug(unit("TM-T88VII", ""))
	_, err = st.ReadStatus(ctx)
	require.NoError(t, err)
	id, _ = st.Identity()
	assert.Equal(t, printers.ChangeModel, id.Change)
	assert.Empty(t, id.Problem, "the model it renders for again")
	j = print("model-back")
	assert.Equal(t, spool.Printed, j.State, j.Reason)
}
