//go:build usb && cgo

package usb

import (
	"errors"
	"testing"

	"github.com/google/gousb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/transport"
)

// TestGousbBackend runs the real backend over whatever is attached (often
// nothing in CI): listing must work, and an absent printer is ErrNotFound.
func TestGousbBackend(t *testing.T) {
	b, err := NewBackend()
	if errors.Is(err, transport.ErrUnsupported) {
		t.Skipf("libusb cannot start here: %v", err)
	}
	require.NoError(t, err)
	defer b.Close()
	devs, err := b.Devices()
	require.NoError(t, err)
	t.Logf("%d USB devices", len(devs))
	list, err := ListWith(b)
	require.NoError(t, err)
	for _, d := range list {
		t.Logf("printer: %+v", d)
	}
	_, err = OpenWith(b, transport.USBAddress{VID: 0xfffe, PID: 0xfffe})
	assert.ErrorIs(t, err, transport.ErrNotFound)
}

func TestFromGousb(t *testing.T) {
	tests := []struct {
		err  error
		want error
	}{
		{gousb.ErrorAccess, transport.ErrAccessDenied},
		{gousb.ErrorBusy, transport.ErrBusy},
		{gousb.ErrorNoDevice, transport.ErrDisconnected},
		{gousb.TransferNoDevice, transport.ErrDisconnected},
		{gousb.TransferTimedOut, transport.ErrTimeout},
	}
	for _, tt := range tests {
		got := classify(fromGousb(tt.err))
		assert.ErrorIs(t, got, tt.want, "%v", tt.err)
		assert.ErrorIs(t, got, tt.err)
	}
	assert.Equal(t, int(ErrorAccess), int(gousb.ErrorAccess), "the pure codes are libusb's")
	assert.Equal(t, int(TransferNoDevice), int(gousb.TransferNoDevice))
	assert.NoError(t, fromGousb(nil))
}
