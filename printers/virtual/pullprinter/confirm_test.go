package pullprinter

import (
	"context"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/pull/cloudprnt"
	"github.com/secuprint/receipt/printers/virtual"
)

// longJob is a ticket of many lines, so that rendering it and writing its
// PNG take a while after the last byte left the buffer: the window in
// which a confirmation could overtake the ticket's files.
func longJob(cut []byte) []byte {
	b := []byte("\x1b@")
	for i := range 300 {
		b = append(b, "line "...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, " of a long pulled ticket\n"...)
	}
	return append(b, cut...)
}

// ticketOnDisk says what of ticket 1 a reader finds now.
func ticketOnDisk(dev *virtual.Device) (counted int, missing []string) {
	for _, ext := range []string{".bin", ".txt", ".png"} {
		if _, err := os.Stat(dev.File(1, ext)); err != nil {
			missing = append(missing, ext)
		}
	}
	return len(dev.Tickets()), missing
}

// A pulled job is confirmed to the server only once its ticket is counted
// and its files are written: a server (or a test) that reads the tickets
// when the confirmation arrives finds them. It used to be confirmed as
// the buffer drained, while the ticket was still being rendered.
func TestConfirmedOnceTheTicketIsWritten(t *testing.T) {
	tests := []struct {
		name  string
		model string
		sdp   bool
		job   []byte
	}{
		{"cloudprnt", "mC-Print3", false, longJob([]byte("\x1bd\x03"))},
		{"sdp", "TM-T88V", true, longJob([]byte("\x1dV\x42\x00"))},
		// No cut: the ticket is torn off when the job's link hangs up.
		{"sdp uncut", "TM-T88V", true, longJob(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prof, err := printers.Lookup(tt.model)
			if err != nil {
				t.Fatal(err)
			}
			dev, err := virtual.New(virtual.Options{Profile: prof, OutDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			defer dev.Close()

			type seen struct {
				counted int
				missing []string
			}
			confirmed := make(chan seen, 1)
			var served atomic.Bool // one job, on the first poll
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if err := r.ParseForm(); err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				switch {
				case r.Method == http.MethodDelete, r.Form.Get("ConnectionType") == "SetResponse":
					n, miss := ticketOnDisk(dev)
					select {
					case confirmed <- seen{n, miss}:
					default:
					}
				case r.Method == http.MethodGet:
					w.Write(tt.job)
				case r.Form.Get("ConnectionType") == "GetRequest" && served.CompareAndSwap(false, true):
					w.Write([]byte(`<?xml version="1.0" encoding="utf-8"?><PrintRequestInfo Version="2.00"><ePOSPrint>` +
						`<Parameter><devid>local_printer</devid><printjobid>j1</printjobid></Parameter><PrintData>` +
						`<epos-print xmlns="http://www.epson-pos.com/schemas/2011/03/epos-print"><command>` +
						hex.EncodeToString(tt.job) + `</command></epos-print></PrintData></ePOSPrint></PrintRequestInfo>`))
				case r.Method == http.MethodPost && !tt.sdp:
					a := cloudprnt.Answer{}
					if served.CompareAndSwap(false, true) {
						a = cloudprnt.Answer{JobReady: true, MediaTypes: []cloudprnt.MediaType{cloudprnt.MediaStarPRNT}, JobToken: "t1"}
					}
					w.Write(a.Marshal())
				}
			}))
			defer srv.Close()

			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			opt := Options{Device: dev, Profile: prof, URL: srv.URL, MAC: "00:11:62:00:00:01", ID: "shop-1",
				Interval: 10 * time.Millisecond, PrintTimeout: 20 * time.Second}
			go func() {
				defer close(done)
				if tt.sdp {
					_ = RunSDP(ctx, opt)
				} else {
					_ = RunCloudPRNT(ctx, opt)
				}
			}()
			defer func() { cancel(); <-done }()

			select {
			case s := <-confirmed:
				if s.counted != 1 || len(s.missing) > 0 {
					t.Errorf("at the confirmation: %d tickets counted, files missing %q; want 1 and none", s.counted, s.missing)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("no confirmation")
			}
			tk := dev.Tickets()
			if len(tk) != 1 || tk[0].Paper == nil || !strings.Contains(tk[0].Paper.Text(), "line 299 of a long pulled ticket") {
				t.Errorf("%d tickets, want the job's one", len(tk))
			}
		})
	}
}
