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
	if s, ok := registered(a.Kind); ok {
		return s.Open(ctx, a, opt)
	}
	if a.Kind == transport.KindTCP {
		opt.Conn.Shared = opt.Conn.Shared || !opt.KeepOpen
	}
	dial, err := dialerFor(a)
	if err != nil {
		return nil, err
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

// dialerFor dials a's link: serial, tcp, file or usb.
func dialerFor(a transport.Address) (Dialer, error) {
	switch a.Kind {
	case transport.KindSerial:
		return func(context.Context) (transport.Conn, error) { return serial.Open(a.Serial) }, nil
	case transport.KindTCP:
		return func(ctx context.Context) (transport.Conn, error) { return tcp.Dial(ctx, a.TCP) }, nil
	case transport.KindFile:
		return func(context.Context) (transport.Conn, error) { return file.Open(a.File) }, nil
	case transport.KindUSB:
		return func(context.Context) (transport.Conn, error) { return usb.Open(a.USB) }, nil
	case transport.KindCloudPRNT, transport.KindSDP:
		// Nothing to dial: the printer fetches its jobs from the service.
		return nil, fmt.Errorf("printers: %s: %w", a, transport.ErrPulled)
	}
	if a.Kind == transport.KindVirtual {
		return nil, fmt.Errorf("printers: %q: the virtual printer is not built into this program: %w", a.String(), transport.ErrInvalidAddress)
	}
	return nil, fmt.Errorf("printers: %q: %w", a.String(), transport.ErrInvalidAddress)
}

// Scheme is how Open and IdentifyAddress reach addresses of a kind this
// package does not know by itself; see RegisterScheme.
type Scheme struct {
	// Open opens a printer at a.
	Open func(ctx context.Context, a transport.Address, opt OpenOptions) (Printer, error)
	// Conn connects a bare link to a, for IdentifyAddress; what serves it
	// plays model when it can (nil: as a says, else "default"). Closing
	// the link stops whatever Conn started.
	Conn func(ctx context.Context, a transport.Address, model *escpos.Profile) (transport.Conn, error)
}

var (
	schemesMu sync.RWMutex
	schemes   = map[transport.Kind]Scheme{}
)

// RegisterScheme makes Open and IdentifyAddress hand addresses of kind k
// to s. It is how the binaries add the built-in virtual printer
// (virtual.Register) without this package importing it: the virtual
// printer is built on this package's drivers. A later registration of k
// replaces an earlier one.
func RegisterScheme(k transport.Kind, s Scheme) {
	schemesMu.Lock()
	defer schemesMu.Unlock()
	schemes[k] = s
}

// registered is the scheme registered for k.
func registered(k transport.Kind) (Scheme, bool) {
	schemesMu.RLock()
	defer schemesMu.RUnlock()
	s, ok := schemes[k]
	return s, ok
}
