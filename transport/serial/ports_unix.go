//go:build !windows

package serial

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// Ports lists candidate printer ports: USB-serial adapters (/dev/ttyUSB*;
// macOS /dev/cu.usbserial*, the BSDs' /dev/cuaU* and NetBSD's /dev/dtyU*),
// CDC-ACM printers (/dev/ttyACM*, macOS /dev/cu.usbmodem*), Linux's stable
// /dev/serial/by-id/ links,
// then on-board ports (/dev/ttyS*) that have a UART behind them and are not
// the system console (see hasUART).
func Ports() ([]string, error) { return ports("/dev", "/sys/class/tty") }

// ports is Ports with its roots as parameters, for tests.
func ports(dev, sys string) ([]string, error) {
	var out []string
	for _, pat := range []string{"ttyUSB*", "ttyACM*", "cu.usbserial*", "cu.usbmodem*", "cuaU*", "dtyU*", "serial/by-id/*", "ttyS*"} {
		m, err := filepath.Glob(filepath.Join(dev, pat))
		if err != nil {
			return nil, fmt.Errorf("serial: ports: %w", err)
		}
		sortNatural(m)
		for _, p := range m {
			if pat == "ttyS*" && !hasUART(sys, filepath.Base(p)) {
				continue
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// hasUART reports whether an on-board port plausibly has a printer behind
// it, by what sysfs says: a UART must be there (its type is 0, PORT_UNKNOWN,
// when there is none: the kernel creates ttyS0..31 regardless), and it must
// not be the kernel's console (a VM's or server's ttyS0 carries the boot
// log, not receipts). Without sysfs (not Linux) the port is kept.
func hasUART(sys, name string) bool {
	b, err := os.ReadFile(filepath.Join(sys, name, "type"))
	if err != nil {
		return true
	}
	if bytes.Equal(bytes.TrimSpace(b), []byte("0")) {
		return false
	}
	c, err := os.ReadFile(filepath.Join(sys, name, "console"))
	return err != nil || !bytes.Equal(bytes.TrimSpace(c), []byte("Y"))
}
