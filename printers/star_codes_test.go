package printers_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/star"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/virtual/paper"
)

// zbarScan reads the codes on a ticket's PNG with zbarimg, a decoder this
// project did not write.
func zbarScan(t *testing.T, tk *paper.Ticket) []string {
	t.Helper()
	bin, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg not installed (Debian zbar-tools; make test-deps)")
	}
	var png bytes.Buffer
	require.NoError(t, tk.PNG(&png))
	path := filepath.Join(t.TempDir(), "ticket.png")
	require.NoError(t, os.WriteFile(path, png.Bytes(), 0o644))
	out, _ := exec.Command(bin, "-q", path).Output() // exit 4: nothing found
	if len(out) == 0 {
		return nil
	}
	return strings.Split(strings.TrimRight(string(out), "\n"), "\n")
}

// starTicket prints a Star stream on the virtual printer's paper for id.
func starTicket(t *testing.T, id string, stream []byte) *paper.Ticket {
	t.Helper()
	p, err := printers.Lookup(id)
	require.NoError(t, err)
	res := paper.Print(star.ToESCPOS(star.Decode(stream, p)), printers.ESCPOSTwin(p))
	require.NotEmpty(t, res.Tickets)
	return res.Tickets[0]
}

// Issue 23 items 2 and 8: a CODE128 with "%" and "{" sent by the Star
// encoder scans, off the virtual printer's paper, as the data.
func TestStarCode128PercentScans(t *testing.T) {
	for _, id := range []string{"mC-Print3", "TSP650II"} {
		for _, data := range []string{"50%OFF{x}", "100%", "A{B}%0"} {
			t.Run(id+"/"+data, func(t *testing.T) {
				b := []byte{0x1B, '@', 0x1B, 'a', 3}
				b, err := star.AppendBarcode(b, escpos.Barcode{Symbology: escpos.Code128, Data: data, Module: 2, Height: 80})
				require.NoError(t, err)
				b = append(b, 0x1B, 'a', 3, 'x', '\n')
				assert.Equal(t, []string{"CODE-128:" + data}, zbarScan(t, starTicket(t, id, b)))
			})
		}
	}
}
