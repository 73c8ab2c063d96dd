//go:build unix

package main

import (
	"os/signal"
	"syscall"
)

// ignoreTTIN keeps a background read of the terminal from stopping the
// whole process (SIGTTIN): the read fails instead.
func ignoreTTIN() { signal.Ignore(syscall.SIGTTIN) }
