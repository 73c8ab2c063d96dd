package printers

import (
	"context"
	"fmt"

	"github.com/secuprint/receipt/escpos"
)

// Recover clears a recoverable printer error the way Epson documents it:
// DLE ENQ 2, recover and empty the buffers. The print queue calls it only
// before sending again a job of which no byte was sent, so the buffers hold
// nothing of the job to lose.
func (p *ConnPrinter) Recover(ctx context.Context) error {
	if err := p.acquire(ctx); err != nil {
		return err
	}
	defer p.release()
	c, err := p.connLocked(ctx)
	if err != nil {
		return err
	}
	ok := false
	defer func() { p.hangUp(ok) }()
	if dl, has := ctx.Deadline(); has {
		if err := c.SetWriteDeadline(dl); err != nil {
			return fmt.Errorf("printers: %s: recover: %w", p.name, err)
		}
	}
	if _, err := c.Write(escpos.AppendRecover(nil, true)); err != nil {
		p.dropLocked()
		return fmt.Errorf("printers: %s: recover: %w", p.name, err)
	}
	ok = true
	return nil
}
