//go:build !(usb && cgo)

package usb

import (
	"fmt"

	"github.com/secuprint/receipt/transport"
)

// NewBackend reports that this binary has no libusb.
func NewBackend() (Backend, error) {
	return nil, fmt.Errorf("usb: %w: built without USB support: build with -tags usb (needs cgo and libusb-1.0)", transport.ErrUnsupported)
}
