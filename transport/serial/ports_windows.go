package serial

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

// Ports lists the COM ports Windows knows (HKLM\HARDWARE\DEVICEMAP\SERIALCOMM),
// in natural order: COM1, COM2, ..., COM10.
func Ports() ([]string, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `HARDWARE\DEVICEMAP\SERIALCOMM`, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil, nil // no serial ports at all
	}
	if err != nil {
		return nil, fmt.Errorf("serial: ports: %w", err)
	}
	defer k.Close()
	names, err := k.ReadValueNames(0)
	if err != nil {
		return nil, fmt.Errorf("serial: ports: %w", err)
	}
	var out []string
	for _, n := range names {
		v, _, err := k.GetStringValue(n)
		if err != nil {
			continue // not a string: not a port name
		}
		out = append(out, v)
	}
	sortNatural(out)
	return out, nil
}
