package virtual

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ControlHelp lists the commands Control takes, one per line.
const ControlHelp = `fault NAME [on|off]   turn a fault on (default) or off: paper-end, paper-near-end, cover-open, offline, autocutter-error
clear [NAME]          clear one fault, or all of them
stall on|off          hang: stop reading, printing and answering / go on
drop-after N          hang up the link that reads next after N more bytes (-1: off)
wrong-status HEX|off  answer every DLE EOT with byte HEX / true answers again
status                show faults, buffer and tickets
help                  this list`

// maxControlLine bounds one control command; longer lines are refused.
const maxControlLine = 256

// ErrControl wraps every refused control command.
var ErrControl = errors.New("virtual: control")

// Control executes one control command (see ControlHelp) and returns what
// to show its operator. Faults changed this way act like faults of the
// printer: a held job prints once they clear.
func (d *Device) Control(line string) (string, error) {
	if len(line) > maxControlLine {
		return "", fmt.Errorf("%w: command of %d bytes (at most %d)", ErrControl, len(line), maxControlLine)
	}
	f := strings.Fields(line)
	if len(f) == 0 {
		return "", nil
	}
	bad := func(format string, args ...any) (string, error) {
		return "", fmt.Errorf("%w: %q: %s", ErrControl, line, fmt.Sprintf(format, args...))
	}
	onOff := func(s string) (bool, bool) {
		switch s {
		case "on", "true", "1":
			return true, true
		case "off", "false", "0":
			return false, true
		}
		return false, false
	}
	switch f[0] {
	case "fault":
		if len(f) < 2 || len(f) > 3 {
			return bad("want: fault NAME [on|off]")
		}
		ft, err := ParseFault(f[1])
		if err != nil {
			return bad("%v", err)
		}
		on := true
		if len(f) == 3 {
			var ok bool
			if on, ok = onOff(f[2]); !ok {
				return bad("want on or off, not %q", f[2])
			}
		}
		d.SetFault(ft, on)
		return d.faultSummary(), nil
	case "clear":
		if len(f) > 2 {
			return bad("want: clear [NAME]")
		}
		if len(f) == 2 {
			ft, err := ParseFault(f[1])
			if err != nil {
				return bad("%v", err)
			}
			d.SetFault(ft, false)
			return d.faultSummary(), nil
		}
		for ft := PaperEnd; ft < faultEnd; ft++ {
			d.SetFault(ft, false)
		}
		return d.faultSummary(), nil
	case "stall":
		on, ok := false, len(f) == 2
		if ok {
			on, ok = onOff(f[1])
		}
		if !ok {
			return bad("want: stall on|off")
		}
		d.Stall(on)
		return "stall " + strconv.FormatBool(on), nil
	case "drop-after":
		if len(f) != 2 {
			return bad("want: drop-after N")
		}
		n, err := strconv.Atoi(f[1])
		if err != nil || n < -1 {
			return bad("N must be a number of bytes, or -1")
		}
		d.DropAfter(n)
		return "drop-after " + strconv.Itoa(n), nil
	case "wrong-status":
		if len(f) != 2 {
			return bad("want: wrong-status HEX|off")
		}
		if f[1] == "off" {
			d.WrongStatus(0, false)
			return "true status answers", nil
		}
		b, err := strconv.ParseUint(strings.TrimPrefix(f[1], "0x"), 16, 8)
		if err != nil {
			return bad("want one byte in hex, e.g. 12")
		}
		d.WrongStatus(byte(b), true)
		return fmt.Sprintf("DLE EOT answers %02x", b), nil
	case "status":
		if len(f) != 1 {
			return bad("status takes no arguments")
		}
		s := d.Status()
		return fmt.Sprintf("%s; online %v; buffered %d bytes; links %d (%d waiting); tickets %d",
			d.faultSummary(), s.Online, s.Buffered, s.Links, s.Waiting, s.Tickets), nil
	case "help":
		return ControlHelp, nil
	}
	return bad("unknown command (try help)")
}

func (d *Device) faultSummary() string {
	fs := d.Faults()
	if len(fs) == 0 {
		return "faults: none"
	}
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.String()
	}
	return "faults: " + strings.Join(names, ", ")
}

// ServeControl reads control commands from r, one per line, until r ends
// or ctx is done, and writes each answer (or "error: …") to w. Lines
// starting with # are comments. It returns nil at the end of r.
func (d *Device) ServeControl(ctx context.Context, r io.Reader, w io.Writer) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, maxControlLine+1), maxControlLine+1)
	for sc.Scan() {
		if ctx.Err() != nil {
			return nil
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out, err := d.Control(line)
		if err != nil {
			out = "error: " + strings.TrimPrefix(err.Error(), "virtual: control: ")
		}
		if _, werr := io.WriteString(w, out+"\n"); werr != nil {
			return fmt.Errorf("virtual: control: %w", werr)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrControl, err)
	}
	return nil
}

// logShutdownLocked says what a shutdown holds and drops: a job held by a
// fault disappears with the process, and the operator should know.
func (d *Device) logShutdownLocked() {
	held := 0
	for l := range d.links {
		for i := l.held.head; i < len(l.held.q); i++ {
			held += len(l.held.q[i].raw)
		}
	}
	buffered := 0
	for i := d.queue.head; i < len(d.queue.q); i++ {
		buffered += len(d.queue.q[i].raw)
	}
	var faults []string
	for f := PaperEnd; f < faultEnd; f++ {
		if d.faults[f] {
			faults = append(faults, f.String())
		}
	}
	if held == 0 && buffered == 0 && len(d.current) == 0 {
		d.event(nil, "shutdown: nothing buffered, nothing dropped")
		return
	}
	msg := "shutdown: dropping " + strconv.Itoa(buffered) + " buffered bytes, " + strconv.Itoa(held) +
		" bytes waiting on links, an uncut ticket of " + strconv.Itoa(len(d.current)) + " bytes"
	if len(faults) > 0 {
		msg += "; held by " + strings.Join(faults, ", ")
	}
	if d.stalled {
		msg += "; stalled"
	}
	d.event(nil, msg)
}
