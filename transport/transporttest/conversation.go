package transporttest

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/secuprint/receipt/transport"
)

// Step is one turn of a conversation on a link: bytes the host wrote, or
// bytes it read back. Exactly one of the two is set.
type Step struct {
	Write []byte
	Read  []byte
}

// Conversation is what went over a link, in order. Consecutive writes (or
// reads) are one step, so a conversation does not depend on how the host
// or the link chunked the bytes.
type Conversation []Step

// add appends b as a write or a read, joining it to a last step of the
// same direction.
func (c Conversation) add(write bool, b []byte) Conversation {
	if len(b) == 0 {
		return c
	}
	if n := len(c); n > 0 && (c[n-1].Write != nil) == write {
		if write {
			c[n-1].Write = append(c[n-1].Write, b...)
		} else {
			c[n-1].Read = append(c[n-1].Read, b...)
		}
		return c
	}
	if write {
		return append(c, Step{Write: bytes.Clone(b)})
	}
	return append(c, Step{Read: bytes.Clone(b)})
}

// lineBytes is how many bytes one line of the text form holds.
const lineBytes = 32

// MarshalText writes the conversation one line per 32 bytes: "> " and hex
// for what the host wrote, "< " for what it read; a blank line ends a step.
func (c Conversation) MarshalText() ([]byte, error) {
	var out []byte
	for i, s := range c {
		mark, b := byte('>'), s.Write
		if s.Write == nil {
			mark, b = '<', s.Read
		}
		if len(b) == 0 || (s.Write != nil && s.Read != nil) {
			return nil, fmt.Errorf("transporttest: step %d: want either a write or a read", i)
		}
		for len(b) > 0 {
			n := min(len(b), lineBytes)
			out = append(out, mark, ' ')
			out = hex.AppendEncode(out, b[:n])
			out = append(out, '\n')
			b = b[n:]
		}
		out = append(out, '\n')
	}
	return out, nil
}

// UnmarshalText reads what MarshalText writes. Lines starting with # are
// comments.
func (c *Conversation) UnmarshalText(text []byte) error {
	var conv Conversation
	var cur *Step
	for n, line := range bytes.Split(text, []byte("\n")) {
		switch {
		case len(line) == 0:
			cur = nil
			continue
		case line[0] == '#':
			continue
		case len(line) < 3 || (line[0] != '>' && line[0] != '<') || line[1] != ' ':
			return fmt.Errorf("transporttest: line %d: want \"> hex\" or \"< hex\"", n+1)
		}
		b, err := hex.AppendDecode(nil, line[2:])
		if err != nil {
			return fmt.Errorf("transporttest: line %d: %w", n+1, err)
		}
		write := line[0] == '>'
		if cur != nil && (cur.Write != nil) != write {
			return fmt.Errorf("transporttest: line %d: a step changes direction without a blank line", n+1)
		}
		if cur == nil {
			conv = append(conv, Step{})
			cur = &conv[len(conv)-1]
		}
		if write {
			cur.Write = append(cur.Write, b...)
		} else {
			cur.Read = append(cur.Read, b...)
		}
	}
	*c = conv
	return nil
}

// Record is a Conn that passes everything to the Conn inside and keeps the
// conversation: record against a real (or the virtual) printer once, play
// it back in tests.
type Record struct {
	transport.Conn
	mu   sync.Mutex
	conv Conversation
}

// NewRecord records what goes over c.
func NewRecord(c transport.Conn) *Record { return &Record{Conn: c} }

func (r *Record) Write(p []byte) (int, error) {
	n, err := r.Conn.Write(p)
	r.mu.Lock()
	r.conv = r.conv.add(true, p[:n])
	r.mu.Unlock()
	return n, err
}

func (r *Record) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.mu.Lock()
	r.conv = r.conv.add(false, p[:n])
	r.mu.Unlock()
	return n, err
}

// Conversation returns what went over the link so far.
func (r *Record) Conversation() Conversation {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(Conversation, len(r.conv))
	for i, s := range r.conv {
		out[i] = Step{Write: bytes.Clone(s.Write), Read: bytes.Clone(s.Read)}
	}
	return out
}

// ErrMismatch reports a host that wrote other bytes than the recording.
var ErrMismatch = errors.New("transporttest: the host wrote other bytes than the recording")

// Playback is a Conn that plays the printer's side of a recorded
// conversation: each write must be what the host wrote in the recording,
// and reads get the recorded answers in order. A read the recording has no
// answer for times out at once, as a printer with nothing to say would
// after its deadline. Check Done at the end.
type Playback struct {
	name string

	mu     sync.Mutex
	conv   Conversation
	step   int   // the step in progress
	off    int   // bytes of it already written or read
	err    error // the first mismatch; later writes get it too
	closed bool
}

// NewPlayback plays conv under the name name.
func NewPlayback(name string, conv Conversation) *Playback {
	return &Playback{name: name, conv: conv}
}

func (p *Playback) Name() string { return p.name }

// SetReadDeadline and SetWriteDeadline are accepted and ignored: playback
// never blocks.
func (p *Playback) SetReadDeadline(time.Time) error  { return nil }
func (p *Playback) SetWriteDeadline(time.Time) error { return nil }

func (p *Playback) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return 0, fmt.Errorf("%s: write: %w", p.name, transport.ErrClosed)
	}
	if p.err != nil {
		return 0, p.err
	}
	n := 0
	for n < len(b) {
		if p.step >= len(p.conv) || p.conv[p.step].Write == nil {
			p.err = fmt.Errorf("%s: %w: step %d expects %s, the host wrote % x", p.name, ErrMismatch, p.step, p.expecting(), b[n:min(len(b), n+16)])
			return n, p.err
		}
		want := p.conv[p.step].Write[p.off:]
		k := min(len(want), len(b)-n)
		for i := range k {
			if b[n+i] != want[i] {
				p.err = fmt.Errorf("%s: %w: step %d byte %d: want %#02x, got %#02x", p.name, ErrMismatch, p.step, p.off+i, want[i], b[n+i])
				return n + i, p.err
			}
		}
		n += k
		p.advance(k)
	}
	return n, nil
}

func (p *Playback) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return 0, fmt.Errorf("%s: read: %w", p.name, transport.ErrClosed)
	}
	if p.step >= len(p.conv) || p.conv[p.step].Read == nil {
		return 0, fmt.Errorf("%s: read: nothing recorded to answer: %w", p.name, transport.ErrTimeout)
	}
	n := copy(b, p.conv[p.step].Read[p.off:])
	p.advance(n)
	return n, nil
}

func (p *Playback) advance(n int) {
	p.off += n
	s := p.conv[p.step]
	if p.off == len(s.Write)+len(s.Read) {
		p.step, p.off = p.step+1, 0
	}
}

// expecting describes the step in progress, for mismatch messages.
func (p *Playback) expecting() string {
	if p.step >= len(p.conv) {
		return "the end of the conversation"
	}
	return "a read of " + strconv.Itoa(len(p.conv[p.step].Read)-p.off) + " bytes"
}

func (p *Playback) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	return nil
}

// Done reports a mismatch, or a conversation the host did not finish.
func (p *Playback) Done() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	if p.step < len(p.conv) {
		return fmt.Errorf("%s: the host stopped at step %d of %d", p.name, p.step, len(p.conv))
	}
	return nil
}
