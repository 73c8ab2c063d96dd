package station

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGateBoundsWaiters(t *testing.T) {
	g := NewGate(1)
	require.NoError(t, g.Enter(context.Background()), "the one slot")
	// Waiters are bounded too: past them the answer comes at once.
	g.waiting.Store(g.maxWait)
	start := time.Now()
	assert.ErrorIs(t, g.Enter(context.Background()), ErrBusy)
	assert.Less(t, time.Since(start), gateWait/2)
	g.waiting.Store(0)
	// A waiter whose caller gives up is turned away too.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, g.Enter(ctx), ErrBusy)
	assert.Equal(t, int64(2), g.Rejected())
	assert.Equal(t, 1, g.Running())
	g.Leave()
	require.NoError(t, g.Enter(context.Background()))
	g.Leave()
	assert.Equal(t, 0, g.Running())
}
