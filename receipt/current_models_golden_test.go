package receipt_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/escpos/paper"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/receipt"
)

// currentModels are the profiles of printers shops buy today (issue 24,
// printers/current_models.json) and the generic fallback.
var currentModels = []string{"TM-T88VI", "TM-T88VII", "TM-m30II", "TM-m30II-H", "TM-m50", "TM-T20IV", "TM-L100",
	"SRP-350plusIII", "SRP-Q300", "CT-S310II", "CT-E351", "TSP143IV", "mC-Print2", "POS-58", "POS-80", "generic"}

// TestGoldenCurrentModels keeps the documented "pay the missing sum"
// transaction as a whole bakery receipt on each: bytes, disassembly, text
// preview and the virtual printer's PNG (a Star model's through the
// virtual printer's Star emulation).
func TestGoldenCurrentModels(t *testing.T) {
	tx := loadTransaction(t, "pay-missing-sum")
	for _, model := range currentModels {
		t.Run(model, func(t *testing.T) {
			p, err := printers.Lookup(model)
			require.NoError(t, err)
			r := wholeRenderer(t, model, receipt.LogoRaster)
			out, rep, err := r.RenderTransaction(nil, tx)
			require.NoError(t, err)
			for _, w := range rep.Warnings {
				// Without native QR (clones, the fallback) the code is a picture: said.
				assert.Equal(t, receipt.WarnCodeAsImage, w.Kind, "%v", w)
				assert.False(t, p.Features.QRCode)
			}
			text, _, err := r.TextTransaction(nil, tx)
			require.NoError(t, err)
			base := filepath.Join("..", "testdata", "golden", "whole", "pay-missing-sum-"+model)
			checkGolden(t, base+".bin", out)
			checkGolden(t, base+".preview.txt", text)
			var png bytes.Buffer
			if p.Language == escpos.LanguageESCPOS {
				cmds := decode.Decode(out, p)
				for _, c := range cmds {
					require.NoError(t, c.Err, "%s", c.Name)
				}
				checkGolden(t, base+".txt", decode.AppendDisassembly(nil, cmds))
				res := paper.Print(out, p)
				require.Len(t, res.Tickets, 1)
				assert.Empty(t, res.Problems)
				require.NoError(t, res.Tickets[0].PNG(&png))
			} else {
				checkGolden(t, base+".txt", starDisassembly(t, out, p))
				require.NoError(t, virtualTicket(t, p, out).PNG(&png))
			}
			checkGolden(t, base+".png", png.Bytes())
		})
	}
}

// virtualTicket prints out on the virtual printer playing p.
func virtualTicket(t *testing.T, p *escpos.Profile, out []byte) *paper.Ticket {
	t.Helper()
	d, err := virtual.New(virtual.Options{Profile: p})
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	c := d.Conn("golden")
	defer c.Close()
	_, err = c.Write(out)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, d.WaitTickets(ctx, 1))
	tk := d.Tickets()
	require.Len(t, tk, 1)
	require.NotNil(t, tk[0].Paper)
	return tk[0].Paper
}

// TestCurrentModelsQRReadBack: the QR code of each current model's golden
// reads back with zbar (not ours) as the transaction id, native or drawn.
func TestCurrentModelsQRReadBack(t *testing.T) {
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("zbarimg missing: make test-deps installs zbar-tools")
		}
		t.Skip("zbarimg not installed (apt-get install zbar-tools)")
	}
	tx := loadTransaction(t, "pay-missing-sum")
	for _, model := range currentModels {
		path := filepath.Join("..", "testdata", "golden", "whole", "pay-missing-sum-"+model+".png")
		out, err := exec.Command(zbar, "--raw", "-q", "-Sdisable", "-Sqrcode.enable", path).Output()
		require.NoError(t, err, "zbarimg found no QR code in %s", path)
		assert.Equal(t, tx.ID, strings.TrimSpace(string(out)), path)
	}
}
