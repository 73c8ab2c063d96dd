package virtual_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

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
