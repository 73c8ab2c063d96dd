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

func starPrinter(t *testing.T, id string, opt printers.ConnOptions) (*virtual.Device, *printers.StarPrinter) {
	t.Helper()
	p, err := printers.Lookup(id)
	require.NoError(t, err)
	d, err := virtual.New(virtual.Options{Profile: p})
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	a, err := d.ListenTCP(context.Background(), "127.0.0.1:0")
	require.NoError(t, err)
	addr, err := transport.ParseAddress("tcp://" + a.String())
	require.NoError(t, err)
	sp := printers.NewStarPrinter(addr.String(), func(ctx context.Context) (transport.Conn, error) { return tcp.Dial(ctx, addr.TCP) }, opt)
	t.Cleanup(func() { sp.Close() })
	return d, sp
}

var starFast = printers.ConnOptions{Timeout: 2 * time.Second, Poll: 50 * time.Millisecond}

// Printed and failed, told truthfully over TCP by Star's ASB, for every
// fault the virtual printer injects.
func TestStarPrinterOutcomes(t *testing.T) {
	ctx := context.Background()
	for _, id := range []string{"mC-Print3", "TSP650II", "TSP100III"} {
		t.Run(id, func(t *testing.T) {
			d, sp := starPrinter(t, id, starFast)
			p, _ := printers.Lookup(id)
			job := starJob(t, p)
			res := sp.Print(ctx, job)
			require.Equal(t, printers.OutcomePrinted, res.Outcome, "%v", res)
			assert.Equal(t, len(job), res.Sent)
			require.Len(t, d.Tickets(), 1)
			res = sp.Print(ctx, job)
			require.Equal(t, printers.OutcomePrinted, res.Outcome, "the counter is cleared per job: %v", res)

			for _, f := range []struct {
				fault  virtual.Fault
				reason printers.Reason
			}{{virtual.CoverOpen, printers.ReasonCoverOpen}, {virtual.PaperEnd, printers.ReasonPaperEnd},
				{virtual.Offline, printers.ReasonOffline}, {virtual.AutocutterError, printers.ReasonPrinterError}} {
				d.SetFault(f.fault, true)
				st, err := sp.Status(ctx)
				require.NoError(t, err)
				assert.Equal(t, f.reason, st.Reason(), "%v", f.fault)
				res := sp.Print(ctx, job)
				assert.Equal(t, printers.OutcomeFailed, res.Outcome, "%v", f.fault)
				assert.Equal(t, f.reason, res.Reason, "%v", f.fault)
				assert.Zero(t, res.Sent, "a precheck failure sends nothing")
				d.SetFault(f.fault, false)
			}
			assert.Len(t, d.Tickets(), 2)
		})
	}
}

// A fault that comes while the job waits in the printer ends the wait as
// failed with its reason (the poll's ESC ACK SOH tells it).
func TestStarPrinterFaultDuringJob(t *testing.T) {
	ctx := context.Background()
	opt := starFast
	opt.NoPrecheck = true
	d, sp := starPrinter(t, "mC-Print3", opt)
	p, _ := printers.Lookup("mC-Print3")
	d.SetFault(virtual.CoverOpen, true) // the job waits in the buffer
	res := sp.Print(ctx, starJob(t, p))
	assert.Equal(t, printers.OutcomeFailed, res.Outcome, "%v", res)
	assert.Equal(t, printers.ReasonCoverOpen, res.Reason)
	assert.NotZero(t, res.Sent)
}

// A printer that never answers (a stalled one) leaves the job unknown, never
// printed.
func TestStarPrinterNoAnswer(t *testing.T) {
	opt := starFast
	opt.NoPrecheck = true
	opt.Timeout = 300 * time.Millisecond
	d, sp := starPrinter(t, "mC-Print3", opt)
	p, _ := printers.Lookup("mC-Print3")
	d.Stall(true)
	t.Cleanup(func() { d.Stall(false) })
	res := sp.Print(context.Background(), starJob(t, p))
	assert.Equal(t, printers.OutcomeUnknown, res.Outcome, "%v", res)
	_, err := sp.Status(context.Background())
	assert.Error(t, err)
}
