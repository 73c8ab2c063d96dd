package printers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/secuprint/receipt/escpos/star"
	"github.com/secuprint/receipt/transport"
)

// StarPrinter prints to a Star printer in one of Star's languages over a
// transport link and confirms each job with Star's automatic status: it
// clears the ETB counter, sends the job and an ETB, and waits for the ASB
// the printer sends once the job has printed (ETB executed, counter 1),
// asking ESC ACK SOH every Poll so a fault ends the wait early. A Star
// printer ignores the DLE EOT that ConnPrinter asks, so it needs this.
type StarPrinter struct {
	name string
	dial Dialer
	opt  ConnOptions

	mu   sync.Mutex // one job or status query at a time
	conn transport.Conn
}

// NewStarPrinter returns a StarPrinter that opens its link with dial.
func NewStarPrinter(name string, dial Dialer, opt ConnOptions) *StarPrinter {
	if opt.Timeout <= 0 {
		opt.Timeout = 20 * time.Second
	}
	if opt.Poll <= 0 {
		opt.Poll = 250 * time.Millisecond
	}
	return &StarPrinter{name: name, dial: dial, opt: opt}
}

// Name is the printer's address.
func (p *StarPrinter) Name() string { return p.name }

// Close closes the link.
func (p *StarPrinter) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dropLocked()
}

func (p *StarPrinter) dropLocked() error {
	if p.conn == nil {
		return nil
	}
	err := p.conn.Close()
	p.conn = nil
	return err
}

func (p *StarPrinter) connLocked(ctx context.Context) (transport.Conn, error) {
	if p.conn != nil {
		return p.conn, nil
	}
	c, err := p.dial(ctx)
	if err != nil {
		return nil, err
	}
	p.conn = c
	return c, nil
}

// done ends a conversation: a shared link is let go, a broken one dropped.
func (p *StarPrinter) done(err error) {
	if p.opt.Shared || err != nil {
		_ = p.dropLocked() // the conversation's own error is the one to report
	}
}

// starReader reads ASB packets off a link, skipping XON/XOFF and stray bytes.
type starReader struct {
	c   transport.Conn
	buf []byte
}

// next returns the next ASB that arrives before dl.
func (r *starReader) next(ctx context.Context, dl time.Time) (star.ASB, error) {
	tmp := make([]byte, 64)
	for {
		for len(r.buf) > 0 {
			s, n, err := star.DecodeASB(r.buf)
			if err == nil {
				r.buf = r.buf[n:]
				return s, nil
			}
			if errors.Is(err, star.ErrShortASB) {
				break
			}
			r.buf = r.buf[1:] // XON, XOFF or noise
		}
		if err := ctx.Err(); err != nil {
			return star.ASB{}, err
		}
		if err := r.c.SetReadDeadline(dl); err != nil {
			return star.ASB{}, err
		}
		n, err := r.c.Read(tmp)
		r.buf = append(r.buf, tmp[:n]...)
		if err != nil && n == 0 {
			return star.ASB{}, err
		}
	}
}

// ask sends ESC ACK SOH and returns the ASB that answers it.
func (r *starReader) ask(ctx context.Context, timeout time.Duration) (star.ASB, error) {
	if err := r.c.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		return star.ASB{}, err
	}
	if _, err := r.c.Write(star.StatusRequest); err != nil {
		return star.ASB{}, err
	}
	return r.next(ctx, time.Now().Add(timeout))
}

// Status asks the printer's automatic status.
func (p *StarPrinter) Status(ctx context.Context) (Status, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, err := p.connLocked(ctx)
	if err != nil {
		return Status{}, err
	}
	r := &starReader{c: c}
	s, err := r.ask(ctx, min(p.opt.Timeout, 5*time.Second))
	p.done(err)
	if err != nil {
		return Status{}, fmt.Errorf("printers: %s: star status: %w", p.name, err)
	}
	return Status(s.Status), nil
}

// Print sends job and confirms it as printed, failed (with the reason the
// ASB gives) or unknown.
func (p *StarPrinter) Print(ctx context.Context, job []byte) (res Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, err := p.connLocked(ctx)
	if err != nil {
		return failed(err)
	}
	defer func() { p.done(res.Err) }()
	r := &starReader{c: c}
	if !p.opt.NoPrecheck {
		st, err := r.ask(ctx, min(p.opt.Timeout, 5*time.Second))
		if err != nil {
			return failed(fmt.Errorf("printers: %s: no automatic status before the job: %w", p.name, err))
		}
		if s := Status(st.Status); !s.Ready() {
			return Result{Outcome: OutcomeFailed, Reason: s.Reason(), Status: &s}
		}
	}
	out := make([]byte, 0, len(star.ResetETB)+len(job)+1)
	out = append(append(append(out, star.ResetETB...), job...), star.ETB)
	if err := c.SetWriteDeadline(time.Now().Add(p.opt.Timeout)); err != nil {
		return failed(err)
	}
	n, err := c.Write(out)
	sent := max(0, min(len(job), n-len(star.ResetETB)))
	if err != nil {
		return Result{Outcome: OutcomeUnknown, Reason: reasonFor(err), Sent: sent, Err: err}
	}
	end := time.Now().Add(p.opt.Timeout)
	for {
		dl := time.Now().Add(p.opt.Poll)
		if dl.After(end) {
			dl = end
		}
		s, err := r.next(ctx, dl)
		switch {
		case err == nil:
			st := Status(s.Status)
			if s.ETBExecuted || s.HasETB && s.ETBCounter == 1 {
				return Result{Outcome: OutcomePrinted, Sent: sent, Status: &st}
			}
			if !st.Ready() {
				return Result{Outcome: OutcomeFailed, Reason: st.Reason(), Sent: sent, Status: &st}
			}
			continue
		case errors.Is(err, transport.ErrTimeout) && time.Now().Before(end):
			// No ASB within a poll: ask, so a fault shows.
			if err := c.SetWriteDeadline(time.Now().Add(p.opt.Poll)); err != nil {
				return Result{Outcome: OutcomeUnknown, Reason: reasonFor(err), Sent: sent, Err: err}
			}
			if _, err := c.Write(star.StatusRequest); err != nil {
				return Result{Outcome: OutcomeUnknown, Reason: reasonFor(err), Sent: sent, Err: err}
			}
			continue
		}
		return Result{Outcome: OutcomeUnknown, Reason: reasonFor(err), Sent: sent,
			Err: fmt.Errorf("printers: %s: no print confirmation: %w", p.name, err)}
	}
}

// openStar connects now, so a wrong address fails at Open; a shared link is
// let go until the first job.
func openStar(ctx context.Context, name string, dial Dialer, opt ConnOptions) (*StarPrinter, error) {
	p := NewStarPrinter(name, dial, opt)
	c, err := dial(ctx)
	if err != nil {
		return nil, err
	}
	if opt.Shared {
		if err := c.Close(); err != nil {
			return nil, err
		}
	} else {
		p.conn = c
	}
	return p, nil
}
