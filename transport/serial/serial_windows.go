package serial

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/secuprint/receipt/transport"
)

// driverSupports: tarm/serial on Windows sets any rate, parity and stop
// bits the port driver accepts.
func driverSupports(line) error { return nil }

// openErrorOS classifies Windows open failures; nil leaves it to openError.
// COM ports carry no permissions worth the name: "access denied" means
// another program has the port open.
func openErrorOS(err error) error {
	const errorSharingViolation = syscall.Errno(32)
	if errors.Is(err, syscall.ERROR_ACCESS_DENIED) || errors.Is(err, errorSharingViolation) {
		return fmt.Errorf("%w: %w (another program has the port open)", transport.ErrBusy, err)
	}
	return nil
}
