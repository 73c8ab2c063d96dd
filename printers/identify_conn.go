package printers

import (
	"context"
	"fmt"
)

// Identify asks the printer what it is (see Identify) over the printer's
// own link, between two jobs: a service re-identifying a printer after a
// reconnect needs no second connection, which a printer serving one host
// at a time would refuse.
func (p *ConnPrinter) Identify(ctx context.Context, opt IdentifyOptions) (id Identity, err error) {
	if err := p.acquire(ctx); err != nil {
		return Identity{}, err
	}
	defer p.release()
	c, _, err := p.connFresh(ctx)
	if err != nil {
		return Identity{}, err
	}
	defer func() { p.hangUp(err == nil) }()
	s := newSession(ctx, c, p.opt, &p.out)
	defer s.end()
	if err := s.settle(); err != nil {
		p.dropLocked()
		return Identity{}, err
	}
	if p.out.mute {
		return Identity{}, s.muteErr()
	}
	id, err = Identify(ctx, c, opt)
	// A late answer of a slow printer is drained before the next
	// conversation, never read as a status.
	p.out.junk = true
	if err != nil {
		return id, fmt.Errorf("printers: %s: %w", p.name, err)
	}
	return id, nil
}
