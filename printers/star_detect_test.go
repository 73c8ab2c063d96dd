package printers_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/transport"
	"github.com/secuprint/receipt/transport/tcp"
)

func TestDetectStar(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		model string
		star  bool
	}{{"mC-Print3", true}, {"TSP650II", true}, {"TSP100III", true}, {"TM-T88V", false}, {"TSP600", false}} {
		p, err := printers.Lookup(tc.model)
		require.NoError(t, err)
		d, err := virtual.New(virtual.Options{Profile: p})
		require.NoError(t, err)
		a, err := d.ListenTCP(ctx, "127.0.0.1:0")
		require.NoError(t, err)
		addr, err := transport.ParseAddress("tcp://" + a.String())
		require.NoError(t, err)
		c, err := tcp.Dial(ctx, addr.TCP)
		require.NoError(t, err)
		got, err := printers.DetectStar(ctx, c, 300*time.Millisecond)
		require.NoError(t, err, tc.model)
		assert.Equal(t, tc.star, got, tc.model)
		c.Close()
		d.Close()
	}
}

// A printer that answers nothing is neither.
func TestDetectStarNoAnswer(t *testing.T) {
	ctx := context.Background()
	p, _ := printers.Lookup("TM-T88V")
	d, err := virtual.New(virtual.Options{Profile: p})
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	d.Stall(true)
	t.Cleanup(func() { d.Stall(false) })
	a, err := d.ListenTCP(ctx, "127.0.0.1:0")
	require.NoError(t, err)
	addr, _ := transport.ParseAddress("tcp://" + a.String())
	c, err := tcp.Dial(ctx, addr.TCP)
	require.NoError(t, err)
	defer c.Close()
	_, err = printers.DetectStar(ctx, c, 100*time.Millisecond)
	assert.Error(t, err)
}
