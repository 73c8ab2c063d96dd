package main

import "github.com/secuprint/receipt/printers/virtual"

// The binary's wiring: printers.Open opens virtual:// addresses with the
// built-in virtual printer, which the printers package does not import.
func init() { virtual.Register() }
