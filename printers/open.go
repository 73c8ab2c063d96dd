package printers

import (
	"context"
	"fmt"
	"sync"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/transport"
	"github.com/secuprint/receipt/transport/file"
	"github.com/secuprint/receipt/transport/serial"
	"github.com/secuprint/receipt/transport/tcp"
	"github.com/secuprint/receipt/transport/usb"
)

// OpenOptions configure Open.
type OpenOptions struct {
	Conn ConnOptions
	// Profile is the model behind the address: a Star language gets the
	// Star driver, and the built-in virtual printer behaves as it. Nil:
	// "default".
	Profile *escpos.Profile
	// KeepOpen keeps a network printer's link open between jobs, for a
	// printer this host has to itself. By default a tcp:// link is opened
	// for each job and status read and closed after it (ConnOptions.Shared):
	// a network card serves one host at a time, and shops share a printer
	// between tills.
	KeepOpen bool
}

// Open connects to the printer at address (see transport.ParseAddress):
// serial://, usb://, tcp://, file://, or a kind registered with
// RegisterScheme (virtual:// once the virtual printer is registered).
func Open(ctx context.Context, address string, opt OpenOptions) (Printer, error) {
	a, err := transport.ParseAddress(address)
	if err != nil {
		return nil, err
	}
	var dial Dialer
	switch a.Kind {
	case transport.KindSerial:
		dial = func(context.Context) (transport.Conn, error) { return serial.Open(a.Serial) }
	case transport.KindTCP:
		dial = func(ctx context.Context) (transport.Conn, error) { return tcp.Dial(ctx, a.TCP) }
		opt.Conn.Shared = opt.Conn.Shared || !opt.KeepOpen
	case transport.KindFile:
		dial = func(context.Context) (transport.Conn, error) { return file.Open(a.File) }
	case transport.KindUSB:
		dial = func(context.Context) (transport.Conn, error) { return usb.Open(a.USB) }
	default:
		if open := registered(a.Kind); open != nil {
			return open(ctx, a, opt)
		}
		if a.Kind == transport.KindVirtual {
			return nil, fmt.Errorf("printers: %q: the virtual printer is not built into this program: %w", address, transport.ErrInvalidAddress)
		}
		return nil, fmt.Errorf("printers: %q: %w", address, transport.ErrInvalidAddress)
	}
	if opt.Profile.SpeaksStar() {
		return openStar(ctx, a.String(), dial, opt.Conn)
	}
	p := NewConnPrinter(a.String(), dial, opt.Conn)
	// Connect now so a wrong address fails here, not at the first job; a
	// shared link is not held until then.
	if err := p.acquire(ctx); err != nil {
		return nil, err
	}
	_, err = p.connLocked(ctx)
	if err == nil && p.opt.Shared {
		p.dropLocked()
	}
	p.release()
	if err != nil {
		return nil, err
	}
	return p, nil
}

// OpenFunc opens a printer at an address of a kind Open does not know by
// itself; see RegisterScheme.
type OpenFunc func(ctx context.Context, a transport.Address, opt OpenOptions) (Printer, error)

var (
	schemesMu sync.RWMutex
	schemes   = map[transport.Kind]OpenFunc{}
)

// RegisterScheme makes Open hand addresses of kind k to open. It is how the
// binaries add the built-in virtual printer (virtual.Register) without this
// package importing it: the virtual printer is built on this package's
// drivers. A later registration of k replaces an earlier one.
func RegisterScheme(k transport.Kind, open OpenFunc) {
	schemesMu.Lock()
	defer schemesMu.Unlock()
	schemes[k] = open
}

// registered is the opener registered for k, nil if none.
func registered(k transport.Kind) OpenFunc {
	schemesMu.RLock()
	defer schemesMu.RUnlock()
	return schemes[k]
}
