package station

import (
	"context"
	"testing"

	"github.com/secuprint/receipt/printers"
)

// BenchmarkStoredLogoSend is one receipt with a stored logo the printer
// holds, sent through the station's link to a virtual printer on
// loopback (a link per job, as tcp:// is by default): with the NV key
// list read before it (verify) and with the record alone (book), to
// measure what the check costs.
func BenchmarkStoredLogoSend(b *testing.B) {
	for _, verify := range []bool{true, false} {
		name := "book"
		if verify {
			name = "verify"
		}
		b.Run(name, func(b *testing.B) {
			r := newLogoRig(b, "TM-T88V")
			st := r.station(b, bakery, 0)
			job, err := st.render(transaction(b, "pay-missing-sum"), false)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			p, err := st.Printer(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if res := p.Print(ctx, job.Bytes); res.Outcome != printers.OutcomePrinted {
				b.Fatal(res.String())
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				st.logos.mu.Lock()
				st.logos.noList = !verify
				st.logos.mu.Unlock()
				if res := p.Print(ctx, job.Bytes); res.Outcome != printers.OutcomePrinted {
					b.Fatal(res.String())
				}
			}
		})
	}
}
