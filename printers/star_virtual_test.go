package printers_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/star"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/receipt"
)

// readASB reads one Star ASB from c.
func readASB(t *testing.T, c net.Conn) star.ASB {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(3*time.Second)))
	var buf []byte
	one := make([]byte, 16)
	for {
		n, err := c.Read(one)
		require.NoError(t, err)
		buf = append(buf, one[:n]...)
		s, _, err := star.DecodeASB(buf)
		if err == star.ErrShortASB {
			continue
		}
		require.NoError(t, err)
		return s
	}
}

func starJob(t *testing.T, p *escpos.Profile) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "secuconnect", "pay-missing-sum.json"))
	require.NoError(t, err)
	tx, err := receipt.ParseTransaction(data)
	require.NoError(t, err)
	r, err := receipt.NewRenderer(receipt.Options{Profile: p, EndCut: escpos.CutPartial})
	require.NoError(t, err)
	job, _, err := r.RenderTransaction(nil, tx) // in the printer's language
	require.NoError(t, err)
	return job
}

// The virtual printer with a Star profile speaks Star over TCP: ESC ACK SOH
// is answered with an ASB at once, ETB with an ASB whose counter went up
// once the receipt before it printed, and faults show in the ASB and hold
// the print, as on the printer.
func TestStarVirtualPrinterTCP(t *testing.T) {
	for _, id := range []string{"mC-Print3", "TSP650II", "TSP100III"} {
		t.Run(id, func(t *testing.T) {
			p, err := printers.Lookup(id)
			require.NoError(t, err)
			d, err := virtual.New(virtual.Options{Profile: p})
			require.NoError(t, err)
			t.Cleanup(func() { d.Close() })
			addr, err := d.ListenTCP(context.Background(), "127.0.0.1:0")
			require.NoError(t, err)
			c, err := net.Dial("tcp", addr.String())
			require.NoError(t, err)
			defer c.Close()

			_, err = c.Write(star.StatusRequest)
			require.NoError(t, err)
			before := readASB(t, c)
			assert.True(t, printers.Status(before.Status).Ready(), "%v", before.Status)

			_, err = c.Write(append(starJob(t, p), star.ETB))
			require.NoError(t, err)
			after := readASB(t, c)
			assert.True(t, after.ETBExecuted)
			assert.True(t, star.Printed(before, after), "ETB %d -> %d", before.ETBCounter, after.ETBCounter)
			require.Len(t, d.Tickets(), 1)
			tk := d.Tickets()[0]
			assert.True(t, tk.Cut)
			if p.Language != escpos.LanguageStarGraphic {
				assert.Contains(t, strings.Join(tk.Paper.Lines(), "\n"), "Aktuelles Guthaben")
			}

			for _, f := range []struct {
				fault  virtual.Fault
				reason printers.Reason
			}{{virtual.CoverOpen, printers.ReasonCoverOpen}, {virtual.PaperEnd, printers.ReasonPaperEnd}, {virtual.Offline, printers.ReasonOffline}} {
				d.SetFault(f.fault, true)
				_, err = c.Write(star.StatusRequest)
				require.NoError(t, err)
				s := readASB(t, c)
				assert.Equal(t, f.reason, printers.Status(s.Status).Reason(), "%v", f.fault)
				d.SetFault(f.fault, false)
			}
			d.SetFault(virtual.PaperNearEnd, true)
			_, err = c.Write(star.StatusRequest)
			require.NoError(t, err)
			s := readASB(t, c)
			assert.True(t, s.PaperNearEnd)
			assert.True(t, printers.Status(s.Status).Ready(), "near end still prints")
		})
	}
}

// Over a pty, as over a serial line: a held print (cover open) answers its
// ETB only once the cover closes.
func TestStarVirtualPrinterPTYHeld(t *testing.T) {
	p, err := printers.Lookup("mC-Print3")
	require.NoError(t, err)
	d, err := virtual.New(virtual.Options{Profile: p})
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	path, err := d.OpenPTY()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	defer f.Close()
	d.SetFault(virtual.CoverOpen, true)
	_, err = f.Write(append(starJob(t, p), star.ETB))
	require.NoError(t, err)
	time.Sleep(100 * time.Millisecond) // let the device take the bytes
	assert.Empty(t, d.Tickets(), "nothing prints with the cover open")
	d.SetFault(virtual.CoverOpen, false)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	require.NoError(t, d.WaitTickets(ctx, 1))
	buf := make([]byte, 64)
	var got []byte
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		n, _ := f.Read(buf)
		got = append(got, buf[:n]...)
		if s, _, err := star.DecodeASB(got); err == nil {
			assert.True(t, s.ETBExecuted)
			assert.Equal(t, 1, s.ETBCounter)
			return
		}
	}
	t.Fatalf("no ASB after the ETB: % X", got)
}
