//go:build !linux && !windows

package serial

// driverSupports leaves the checks to tarm/serial.
func driverSupports(line) error { return nil }

// openErrorOS has nothing to add here.
func openErrorOS(error) error { return nil }
