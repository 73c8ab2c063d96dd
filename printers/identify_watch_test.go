package printers_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/virtual"
)

// The watcher over a real link: first, same, swapped (serial changed),
// kept while the printer does not answer, never the fallback.
func TestIdentityWatcher(t *testing.T) {
	ctx := context.Background()
	p, _ := printers.Lookup("TM-T88VII")
	d, err := virtual.New(virtual.Options{Profile: p})
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	a, err := d.ListenTCP(ctx, "127.0.0.1:0")
	require.NoError(t, err)
	w := printers.NewIdentityWatcher("tcp://"+a.String(), nil, printers.IdentifyOptions{Timeout: 150 * time.Millisecond})
	_, ok := w.Current()
	assert.False(t, ok)

	steps := []struct {
		name   string
		before func()
		change printers.Change
		serial string
	}{
		{"first", func() {}, printers.ChangeFirst, "0000000001"},
		{"reconnect, same unit", func() {}, printers.ChangeSame, "0000000001"},
		{"swapped", func() { d.SetSerial("X7T2000099") }, printers.ChangeSwapped, "X7T2000099"},
		{"offline: kept", func() { d.Stall(true) }, printers.ChangeKept, "X7T2000099"},
		{"back", func() { d.Stall(false) }, printers.ChangeSame, "X7T2000099"},
	}
	for _, s := range steps {
		s.before()
		res, change, err := w.Check(ctx)
		require.NoError(t, err, s.name)
		assert.Equal(t, s.change, change, s.name)
		assert.Equal(t, "TM-T88VII", res.Profile.ID, s.name)
		assert.Equal(t, s.serial, res.Identity.Serial, s.name)
		cur, ok := w.Current()
		assert.True(t, ok)
		assert.Equal(t, res.Profile.ID, cur.Profile.ID)
	}
}

// Another model at the address, and an address that cannot be opened.
func TestIdentityWatcherModelChange(t *testing.T) {
	ctx := context.Background()
	model := "TM-m30II"
	fail := false
	w := printers.NewIdentityWatcherFunc(func(ctx context.Context) (printers.Identification, error) {
		if fail {
			return printers.Identification{}, errors.New("dial: refused")
		}
		p, _ := printers.Lookup(model)
		return printers.IdentifyAddress(ctx, "virtual://", p, printers.IdentifyOptions{Timeout: 100 * time.Millisecond})
	})
	_, change, err := w.Check(ctx)
	require.NoError(t, err)
	assert.Equal(t, printers.ChangeFirst, change)
	model = "TM-m50"
	res, change, err := w.Check(ctx)
	require.NoError(t, err)
	assert.Equal(t, printers.ChangeModel, change)
	assert.Equal(t, "TM-m50", res.Profile.ID)
	fail = true
	res, change, err = w.Check(ctx)
	assert.Error(t, err)
	assert.Equal(t, printers.ChangeKept, change)
	assert.Equal(t, "TM-m50", res.Profile.ID)
}

// Nothing answers from the start: the fallback, reported as such.
func TestIdentityWatcherFallbackFirst(t *testing.T) {
	ctx := context.Background()
	p, _ := printers.Lookup("TM-T20IV")
	d, err := virtual.New(virtual.Options{Profile: p})
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	d.Stall(true)
	t.Cleanup(func() { d.Stall(false) })
	a, err := d.ListenTCP(ctx, "127.0.0.1:0")
	require.NoError(t, err)
	w := printers.NewIdentityWatcher("tcp://"+a.String(), nil, printers.IdentifyOptions{Timeout: 100 * time.Millisecond})
	res, change, err := w.Check(ctx)
	require.NoError(t, err)
	assert.Equal(t, printers.ChangeFirst, change)
	assert.Equal(t, printers.MatchFallback, res.Match.Kind)
	assert.ErrorIs(t, res.Err, printers.ErrNoIdentity)
	_, ok := w.Current()
	assert.False(t, ok, "the fallback names no model")
	d.Stall(false)
	res, change, err = w.Check(ctx)
	require.NoError(t, err)
	assert.Equal(t, printers.ChangeFirst, change, "the first that names it")
	assert.Equal(t, "TM-T20IV", res.Profile.ID)
}
