// Package virtualtest starts virtual printers for tests.
package virtualtest

import (
	"context"
	"testing"

	"github.com/secuprint/receipt/printers/virtual"
)

// TCP starts a virtual printer listening on a free loopback port for the
// length of the test and returns it with its tcp:// address.
func TCP(t testing.TB, opt virtual.Options) (*virtual.Device, string) {
	t.Helper()
	dev, err := virtual.New(opt)
	if err != nil {
		t.Fatalf("virtual printer: %v", err)
	}
	t.Cleanup(func() { dev.Close() })
	addr, err := dev.ListenTCP(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatalf("virtual printer: %v", err)
	}
	return dev, "tcp://" + addr.String()
}
