package printers_test

import "github.com/secuprint/receipt/printers/virtual"

// The tests open virtual:// printers, as the binaries do.
func init() { virtual.Register() }
