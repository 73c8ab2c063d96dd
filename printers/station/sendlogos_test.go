package station

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers"
)

// silentLister is a printer that prints everything and does not answer
// the NV key list (a clone): it counts the requests and what it got.
type silentLister struct {
	mu    sync.Mutex
	asked int
	jobs  [][]byte
}

func (p *silentLister) Name() string { return "clone" }
func (p *silentLister) Print(_ context.Context, job []byte) printers.Result {
	p.mu.Lock()
	p.jobs = append(p.jobs, append([]byte(nil), job...))
	p.mu.Unlock()
	return printers.Result{Outcome: printers.OutcomePrinted, Sent: len(job)}
}
func (p *silentLister) Status(context.Context) (printers.Status, error) {
	return printers.Status{Online: true}, nil
}
func (p *silentLister) Close() error { return nil }
func (p *silentLister) NVGraphicsKeys(context.Context) ([]escpos.LogoKey, error) {
	p.mu.Lock()
	p.asked++
	p.mu.Unlock()
	return nil, errors.New("timeout")
}

// A printer that does not answer the key list is asked once, not before
// every job, until its link is seen reconnecting; the record stands
// meanwhile (one define in all).
func TestStoredLogoPrinterWithoutKeyList(t *testing.T) {
	fake := &silentLister{}
	open := func(context.Context, Config) (printers.Printer, error) { return fake, nil }
	st := newStation(t, Config{Name: "front", Model: "TM-T88V", Template: bakery, Logo: "stored"}, Options{Open: open})
	job, err := st.render(transaction(t, "pay-missing-sum"), false)
	require.NoError(t, err)
	ctx := context.Background()
	p, err := st.Printer(ctx)
	require.NoError(t, err)
	for i := 0; i < 3; i++ {
		require.Equal(t, printers.OutcomePrinted, p.Print(ctx, job.Bytes).Outcome)
	}
	assert.Equal(t, 1, fake.asked, "asked once")
	assert.Len(t, fake.jobs, 4, "one define, three receipts")
	ls := st.Logos()
	assert.Equal(t, []string{"LG"}, ls.Held)
	assert.Contains(t, ls.Problem, "did not list its stored logos")

	st.reconnected()
	require.Equal(t, printers.OutcomePrinted, p.Print(ctx, job.Bytes).Outcome)
	assert.Equal(t, 2, fake.asked, "asked again after a reconnect")
	assert.Len(t, fake.jobs, 5, "the record stands: no define")
}
