package printers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/transport"
)

// ConnOptions tune a printer on a transport link.
type ConnOptions struct {
	// Timeout bounds the confirmation: how long the printer may take to
	// print a job after its last byte was sent. Default 20 s.
	Timeout time.Duration
	// Poll is how often a waiting job asks the printer's real-time status,
	// so a fault ends the wait early. Default 250 ms.
	Poll time.Duration
	// NoPrecheck skips the status check before sending.
	NoPrecheck bool
	// Shared: other hosts use the printer too (a network printer serves
	// one connection at a time). The link is closed after each job and
	// status read, so they can print in between; a printer that answered
	// before and now cannot be reached, or a fresh link that gets no answer,
	// is ReasonBusy (ErrBusy): nothing was sent, the job may be sent again.
	Shared bool
}

// Dialer opens the link to a printer; a ConnPrinter calls it again for the
// next job after the link broke (a network printer reconnects).
type Dialer func(ctx context.Context) (transport.Conn, error)

// ConnPrinter prints over a transport link and confirms each job with a
// status round-trip: GS r 1 is processed in sequence after the job's bytes,
// so its answer means the printer got through the job; real-time DLE EOT
// requests in between tell why a job stalls.
type ConnPrinter struct {
	name string
	dial Dialer
	opt  ConnOptions

	// lock holds one job or status query at a time; a channel, so a
	// status read gives up at its deadline instead of waiting for a job.
	lock chan struct{}
	// seen: a conversation on a link succeeded before (guarded by lock).
	seen bool

	// cmu guards conn and closed apart from lock, so Close can close the
	// link under a job in progress: its blocked Read or Write then returns.
	// out is the link's, guarded by lock with it.
	cmu    sync.Mutex
	conn   transport.Conn
	closed bool
	out    pending
}

// pending is what the link still owes: answers come in request order, so
// an answer that was not waited for arrives later, in the middle of another
// conversation, where it must not be mistaken for that one's own.
type pending struct {
	// gsr: GS r requests unanswered. A job that failed while held in the
	// printer's buffer gets its answer after recovery.
	gsr int
	// rt: DLE EOT requests unanswered. A confirmation that arrives while a
	// poll is outstanding leaves the poll's answer on the way.
	rt int
	// junk: a byte that is no answer came, so the link is drained before the
	// next conversation. Otherwise the counts suffice and no time is spent
	// listening for stale bytes.
	junk bool
	// mute: the link cannot read (a write-only device file); nothing is
	// asked on it, so no request bytes land on paper.
	mute bool
}

// NewConnPrinter returns a printer that dials on first use.
func NewConnPrinter(name string, dial Dialer, opt ConnOptions) *ConnPrinter {
	if opt.Timeout <= 0 {
		opt.Timeout = 20 * time.Second
	}
	if opt.Poll <= 0 {
		opt.Poll = 250 * time.Millisecond
	}
	return &ConnPrinter{name: name, dial: dial, opt: opt, lock: make(chan struct{}, 1)}
}

// acquire takes the printer for one conversation, or fails with ErrBusy
// when ctx ends first.
func (p *ConnPrinter) acquire(ctx context.Context) error {
	select {
	case p.lock <- struct{}{}:
		return nil
	default:
	}
	select {
	case p.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("printers: %s: %w with a job: %w", p.name, ErrBusy, ctx.Err())
	}
}

// release ends what acquire began.
func (p *ConnPrinter) release() { <-p.lock }

// hangUp closes a shared link after a conversation, so other hosts can
// reach the printer; the next conversation dials again.
func (p *ConnPrinter) hangUp(ok bool) {
	p.seen = p.seen || ok
	if p.opt.Shared {
		p.dropLocked()
	}
}

