package serial

import (
	"slices"
	"strings"
)

// naturalCompare orders names by their text and then by their trailing
// number, so ttyS2 comes before ttyS10 and COM9 before COM10.
func naturalCompare(a, b string) int {
	pa, na := splitNumber(a)
	pb, nb := splitNumber(b)
	if c := strings.Compare(pa, pb); c != 0 {
		return c
	}
	ta, tb := strings.TrimLeft(na, "0"), strings.TrimLeft(nb, "0")
	if len(ta) != len(tb) {
		return len(ta) - len(tb) // fewer digits: smaller number
	}
	if c := strings.Compare(ta, tb); c != 0 {
		return c
	}
	return strings.Compare(na, nb)
}

// splitNumber splits s into its text and its trailing digits.
func splitNumber(s string) (string, string) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	return s[:i], s[i:]
}

func sortNatural(s []string) { slices.SortFunc(s, naturalCompare) }
