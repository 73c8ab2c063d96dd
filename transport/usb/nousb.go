//go:build !(usb && cgo)

package usb

import (
	"fmt"

	"github.com/secuprint/receipt/transport"
)

// NewBackend reports that this binary has no libusb.
func NewBackend() (Backend, error) {
	return nil, fmt.Errorf("usb: %w", transport.ErrNoUSB)
}
