package transport_test

import (
	"errors"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/secuprint/receipt/transport"
)

func TestSupported(t *testing.T) {
	for _, a := range []string{"tcp://192.0.2.10", "file:///dev/usb/lp0", "virtual://", "virtual://shop?paper=58"} {
		assert.NoError(t, transport.Supported(a), a)
	}
	if runtime.GOOS == "linux" {
		assert.NoError(t, transport.Supported("serial:///dev/ttyUSB0?baud=19200"))
		for _, a := range []string{"serial:///dev/ttyUSB0?parity=M", "serial:///dev/ttyUSB0?parity=S", "serial:///dev/ttyUSB0?stopbits=1.5"} {
			err := transport.Supported(a)
			assert.ErrorIs(t, err, transport.ErrUnsupported, a)
			assert.ErrorContains(t, err, "Windows only", a)
		}
	}

	err := transport.Supported("usb://04b8:0202")
	if transport.USBBuilt() {
		assert.NoError(t, err)
	} else {
		assert.ErrorIs(t, err, transport.ErrNoUSB)
		assert.ErrorIs(t, err, transport.ErrUnsupported)
		assert.ErrorIs(t, err, errors.ErrUnsupported)
		assert.ErrorContains(t, err, "usb://04b8:0202: built without USB: rebuild with make build (cgo + libusb-1.0")
		assert.ErrorContains(t, err, "file:///dev/usb/lp0", "names the way that needs no rebuild")
	}

	for _, bad := range []string{"", "usb://", "lpt://1", "serial://"} {
		assert.ErrorIs(t, transport.Supported(bad), transport.ErrInvalidAddress, "%q", bad)
	}
}
