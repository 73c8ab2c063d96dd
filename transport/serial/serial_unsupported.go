//go:build !linux && !windows && !darwin && !freebsd && !openbsd && !netbsd

package serial

import (
	"errors"
	"fmt"
	"runtime"
)

// openOSPort: no serial driver here yet.
func openOSPort(c portConfig) (port, error) {
	return nil, fmt.Errorf("serial ports are not supported on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}

func driverRefused(error) bool { return false }

func driverSupports(line) error { return nil }

func openErrorOS(error) error { return nil }
