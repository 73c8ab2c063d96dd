package pullprinter

import (
	"flag"
	"strings"
	"testing"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/pull/cloudprnt"
	"github.com/secuprint/receipt/printers/pull/sdp"
	"github.com/secuprint/receipt/printers/virtual"
)

var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")

// The status a pulling virtual printer reports reads back, through the
// servers' parsers, as the faults set on it.
func TestStatusReadsBack(t *testing.T) {
	tests := []struct {
		name   string
		faults []virtual.Fault
		online bool
		code   cloudprnt.Code
		want   printers.Status
	}{
		{"ready", nil, true, 200, printers.Status{Online: true}},
		{"paper end", []virtual.Fault{virtual.PaperEnd}, false, 410, printers.Status{PaperEnd: true}},
		{"near end", []virtual.Fault{virtual.PaperNearEnd}, true, 210, printers.Status{Online: true, PaperNearEnd: true}},
		{"cover open", []virtual.Fault{virtual.CoverOpen}, false, 420, printers.Status{CoverOpen: true}},
		{"autocutter", []virtual.Fault{virtual.AutocutterError}, false, 400, printers.Status{AutocutterError: true, Error: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := virtual.State{Faults: tt.faults, Online: tt.online}
			asb, code := status(st)
			p, err := cloudprnt.ParsePoll([]byte(`{"status":"` + asb + `","statusCode":"` + code + `"}`))
			if err != nil {
				t.Fatal(err)
			}
			if p.Code != tt.code {
				t.Errorf("code %d, want %d", p.Code, tt.code)
			}
			if got := p.Status(); got != tt.want {
				t.Errorf("CloudPRNT status %+v, want %+v", got, tt.want)
			}
			want := tt.want
			want.Error = false // ePOS has no summary bit; the autocutter bit says it
			got := sdp.StatusOf(eposBits(st))
			got.Error = false
			if got != want {
				t.Errorf("SDP status %+v, want %+v", got, want)
			}
			if !strings.Contains(asb, " ") {
				t.Errorf("ASB %q: Star's clients space the bytes", asb)
			}
		})
	}
}
