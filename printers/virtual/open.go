package virtual

import (
	"context"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/transport"
)

// Register makes printers.Open open virtual:// addresses with Open, and
// printers.IdentifyAddress talk to one through Conn. The binaries call it
// where they are wired; a library that only prints to real printers leaves
// the virtual printer out.
func Register() {
	printers.RegisterScheme(transport.KindVirtual, printers.Scheme{Open: Open, Conn: Conn})
}

// Printer is the built-in virtual printer behind the driver its profile
// takes: a printers.ConnPrinter, or a printers.StarPrinter for a Star
// profile.
type Printer struct {
	printers.Printer
	Device *Device
}

// Close closes the link and stops the device.
func (v *Printer) Close() error {
	err := v.Printer.Close()
	if derr := v.Device.Close(); err == nil {
		err = derr
	}
	return err
}

// Open starts a virtual printer in this process for the virtual:// address
// a (printers.OpenFunc): ?model=ID picks its model (else opt.Profile, else
// "default"), ?out=DIR writes its tickets to DIR.
func Open(_ context.Context, a transport.Address, opt printers.OpenOptions) (printers.Printer, error) {
	dev, p, err := start(a, opt.Profile)
	if err != nil {
		return nil, err
	}
	name := a.String()
	dial := func(context.Context) (transport.Conn, error) {
		return pipeConn{Conn: dev.Pipe(name), name: name}, nil
	}
	if p.SpeaksStar() {
		return &Printer{Printer: printers.NewStarPrinter(name, dial, opt.Conn), Device: dev}, nil
	}
	return &Printer{Printer: printers.NewConnPrinter(name, dial, opt.Conn), Device: dev}, nil
}

// Conn starts a virtual printer for the virtual:// address a, playing
// model unless ?model= says otherwise, and connects a bare link to it
// (printers.Scheme.Conn, for identification). Closing the link stops the
// printer.
func Conn(_ context.Context, a transport.Address, model *escpos.Profile) (transport.Conn, error) {
	dev, _, err := start(a, model)
	if err != nil {
		return nil, err
	}
	name := a.String()
	return stopOnClose{pipeConn{Conn: dev.Pipe(name), name: name}, dev}, nil
}

// start starts the device a describes: ?model=ID, else p, else "default";
// ?out=DIR for its tickets.
func start(a transport.Address, p *escpos.Profile) (*Device, *escpos.Profile, error) {
	if a.Kind != transport.KindVirtual {
		return nil, nil, fmt.Errorf("virtual: %s: %w", a, transport.ErrInvalidAddress)
	}
	if m, ok := a.Virtual.Options["model"]; ok {
		var err error
		if p, err = printers.Lookup(m); err != nil {
			return nil, nil, err
		}
	}
	if p == nil {
		p, _ = printers.Lookup("default")
	}
	dev, err := New(Options{Profile: p, OutDir: a.Virtual.Options["out"]})
	return dev, p, err
}

// stopOnClose is a link whose Close also stops the device behind it.
type stopOnClose struct {
	pipeConn
	dev *Device
}

func (c stopOnClose) Close() error {
	err := c.pipeConn.Close()
	if derr := c.dev.Close(); err == nil {
		err = derr
	}
	return err
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
