package file

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDevicesOrder(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"lp10", "lp2", "lp0", "hiddev0"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), nil, 0o600))
	}
	got, err := devices(dir)
	require.NoError(t, err)
	for i := range got {
		got[i] = filepath.Base(got[i])
	}
	assert.Equal(t, []string{"lp0", "lp2", "lp10"}, got)
}

func TestUnderDev(t *testing.T) {
	for path, want := range map[string]bool{
		"/dev/usb/lp0": true, "/dev/ttyUSB0": true, "/dev/../tmp/x": false, "/tmp/dev/x": false, "/devices/x": false,
	} {
		assert.Equal(t, want, underDev(path), path)
	}
}
