//go:build !linux

package main

import (
	"io"
	"os"
)

// isTerminal reports whether w is a character device other than
// /dev/null: a terminal, most likely.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(st, null)
}