// busy tells, on a shared printer, a link error that means another host
// holds the printer: the printer answered before but now turns this host
// away (dialErr), or a fresh link got no answer at all. It returns err
// wrapped in ErrBusy, or err itself.
func (p *ConnPrinter) busy(err error, fresh, dialErr bool) error {
	if !p.opt.Shared || errors.Is(err, context.Canceled) || errors.Is(err, transport.ErrClosed) {
		return err
	}
	switch {
	case dialErr && p.seen && (errors.Is(err, transport.ErrTimeout) || errors.Is(err, transport.ErrNotFound)):
		return fmt.Errorf("printers: %s: %w (it answered before: another host may be printing, or it is off): %w", p.name, ErrBusy, err)
	case !dialErr && fresh && (errors.Is(err, transport.ErrTimeout) || errors.Is(err, transport.ErrDisconnected)):
		return fmt.Errorf("printers: %s: %w (connected, but no answer: another host may hold it, or it stopped answering): %w", p.name, ErrBusy, err)
	}
	return err
}

// failed is the result of a job of which nothing was sent.
func failed(err error) Result {
	r := reasonFor(err)
	if errors.Is(err, ErrBusy) {
		r = ReasonBusy
	}
	return Result{Outcome: OutcomeFailed, Reason: r, Err: err}
}

// Name is the printer's address.
func (p *ConnPrinter) Name() string { return p.name }

// Close closes the link at once, without waiting for a job in progress:
// that job's blocked calls return and it reports what it knows. Later calls
// fail with transport.ErrClosed.
func (p *ConnPrinter) Close() error {
	p.cmu.Lock()
	c := p.conn
	p.conn, p.closed = nil, true
	p.cmu.Unlock()
	if c == nil {
		return nil
	}
	return c.Close()
}

// dropLocked closes the link after it failed; the next job dials again.
// Callers hold lock.
func (p *ConnPrinter) dropLocked() {
	p.cmu.Lock()
	c := p.conn
	p.conn = nil
	p.cmu.Unlock()
	p.out = pending{}
	if c != nil {
		_ = c.Close() // already broken: its close error says nothing new
	}
}

// connLocked returns the link, dialling if there is none. Callers hold lock.
func (p *ConnPrinter) connLocked(ctx context.Context) (transport.Conn, error) {
	c, _, err := p.connFresh(ctx)
	return c, err
}

// connFresh is connLocked, and whether the link was dialled now.
func (p *ConnPrinter) connFresh(ctx context.Context) (transport.Conn, bool, error) {
	p.cmu.Lock()
	c, closed := p.conn, p.closed
	p.cmu.Unlock()
	if closed {
		return nil, false, fmt.Errorf("printers: %s: %w", p.name, transport.ErrClosed)
	}
	if c != nil {
		return c, false, nil
	}
	c, err := p.dial(ctx)
	if err != nil {
		return nil, false, p.busy(err, true, true)
	}
	p.cmu.Lock()
	defer p.cmu.Unlock()
	if p.closed { // closed while dialling
		_ = c.Close()
		return nil, false, fmt.Errorf("printers: %s: %w", p.name, transport.ErrClosed)
	}
	p.conn = c
	// Whatever a fresh link holds (an earlier program's answers, ASB, line
	// noise at power-up) is drained once before the first conversation.
	p.out = pending{junk: true}
	return c, true, nil
}

