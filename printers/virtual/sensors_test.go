package virtual_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos/star"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/virtual"
)

// Issue 23 item 11: one model of the paper sensors behind every status
// path. At paper end the roll's near-end sensor sees no paper either, so
// DLE EOT 4, GS r 1, the ASB paper byte and DLE DC4 7 1 all report both;
// and a host that connects to a printer already at paper end hears it.
func TestPaperEndOneSensorModel(t *testing.T) {
	d := newDevice(t, virtual.Options{})
	d.SetFault(virtual.PaperEnd, true)
	c := connect(t, d, "tcp")
	assert.Equal(t, []byte{0x1A}, ask(t, c, dleEOT(1), 1), "DLE EOT 1: offline")
	assert.Equal(t, []byte{0x32}, ask(t, c, dleEOT(2), 1), "DLE EOT 2: stopped by paper end")
	assert.Equal(t, []byte{0x7E}, ask(t, c, dleEOT(4), 1), "DLE EOT 4: near end and end")
	assert.Equal(t, []byte{0x18, 0x00, 0x0F, 0x00}, ask(t, c, []byte{0x10, 0x14, 7, 1}, 4), "DLE DC4 7 1: the ASB status now")
}

// Issue 23 item 10: after ESC RS a enabled it, a Star printer pushes its
// ASB when the status changes (paper end here; near end implied), and
// stops after ESC RS a 0.
func TestStarASBPushedOnChange(t *testing.T) {
	p, err := printers.Lookup("mC-Print3")
	require.NoError(t, err)
	d := newDevice(t, virtual.Options{Profile: p})
	c := connect(t, d, "tcp")
	clean := ask(t, c, []byte{0x1B, 0x06, 0x01}, 9)
	// The answer to the ESC ACK SOH behind it says ESC RS a was read.
	assert.Equal(t, clean, ask(t, c, []byte{0x1B, 0x1E, 'a', 1, 0x1B, 0x06, 0x01}, 9))
	d.SetFault(virtual.PaperEnd, true)
	got := recv(t, c, 9)
	asb, n, err := star.DecodeASB(got)
	require.NoError(t, err)
	assert.Equal(t, 9, n)
	assert.True(t, asb.PaperEnd)
	assert.True(t, asb.PaperNearEnd)
	assert.NotEqual(t, clean, got)

	ask(t, c, []byte{0x1B, 0x1E, 'a', 0, 0x1B, 0x06, 0x01}, 9)
	d.SetFault(virtual.PaperEnd, false)
	// Nothing is pushed now: the next bytes are the answer to ESC ACK SOH.
	assert.Equal(t, clean, ask(t, c, []byte{0x1B, 0x06, 0x01}, 9))
}

// Issue 23 item 10: the ASB version byte follows the model's language:
// StarPRNT (mC-Print3, TSP100IV) 6, Star Line (TSP650II) and Star Graphic
// (TSP100III) 3.
func TestStarASBVersionPerModel(t *testing.T) {
	for id, want := range map[string]int{"mC-Print3": 6, "TSP100IV": 6, "TSP650II": 3, "TSP100III": 3} {
		p, err := printers.Lookup(id)
		require.NoError(t, err)
		d := newDevice(t, virtual.Options{Profile: p})
		c := connect(t, d, "tcp")
		asb, _, err := star.DecodeASB(ask(t, c, []byte{0x1B, 0x06, 0x01}, 9))
		require.NoError(t, err)
		assert.Equal(t, want, asb.Version, id)
	}
}

// Issue 23 item 10: Star's ENQ and EOT are answered at once with one status
// byte each (Star Command Specifications, appendix 5-1-1 and 5-1-2).
func TestStarENQEOT(t *testing.T) {
	p, err := printers.Lookup("TSP650II")
	require.NoError(t, err)
	d := newDevice(t, virtual.Options{Profile: p})
	c := connect(t, d, "tcp")
	assert.Equal(t, []byte{0x00}, ask(t, c, []byte{0x05}, 1), "ENQ: all well")
	assert.Equal(t, []byte{0x10}, ask(t, c, []byte{0x04}, 1), "EOT: paper present")
	d.SetFault(virtual.PaperNearEnd, true)
	assert.Equal(t, []byte{0x14}, ask(t, c, []byte{0x04}, 1), "EOT: near end")
	d.SetFault(virtual.PaperEnd, true)
	assert.Equal(t, []byte{0x1C}, ask(t, c, []byte{0x04}, 1), "EOT: end and near end")
	assert.Equal(t, []byte{0x08}, ask(t, c, []byte{0x05}, 1), "ENQ: paper end")
}
