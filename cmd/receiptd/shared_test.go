package main

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/virtual"
)

// spoolRetriesBusy: the spool's worker retries a job that failed with
// printers.ReasonBusy and nothing sent. TODO(merge spool): set true.
const spoolRetriesBusy = true

// TestTwoServicesShareANetworkPrinter: two receiptd, as two tills, print
// to one network printer that serves one connection at a time. Each holds
// the link only for its job, so both get through: every job prints once.
func TestTwoServicesShareANetworkPrinter(t *testing.T) {
	for _, mode := range []virtual.TCPMode{virtual.TCPQueue, virtual.TCPRefuse} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			if mode == virtual.TCPRefuse && !spoolRetriesBusy {
				t.Skip("a refused job is ReasonBusy with nothing sent: needs the spool to retry it (branch spool)")
			}
			prof, err := printers.Lookup("TM-T88V")
			require.NoError(t, err)
			dev, err := virtual.New(virtual.Options{Profile: prof})
			require.NoError(t, err)
			t.Cleanup(func() { dev.Close() })
			a, err := dev.ListenTCPMode(context.Background(), "127.0.0.1:0", mode)
			require.NoError(t, err)
			printer := "front=tcp://" + a.String() + ",model=TM-T88V"
			tills := []*daemon{
				start(t, "-data-dir", t.TempDir(), "-printer", printer),
				start(t, "-data-dir", t.TempDir(), "-printer", printer),
			}
			const jobs = 12
			var wg sync.WaitGroup
			for ti, d := range tills {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range jobs {
						tx := fmt.Sprintf(`{"id":"T%d-%d","receipt":[{"type":"textline","value":{"text":"till %d job %d"}}]}`, ti, i, ti, i)
						status, _, err := post(d.url+"/v1/printers/front/jobs", tx, "")
						assert.NoError(t, err)
						assert.Equal(t, 202, status)
					}
				}()
			}
			wg.Wait()
			for ti, d := range tills {
				for i := range jobs {
					j := getJob(t, d.url+"/v1/jobs/j"+strconv.Itoa(1000000000001+i)+"?wait=60s")
					assert.Equal(t, "printed", j.State, "till %d job %d: %s\n%s", ti, i, j.Reason, d.logs)
				}
			}
			seen := map[string]int{}
			for _, tk := range dev.Tickets() {
				for ti := range tills {
					for i := range jobs {
						if bytes.Contains(tk.Raw, fmt.Appendf(nil, "till %d job %d\n", ti, i)) {
							seen[fmt.Sprint(ti, "/", i)]++
						}
					}
				}
			}
			assert.Len(t, dev.Tickets(), 2*jobs)
			for ti := range tills {
				for i := range jobs {
					assert.Equal(t, 1, seen[fmt.Sprint(ti, "/", i)], "till %d job %d prints once", ti, i)
				}
			}
		})
	}
}
