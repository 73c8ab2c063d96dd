package fleet

import (
	"fmt"
	"testing"
)

// A hub forgets the record of a reprint's copy only when the command
// certainly made no copy: never delivered, or refused before copying.
// A site fault may come after the copy was made, and a command with no
// answer may have made it: the record stays and follows the copy.
func TestNoCopyMade(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{ErrSiteOffline, true},
		{errOfCode("not_at_site", "gone"), true},
		{errOfCode("printer_gone", "gone"), true},
		{errOfCode("bad_idempotency_key", "bad"), true},
		{errOfCode("some_new_code", "what"), false}, // read as a site fault
		{errOfCode("site_fault", "disk full"), false},
		{ErrSiteUnreachable, false},
		{fmt.Errorf("wrapped: %w", ErrSiteOffline), true},
	} {
		if got := noCopyMade(tc.err); got != tc.want {
			t.Errorf("noCopyMade(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
