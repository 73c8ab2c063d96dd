package printers_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/transport"
	"github.com/secuprint/receipt/transport/tcp"
)

// newModels are the profiles issue 24 added; the virtual printer playing
// each must be identified as it, end to end.
var newModels = []string{"TM-T88VI", "TM-T88VII", "TM-m30II", "TM-m30II-H", "TM-m50", "TM-T20IV", "TM-L100",
	"SRP-350plusIII", "SRP-Q300", "CT-S310II", "CT-E351", "TSP143IV", "mC-Print2", "POS-58", "POS-80"}

func TestIdentifyVirtual(t *testing.T) {
	ctx := context.Background()
	for _, id := range append(newModels, "TM-T88V", "TM-T70", "mC-Print3", "TSP650II") {
		t.Run(id, func(t *testing.T) {
			p, err := printers.Lookup(id)
			require.NoError(t, err)
			res, err := printers.IdentifyAddress(ctx, "virtual://", p, printers.IdentifyOptions{Timeout: 150 * time.Millisecond})
			require.NoError(t, err)
			require.NoError(t, res.Err)
			assert.Equal(t, id, res.Profile.ID, res.Summary())
			assert.Equal(t, printers.MatchExact, res.Match.Kind, res.Summary())
			if p.Language == 0 {
				assert.Equal(t, "escpos", res.Identity.Language)
				assert.Equal(t, "0000000001", res.Identity.Serial)
			} else {
				assert.Equal(t, "star", res.Identity.Language)
				// The ASB version follows the language (issue 23 item 10).
				want := 3
				if p.Language == escpos.LanguageStarPRNT {
					want = 6
				}
				assert.Equal(t, want, res.Identity.ASBVersion)
			}
		})
	}
}

// A printer that answers nothing is reported, with the fallback named.
func TestIdentifyVirtualSilent(t *testing.T) {
	ctx := context.Background()
	p, _ := printers.Lookup("TM-T88VI")
	d, err := virtual.New(virtual.Options{Profile: p})
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	d.Stall(true)
	t.Cleanup(func() { d.Stall(false) })
	a, err := d.ListenTCP(ctx, "127.0.0.1:0")
	require.NoError(t, err)
	res, err := printers.IdentifyAddress(ctx, "tcp://"+a.String(), nil, printers.IdentifyOptions{Timeout: 100 * time.Millisecond})
	require.NoError(t, err)
	assert.ErrorIs(t, res.Err, printers.ErrNoIdentity)
	assert.Equal(t, printers.FallbackProfileID, res.Profile.ID)
	assert.Equal(t, printers.MatchFallback, res.Match.Kind)
	assert.Contains(t, res.Match.Reason, "answered nothing")
}

// A swapped printer: the same model with another serial is not the same unit.
func TestIdentifySwapped(t *testing.T) {
	ctx := context.Background()
	p, _ := printers.Lookup("TM-m30II")
	d, err := virtual.New(virtual.Options{Profile: p})
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	a, err := d.ListenTCP(ctx, "127.0.0.1:0")
	require.NoError(t, err)
	addr, _ := transport.ParseAddress("tcp://" + a.String())
	ask := func() printers.Identity {
		c, err := tcp.Dial(ctx, addr.TCP)
		require.NoError(t, err)
		defer c.Close()
		id, err := printers.Identify(ctx, c, printers.IdentifyOptions{Timeout: 300 * time.Millisecond})
		require.NoError(t, err)
		return id
	}
	first := ask()
	assert.True(t, first.SameUnit(ask()))
	d.SetSerial("X4Z9000042")
	second := ask()
	assert.Equal(t, "X4Z9000042", second.Serial)
	assert.False(t, first.SameUnit(second))
}