// reasonFor classifies a link error.
func reasonFor(err error) Reason {
	switch {
	case errors.Is(err, context.Canceled):
		// The caller stopped waiting (the link's error is then a timeout).
		return ReasonNoConfirmation
	case errors.Is(err, transport.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return ReasonTimeout
	case errors.Is(err, transport.ErrUnsupported), errors.Is(err, ErrNotStatus):
		return ReasonNoConfirmation
	}
	return ReasonDisconnected
}

// Print sends job and confirms it.
func (p *ConnPrinter) Print(ctx context.Context, job []byte) (res Result) {
	if err := p.acquire(ctx); err != nil {
		return failed(err)
	}
	defer p.release()
	c, fresh, err := p.connFresh(ctx)
	if err != nil {
		return failed(err)
	}
	defer func() { p.hangUp(res.Outcome == OutcomePrinted || res.Status != nil) }()
	s := newSession(ctx, c, p.opt, &p.out)
	defer s.end()
	readable := true
	if err := s.settle(); err != nil {
		p.dropLocked()
		return failed(p.busy(err, fresh && s.got == 0, false))
	}
	if p.out.mute {
		readable = false
	} else if !p.opt.NoPrecheck {
		st, err := s.precheck()
		switch {
		case errors.Is(err, transport.ErrUnsupported):
			readable = false
		case err != nil:
			p.dropLocked()
			return failed(p.busy(err, fresh && s.got == 0, false))
		case !st.Ready():
			return Result{Outcome: OutcomeFailed, Reason: st.Reason(), Status: &st,
				Err: fmt.Errorf("printers: %s: %s", p.name, st)}
		}
	}
	sent, err := s.write(job)
	if err != nil {
		p.dropLocked()
		r := Result{Outcome: OutcomeUnknown, Reason: reasonFor(err), Sent: sent, Err: err}
		if sent == 0 {
			r.Outcome = OutcomeFailed
		}
		return r
	}
	if !readable {
		return Result{Outcome: OutcomeUnknown, Reason: ReasonNoConfirmation, Sent: sent,
			Err: fmt.Errorf("printers: %s: the link cannot read status back", p.name)}
	}
	r := s.confirm()
	r.Sent = sent
	if r.Reason == ReasonDisconnected || r.Reason == ReasonTimeout {
		p.dropLocked()
	}
	return r
}

// Status queries DLE EOT 1–4.
func (p *ConnPrinter) Status(ctx context.Context) (st Status, err error) {
	if err := p.acquire(ctx); err != nil {
		return Status{}, err
	}
	defer p.release()
	c, fresh, err := p.connFresh(ctx)
	if err != nil {
		return Status{}, err
	}
	defer func() { p.hangUp(err == nil) }()
	s := newSession(ctx, c, p.opt, &p.out)
	defer s.end()
	if err := s.settle(); err != nil {
		p.dropLocked()
		return Status{}, p.busy(err, fresh && s.got == 0, false)
	}
	if p.out.mute {
		return Status{}, s.muteErr()
	}
	st, err = s.status()
	if err != nil && !errors.Is(err, transport.ErrUnsupported) && !errors.Is(err, ErrNotStatus) {
		p.dropLocked()
		err = p.busy(err, fresh && s.got == 0, false)
	}
	return st, err
}

// session is one job's or query's conversation with the printer.
type session struct {
	ctx context.Context
	c   transport.Conn
	opt ConnOptions
	out *pending
	buf [1]byte
	got int // answers read: a fresh link that got none may be held elsewhere
	// stop detaches the cancellation hook.
	stop func() bool
}

func newSession(ctx context.Context, c transport.Conn, opt ConnOptions, out *pending) *session {
	s := &session{ctx: ctx, c: c, opt: opt, out: out}
	// Deadlines also end calls already blocked, so a cancelled ctx ends a
	// blocked Write or Read through them.
	s.stop = context.AfterFunc(ctx, func() {
		now := time.Now()
		_ = c.SetReadDeadline(now)
		_ = c.SetWriteDeadline(now)
	})
	return s
}

// end detaches the session from its ctx.
func (s *session) end() { s.stop() }

// ctxErr adds ctx's error to a link error caused by its cancellation.
func (s *session) ctxErr(err error) error {
	if cerr := s.ctx.Err(); err != nil && cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w: %w", cerr, err)
	}
	return err
}

// deadline is the earlier of ctx's deadline and now+d.
func (s *session) deadline(d time.Duration) time.Time {
	t := time.Now().Add(d)
	if dl, ok := s.ctx.Deadline(); ok && dl.Before(t) {
		return dl
	}
	return t
}

// write writes b by ctx's deadline, or the transport's timeout without one.
func (s *session) write(b []byte) (int, error) {
	dl, _ := s.ctx.Deadline()
	if err := s.c.SetWriteDeadline(dl); err != nil {
		return 0, err
	}
	// Checked after setting the deadline: a cancellation that came before
	// had its past deadline overwritten.
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := s.c.Write(b)
	return n, s.ctxErr(err)
}

