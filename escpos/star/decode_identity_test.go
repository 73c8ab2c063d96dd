package star

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The status and identity requests a host sends a Star: ESC ACK SOH and
// ESC # * LF NUL (STAR Line Mode Command Specifications, "Inquire printer
// version"); other ESC # forms are unknown.
func TestDecodeIdentityRequests(t *testing.T) {
	tests := []struct {
		in    []byte
		names []string
		bad   bool
	}{
		{[]byte{0x1B, '#', '*', 0x0A, 0x00}, []string{"ESC # *"}, false},
		{[]byte{0x1B, 0x06, 0x01, 0x1B, '#', '*', 0x0A, 0x00}, []string{"ESC ACK SOH", "ESC # *"}, false},
		{[]byte{0x1B, '#', '*', 0x0A}, []string{"ESC #"}, true}, // cut off
		{[]byte{0x1B, '#', '@', 0x0A, 0x00}, []string{"ESC #", "TEXT", "LF", "NUL"}, true},
	}
	for _, tc := range tests {
		cmds := Decode(tc.in, nil)
		assert.Equal(t, tc.names, names(cmds), "% X", tc.in)
		hasErr := false
		for _, c := range cmds {
			hasErr = hasErr || c.Err != nil
		}
		assert.Equal(t, tc.bad, hasErr, "% X", tc.in)
	}
}
