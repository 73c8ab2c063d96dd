package server

import (
	"fmt"
	"strings"
)

// checkTokens refuses tokens no client can present: an empty one (from
// "a,," or a blank line in a file) would count as configured although it
// matches nothing, and one with spaces around it ("a, b") would never match
// a header's token. receiptd trims what it reads first (its trimTokens).
func checkTokens(tokens []string) error {
	for i, t := range tokens {
		switch {
		case t == "":
			return fmt.Errorf("server: token %d of %d is empty", i+1, len(tokens))
		case strings.TrimSpace(t) != t:
			return fmt.Errorf("server: token %d of %d has spaces around it", i+1, len(tokens))
		}
	}
	return nil
}
