package main

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers"
)

// noTable are the encodings profiles name that no table is known for: a
// slot naming one prints U+FFFD, reported once as "no table". A table
// added for one of them, or a profile naming a new one, shows here.
var noTable = []string{
	"CP1001", "CP1098", "CP2001", "CP3001", "CP3002", "CP3021", "CP3041",
	"CP3840", "CP3841", "CP3843", "CP3844", "CP3845", "CP3846", "CP3847", "CP3848",
	"CP747", "CP851", "CP853", "CP871", "CP928", "CP932", "Unknown",
}

func TestEveryProfileSlotHasATableOrIsKnownMissing(t *testing.T) {
	missing := map[string]bool{}
	for _, p := range printers.Models() {
		for _, s := range p.CodePages {
			if _, ok := escpos.LookupCodePage(s.Encoding); !ok {
				missing[s.Encoding] = true
			}
		}
	}
	var got []string
	for name := range missing {
		got = append(got, name)
	}
	sort.Strings(got)
	assert.Equal(t, noTable, got)
}
