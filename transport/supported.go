package transport

import (
	"fmt"
	"runtime"
)

// ErrNoUSB is what a build without USB support says about usb:// addresses.
// USB goes through libusb, which needs cgo: `make build` links it when a C
// compiler and libusb-1.0 are installed, `make build-static` never does.
// It matches ErrUnsupported.
var ErrNoUSB error = &sentinel{msg: "built without USB: rebuild with make build (cgo + libusb-1.0: apt-get install gcc libusb-1.0-0-dev pkg-config), " +
	"or go build -tags usb with CGO_ENABLED=1; or print through the kernel's usblp driver with file:///dev/usb/lp0", parent: ErrUnsupported}

// USBBuilt reports whether this binary can open usb:// addresses (it was
// built with cgo and the usb tag).
func USBBuilt() bool { return usbBuilt }

// serialSystems are where transport/serial has a driver.
var serialSystems = map[string]bool{"linux": true, "windows": true, "darwin": true, "freebsd": true, "openbsd": true, "netbsd": true}

// Supported reports whether this build can open address: nil when it can,
// else an error saying why and what to do, for a program to refuse at start
// a configured printer it could never reach (rather than retrying it for
// ever). It opens nothing; a parse error wraps ErrInvalidAddress, a scheme
// this build lacks wraps ErrUnsupported (ErrNoUSB for usb://, ErrPulled for
// cloudprnt:// and sdp://, which no transport opens).
func Supported(address string) error {
	a, err := ParseAddress(address)
	if err != nil {
		return err
	}
	switch a.Kind {
	case KindCloudPRNT, KindSDP:
		// Nothing to open: a service that serves pulled printers checks
		// Kind.Pulled first and takes them to its /cloudprnt or /sdp
		// endpoint; any other caller must not start a worker for them.
		return fmt.Errorf("%s: %w", a, ErrPulled)
	case KindUSB:
		if !usbBuilt {
			return fmt.Errorf("%s: %w", a, ErrNoUSB)
		}
	case KindSerial:
		if !serialSystems[runtime.GOOS] {
			return fmt.Errorf("%s: %w: no serial port driver for %s", a, ErrUnsupported, runtime.GOOS)
		}
		// POSIX termios has no flag for these; Windows' comm API has.
		if runtime.GOOS != "windows" {
			if p := a.Serial.Parity; p == ParityMark || p == ParitySpace {
				return fmt.Errorf("%s: %w: parity %v is supported on Windows only", a, ErrUnsupported, p)
			}
			if a.Serial.StopBits == Stop1Half {
				return fmt.Errorf("%s: %w: 1.5 stop bits are supported on Windows only", a, ErrUnsupported)
			}
		}
	}
	return nil
}
