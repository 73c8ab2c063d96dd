package printers

import (
	"context"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/transport"
	"github.com/secuprint/receipt/transport/file"
	"github.com/secuprint/receipt/transport/serial"
	"github.com/secuprint/receipt/transport/tcp"
	"github.com/secuprint/receipt/transport/usb"
)

// OpenOptions configure Open.
type OpenOptions struct {
	Conn ConnOptions
	// Profile is the model behind the address; the built-in virtual printer
	// behaves as it. Nil: "default".
	Profile *escpos.Profile
	// KeepOpen keeps a network printer's link open between jobs, for a
	// printer this host has to itself. By default a tcp:// link is opened
	// for each job and status read and closed after it (ConnOptions.Shared):
	// a network card serves one host at a time, and shops share a printer
	// between tills.
	KeepOpen bool
}

// Open connects to the printer at address (see transport.ParseAddress):
// serial://, usb://, tcp://, file:// or virtual:// — the built-in virtual
// printer, in this process; virtual://?out=DIR writes its tickets to DIR.
func Open(ctx context.Context, address string, opt OpenOptions) (Printer, error) {
	a, err := transport.ParseAddress(address)
	if err != nil {
		return nil, err
	}
	if a.Kind == transport.KindVirtual {
		return openVirtual(a, opt)
	}
	if a.Kind == transport.KindTCP {
		opt.Conn.Shared = opt.Conn.Shared || !opt.KeepOpen
	}
	dial, err := dialerFor(a)
	if err != nil {
		return nil, err
	}
	if isStarLanguage(opt.Profile) {
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
	}
	return nil, fmt.Errorf("printers: %q: %w", a.String(), transport.ErrInvalidAddress)
}

// Virtual is the built-in virtual printer behind a ConnPrinter (a
// StarPrinter for a Star profile).
type Virtual struct {
	Printer
	Device *virtual.Device
}

// Close closes the link and stops the device.
func (v *Virtual) Close() error {
	err := v.Printer.Close()
	if derr := v.Device.Close(); err == nil {
		err = derr
	}
	return err
}

func openVirtual(a transport.Address, opt OpenOptions) (*Virtual, error) {
	p := opt.Profile
	if m, ok := a.Virtual.Options["model"]; ok {
		var err error
		if p, err = Lookup(m); err != nil {
			return nil, err
		}
	}
	if p == nil {
		p, _ = Lookup("default")
	}
	out := a.Virtual.Options["out"]
	dev, err := virtual.New(virtual.Options{Profile: p, OutDir: out})
	if err != nil {
		return nil, err
	}
	name := a.String()
	dial := func(context.Context) (transport.Conn, error) {
		return pipeConn{Conn: dev.Pipe(name), name: name}, nil
	}
	if isStarLanguage(p) {
		return &Virtual{Printer: NewStarPrinter(name, dial, opt.Conn), Device: dev}, nil
	}
	return &Virtual{Printer: NewConnPrinter(name, dial, opt.Conn), Device: dev}, nil
}

// pipeConn adapts the in-memory link to transport.Conn.
type pipeConn struct {
	net.Conn
	name string
}

func (c pipeConn) Name() string { return c.name }

func (c pipeConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	return n, mapNetErr(err)
}

func (c pipeConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	return n, mapNetErr(err)
}

func (c pipeConn) SetReadDeadline(t time.Time) error  { return c.Conn.SetReadDeadline(t) }
func (c pipeConn) SetWriteDeadline(t time.Time) error { return c.Conn.SetWriteDeadline(t) }

func mapNetErr(err error) error {
	switch {
	case err == nil:
		return nil
	case os.IsTimeout(err):
		return fmt.Errorf("%w: %w", transport.ErrTimeout, err)
	}
	return fmt.Errorf("%w: %w", transport.ErrDisconnected, err)
}
