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

// Bytes other software sends on the TM-T88V's newly covered slots print as
// themselves (receipt-printer-encoder puts € on PC857: ESC t 13, 0xD5) and
// decode without "no table" problems; CP853 still has none.
func TestNewCodePageSlotsPrint(t *testing.T) {
	tests := []struct {
		slot byte
		text string
		want string
	}{
		{13, "\xd5 \x98\x9e", "€ İŞ"},
		{14, "\x80\x81\x82", "ΑΒΓ"},
		{32, "\x98", "ء"},
		{33, "\x80", "Ć"},
		{35, "\x8b\x8d", "ÐÞ"},
		{37, "\xb1\xb2\xb3", "١٢٣"},
		{38, "\xa4", "Α"},
		{53, "\x88", "€"},
	}
	for _, tt := range tests {
		in := "\x1b@\x1bt" + string(rune(tt.slot)) + tt.text + "\n"
		code, out, stderr := runCLI(t, in, "preview", "-raw", "-printer-model", "TM-T88V")
		assert.Equal(t, exitOK, code, stderr)
		assert.Empty(t, stderr, "slot %d", tt.slot)
		assert.Equal(t, tt.want+"\n", out, "slot %d", tt.slot)
		code, _, stderr = runCLI(t, in, "decode", "-strict", "-printer-model", "TM-T88V")
		assert.Equal(t, exitOK, code, "slot %d: %s", tt.slot, stderr)
	}
	code, _, stderr := runCLI(t, "\x1bt\x0c\xc0\n", "decode", "-strict", "-printer-model", "TM-T88V")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "1 of")
}
