//go:build !linux

package file

// makeRawIfTTY is a no-op where terminal modes are not set this way.
func makeRawIfTTY(uintptr) error { return nil }