// readByte reads one byte by the deadline.
func (s *session) readByte(dl time.Time) (byte, error) {
	if err := s.c.SetReadDeadline(dl); err != nil {
		return 0, err
	}
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	for {
		n, err := s.c.Read(s.buf[:])
		if n == 1 {
			return s.buf[0], nil
		}
		if err != nil {
			return 0, s.ctxErr(err)
		}
	}
}

// settle drains the link when a foreign byte was seen on it.
func (s *session) settle() error {
	if !s.out.junk {
		return nil
	}
	s.out.junk = false
	err := s.drain()
	if errors.Is(err, transport.ErrUnsupported) {
		s.out.mute = true
		return nil
	}
	return err
}

// muteErr is the error of a conversation on a link that cannot read.
func (s *session) muteErr() error {
	return fmt.Errorf("printers: %s: reading status: %w", s.c.Name(), transport.ErrUnsupported)
}

// drain discards bytes already waiting (stale answers, ASB, XON/XOFF,
// noise), counting the answers among them.
func (s *session) drain() error {
	asb := 0 // bytes left of an ASB packet: they look like GS r answers
	for i := 0; i < 4096; i++ {
		b, err := s.readByte(time.Now().Add(time.Millisecond))
		if s.ctx.Err() == nil && (errors.Is(err, transport.ErrTimeout) || errors.Is(err, context.DeadlineExceeded)) {
			return nil
		}
		if err != nil {
			return err
		}
		switch {
		case asb > 0:
			asb--
		case escpos.IsASBStart(b):
			asb = 3
		case escpos.IsTransmitStatus(b) && s.out.gsr > 0:
			s.out.gsr-- // a late GS r answer: it is accounted for
		case escpos.IsRealtimeStatus(b) && s.out.rt > 0:
			s.out.rt--
		}
	}
	return nil
}

// ask sends DLE EOT n.
func (s *session) ask(n escpos.StatusKind) error {
	req, err := escpos.AppendStatusRequest(nil, n)
	if err != nil {
		return err
	}
	if _, err := s.write(req); err != nil {
		return err
	}
	s.out.rt++
	return nil
}

// query asks DLE EOT n and merges its answer into st.
func (s *session) query(st *Status, n escpos.StatusKind) error {
	if err := s.ask(n); err != nil {
		return err
	}
	b, err := s.answer(s.deadline(s.opt.Poll*8), escpos.IsRealtimeStatus)
	if err != nil {
		return err
	}
	return escpos.DecodeRealtimeStatus((*escpos.Status)(st), n, b)
}

// status asks DLE EOT 1–4 in turn.
func (s *session) status() (Status, error) {
	var st Status
	for n := escpos.StatusPrinter; n <= escpos.StatusPaper; n++ {
		if err := s.query(&st, n); err != nil {
			return st, err
		}
	}
	return st, nil
}

// precheck asks DLE EOT 1, and 2–4 only when the printer is offline: every
// condition that keeps a printer from printing takes it offline, so the
// usual case costs one round trip before the job.
func (s *session) precheck() (Status, error) {
	var st Status
	if err := s.query(&st, escpos.StatusPrinter); err != nil || st.Online {
		return st, err
	}
	for n := escpos.StatusOffline; n <= escpos.StatusPaper; n++ {
		if err := s.query(&st, n); err != nil {
			return st, err
		}
	}
	return st, nil
}

// answer reads until a byte accepted by want arrives, skipping ASB packets
// and flow-control bytes; an unexpected byte is ErrNotStatus.
func (s *session) answer(dl time.Time, want func(byte) bool) (byte, error) {
	for {
		b, err := s.readByte(dl)
		if err != nil {
			return 0, err
		}
		switch {
		case escpos.IsTransmitStatus(b) && s.out.gsr > 1, escpos.IsTransmitStatus(b) && s.out.gsr == 1 && !want(b):
			s.out.gsr-- // the late answer to an earlier job's GS r
			continue
		case escpos.IsRealtimeStatus(b) && s.out.rt > 1:
			s.out.rt-- // the answer to an earlier poll
			continue
		case want(b):
			if escpos.IsRealtimeStatus(b) && s.out.rt > 0 {
				s.out.rt--
			}
			s.got++
			return b, nil
		case b == 0x11 || b == 0x13:
			continue
		case escpos.IsASBStart(b):
			for i := 0; i < 3; i++ {
				if _, err := s.readByte(dl); err != nil {
					return 0, err
				}
			}
			continue
		}
		s.out.junk = true
		return b, fmt.Errorf("printers: unexpected byte 0x%02X: %w", b, ErrNotStatus)
	}
}

// confirm sends GS r 1 behind the job and waits for its answer, polling the
// real-time status meanwhile so a fault ends the wait with its reason.
func (s *session) confirm() Result {
	req, err := escpos.AppendTransmitStatus(nil, escpos.TransmitPaperSensor)
	if err == nil {
		_, err = s.write(req)
	}
	if err != nil {
		return Result{Outcome: OutcomeUnknown, Reason: reasonFor(err), Err: err}
	}
	s.out.gsr++
	end := s.deadline(s.opt.Timeout)
	asked := false // a DLE EOT 1 is outstanding
	var st Status
	for {
		poll := time.Now().Add(s.opt.Poll)
		if poll.After(end) {
			poll = end
		}
		b, err := s.answer(poll, func(b byte) bool { return escpos.IsTransmitStatus(b) || escpos.IsRealtimeStatus(b) })
		switch {
		case err == nil && escpos.IsRealtimeStatus(b):
			asked = false
			if err := escpos.DecodeRealtimeStatus((*escpos.Status)(&st), escpos.StatusPrinter, b); err != nil {
				return Result{Outcome: OutcomeUnknown, Reason: ReasonNoConfirmation, Err: err}
			}
			if !st.Online {
				return s.why(st)
			}
		case err == nil:
			s.out.gsr-- // ours: answer() skipped the earlier ones
			if err := escpos.DecodePaperSensor((*escpos.Status)(&st), b); err != nil {
				return Result{Outcome: OutcomeUnknown, Reason: ReasonNoConfirmation, Err: err}
			}
			st.Online = true
			return Result{Outcome: OutcomePrinted, Status: &st}
		case errors.Is(err, transport.ErrTimeout):
			if !time.Now().Before(end) {
				if asked {
					return Result{Outcome: OutcomeUnknown, Reason: ReasonTimeout,
						Err: fmt.Errorf("printers: no answer from the printer: %w", err)}
				}
				return Result{Outcome: OutcomeUnknown, Reason: ReasonNoConfirmation,
					Err: fmt.Errorf("printers: the printer did not confirm the job in %v: %w", s.opt.Timeout, err)}
			}
			if asked {
				// The real-time request went unanswered: a stalled link.
				return Result{Outcome: OutcomeUnknown, Reason: ReasonTimeout,
					Err: fmt.Errorf("printers: the printer stopped answering: %w", err)}
			}
			if err := s.ask(escpos.StatusPrinter); err != nil {
				return Result{Outcome: OutcomeUnknown, Reason: reasonFor(err), Err: err}
			}
			asked = true
		default:
			return Result{Outcome: OutcomeUnknown, Reason: reasonFor(err), Err: err}
		}
	}
}

// why asks an offline printer for the cause: the job waits in its buffer,
// so it did not print (and may print after recovery).
func (s *session) why(st Status) Result {
	for n := escpos.StatusOffline; n <= escpos.StatusPaper; n++ {
		if s.query(&st, n) != nil {
			break
		}
	}
	return Result{Outcome: OutcomeFailed, Reason: st.Reason(), Status: &st,
		Err: fmt.Errorf("printers: printing stopped: %s", st)}
}
