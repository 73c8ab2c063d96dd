package virtual_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/virtual"
)

var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")

// safety bounds every wait; tests wait on conditions, never sleep.
const safety = 10 * time.Second

func newDevice(t testing.TB, opt virtual.Options) *virtual.Device {
	t.Helper()
	if opt.Profile == nil {
		p, err := printers.Lookup("TM-T88V")
		require.NoError(t, err)
		opt.Profile = p
	}
	d, err := virtual.New(opt)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, d.Close()) })
	return d
}

func ctxSafety(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), safety)
	t.Cleanup(cancel)
	return ctx
}

// hostLink is the host's end of a link: a TCP connection, a pty's slave or
// an in-memory Conn.
type hostLink interface {
	io.ReadWriteCloser
	SetDeadline(time.Time) error
}

type virtualConn interface {
	io.ReadWriteCloser
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

type connDeadline struct{ virtualConn }

func (c connDeadline) SetDeadline(t time.Time) error {
	return errors.Join(c.SetReadDeadline(t), c.SetWriteDeadline(t))
}

func listen(t testing.TB, d *virtual.Device) string {
	t.Helper()
	addr, err := d.ListenTCP(context.Background(), "127.0.0.1:0")
	require.NoError(t, err)
	return addr.String()
}

func dialTCP(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

func openPTY(t testing.TB, d *virtual.Device) *os.File {
	t.Helper()
	path, err := d.OpenPTY()
	require.NoError(t, err)
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	return f
}

var kinds = []string{"tcp", "pty"}

func connect(t testing.TB, d *virtual.Device, kind string) hostLink {
	t.Helper()
	switch kind {
	case "tcp":
		return dialTCP(t, listen(t, d))
	case "pty":
		return openPTY(t, d)
	case "conn":
		c := d.Conn("test")
		t.Cleanup(func() { c.Close() })
		return connDeadline{c}
	}
	t.Fatalf("no link kind %q", kind)
	return nil
}

// send writes b within the safety deadline.
func send(t testing.TB, rw hostLink, b []byte) {
	t.Helper()
	require.NoError(t, rw.SetDeadline(time.Now().Add(safety)))
	_, err := rw.Write(b)
	require.NoError(t, err)
}

// recv reads exactly n bytes within the safety deadline.
func recv(t testing.TB, rw hostLink, n int) []byte {
	t.Helper()
	require.NoError(t, rw.SetDeadline(time.Now().Add(safety)))
	buf := make([]byte, n)
	_, err := io.ReadFull(rw, buf)
	require.NoError(t, err)
	return buf
}

// ask writes req and reads exactly n answer bytes.
func ask(t testing.TB, rw hostLink, req []byte, n int) []byte {
	t.Helper()
	send(t, rw, req)
	return recv(t, rw, n)
}

func dleEOT(n byte) []byte { return []byte{0x10, 0x04, n} }

var gsr1 = []byte{0x1D, 'r', 1}

// TestStatusBytes checks each fault against the bits the Epson ESC/POS
// reference gives for DLE EOT 1 (printer: offline bit 3), 2 (offline cause:
// cover bit 2, paper-end stop bit 5, error bit 6), 3 (error cause:
// autocutter bit 3) and 4 (roll sensor: near end bits 2–3, end bits 5–6),
// and for GS r 1 (near end bits 0–1, end bits 2–3), over real TCP and a real
// pty. Bits 1 and 4 of every DLE EOT answer are fixed on.
func TestStatusBytes(t *testing.T) {
	tests := []struct {
		name   string
		faults []virtual.Fault
		eot    [4]byte
		held   bool // printing stops: GS r waits for recovery
		gsr1   byte // with the faults that do not stop printing
	}{
		{"none", nil, [4]byte{0x12, 0x12, 0x12, 0x12}, false, 0x00},
		// Paper end implies near end: one sensor model (issue 23 item 11).
		{"paper-end", []virtual.Fault{virtual.PaperEnd}, [4]byte{0x1A, 0x32, 0x12, 0x7E}, true, 0x00},
		{"paper-near-end", []virtual.Fault{virtual.PaperNearEnd}, [4]byte{0x12, 0x12, 0x12, 0x1E}, false, 0x03},
		{"paper-end+near-end", []virtual.Fault{virtual.PaperNearEnd, virtual.PaperEnd}, [4]byte{0x1A, 0x32, 0x12, 0x7E}, true, 0x03},
		{"cover-open", []virtual.Fault{virtual.CoverOpen}, [4]byte{0x1A, 0x16, 0x12, 0x12}, true, 0x00},
		{"offline", []virtual.Fault{virtual.Offline}, [4]byte{0x1A, 0x12, 0x12, 0x12}, true, 0x00},
		{"autocutter-error", []virtual.Fault{virtual.AutocutterError}, [4]byte{0x1A, 0x52, 0x1A, 0x12}, true, 0x00},
		{"cover-open+offline", []virtual.Fault{virtual.CoverOpen, virtual.Offline}, [4]byte{0x1A, 0x16, 0x12, 0x12}, true, 0x00},
	}
	for _, kind := range kinds {
		for _, tt := range tests {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				d := newDevice(t, virtual.Options{})
				c := connect(t, d, kind)
				for _, f := range tt.faults {
					d.SetFault(f, true)
				}
				for n := byte(1); n <= 4; n++ {
					assert.Equal(t, []byte{tt.eot[n-1]}, ask(t, c, dleEOT(n), 1), "DLE EOT %d", n)
				}
				st := d.Status()
				assert.Equal(t, tt.eot, st.Realtime)
				assert.Equal(t, !tt.held, st.Online)
				if !tt.held {
					assert.Equal(t, []byte{tt.gsr1}, ask(t, c, gsr1, 1), "GS r 1")
					return
				}
				// GS r waits in the buffer; DLE EOT overtakes it.
				assert.Equal(t, []byte{tt.eot[0]}, ask(t, c, append(append([]byte{}, gsr1...), dleEOT(1)...), 1),
					"DLE EOT answered while GS r waits")
				for _, f := range tt.faults {
					if f != virtual.PaperNearEnd {
						d.SetFault(f, false)
					}
				}
				assert.Equal(t, []byte{tt.gsr1}, recv(t, c, 1), "GS r 1 once printing resumed")
			})
		}
	}
}

// TestASBPacket: GS a sends the 4-byte Automatic Status Back packet at once
// and on each change, laid out as Epson documents it: byte 1 offline bit 3,
// cover open bit 5, fixed bit 4; byte 2 autocutter error bit 3; byte 3 paper
// near end bits 0–1, paper end bits 2–3.
func TestASBPacket(t *testing.T) {
	tests := []struct {
		name    string
		faults  []virtual.Fault
		packets [][4]byte // after each fault
	}{
		{"paper-end", []virtual.Fault{virtual.PaperEnd}, [][4]byte{{0x18, 0, 0x0F, 0}}}, // end implies near end
		{"paper-near-end", []virtual.Fault{virtual.PaperNearEnd}, [][4]byte{{0x10, 0, 0x03, 0}}},
		{"near-end, then end", []virtual.Fault{virtual.PaperNearEnd, virtual.PaperEnd}, [][4]byte{{0x10, 0, 0x03, 0}, {0x18, 0, 0x0F, 0}}},
		{"cover-open", []virtual.Fault{virtual.CoverOpen}, [][4]byte{{0x38, 0, 0, 0}}},
		{"offline", []virtual.Fault{virtual.Offline}, [][4]byte{{0x18, 0, 0, 0}}},
		{"autocutter-error", []virtual.Fault{virtual.AutocutterError}, [][4]byte{{0x18, 0x08, 0, 0}}},
	}
	for _, kind := range kinds {
		for _, tt := range tests {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				d := newDevice(t, virtual.Options{})
				c := connect(t, d, kind)
				assert.Equal(t, []byte{0x10, 0, 0, 0}, ask(t, c, []byte{0x1D, 'a', 0x0F}, 4), "at once")
				assert.Equal(t, uint8(0x0F), d.Status().ASB)
				for i, f := range tt.faults {
					d.SetFault(f, true)
					assert.Equal(t, tt.packets[i][:], recv(t, c, 4), "after %v", f)
				}
			})
		}
	}
}

// TestASBEvents: after the first packet, GS a n sends one only on changes
// of the events n selects (bit 0 drawer, 1 online/offline, 2 error, 3
// paper).
func TestASBEvents(t *testing.T) {
	tests := []struct {
		mask  byte
		fault virtual.Fault
		sent  bool
	}{
		{0x08, virtual.PaperNearEnd, true},
		{0x08, virtual.PaperEnd, true},
		{0x08, virtual.CoverOpen, false},
		{0x02, virtual.CoverOpen, true},
		{0x02, virtual.Offline, true},
		{0x02, virtual.PaperNearEnd, false},
		{0x04, virtual.AutocutterError, true},
		{0x04, virtual.Offline, false},
		{0x01, virtual.PaperEnd, false},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String()+"/"+strconv.Itoa(int(tt.mask)), func(t *testing.T) {
			d := newDevice(t, virtual.Options{})
			c := connect(t, d, "tcp")
			assert.Equal(t, []byte{0x10, 0, 0, 0}, ask(t, c, []byte{0x1D, 'a', tt.mask}, 4))
			d.SetFault(tt.fault, true)
			// The fault's packet, if any, is queued before the answer to a
			// later DLE EOT: the first byte tells which came (bit 1 is on
			// in a DLE EOT answer, off in an ASB packet).
			first := ask(t, c, dleEOT(1), 1)[0]
			if !tt.sent {
				assert.Equal(t, d.Status().Realtime[0], first, "no ASB packet")
				return
			}
			assert.Equal(t, byte(0x10), first&0x93, "an ASB packet's first byte")
			rest := recv(t, c, 4)
			assert.Equal(t, d.Status().Realtime[0], rest[3])
		})
	}
	t.Run("off", func(t *testing.T) {
		d := newDevice(t, virtual.Options{})
		c := connect(t, d, "tcp")
		assert.Equal(t, []byte{0x10, 0, 0, 0}, ask(t, c, []byte{0x1D, 'a', 0x0F}, 4))
		assert.Equal(t, []byte{0x00}, ask(t, c, []byte{0x1D, 'a', 0, 0x1D, 'r', 1}, 1), "GS a 0: no packet")
		d.SetFault(virtual.CoverOpen, true)
		assert.Equal(t, []byte{0x1A}, ask(t, c, dleEOT(1), 1))
		assert.Zero(t, d.Status().ASB)
	})
}

func TestPrinterID(t *testing.T) {
	tests := []struct {
		model string
		n     byte
		want  string // "": no answer
	}{
		{"TM-T88V", 1, "\x20"},
		{"TM-T88V", 49, "\x20"},
		{"TM-T88V", 2, "\x02"},
		{"TM-T88V", 3, "\x40"},
		{"TM-T88V", 65, "_1.00 virtual\x00"},
		{"TM-T88V", 66, "_Epson\x00"},
		{"TM-T88V", 67, "_TM-T88V\x00"},
		{"TM-T88V", 68, "_0000000001\x00"},
		{"TM-T88V", 69, "_CP437\x00"},
		{"TM-T88V", 4, ""},
		{"ZJ-5870", 2, "\x00"}, // no autocutter
		{"ZJ-5870", 67, "_ZJ-5870 Thermal Receipt Printer\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.model+"/"+strconv.Itoa(int(tt.n)), func(t *testing.T) {
			p, err := printers.Lookup(tt.model)
			require.NoError(t, err)
			d := newDevice(t, virtual.Options{Profile: p})
			c := connect(t, d, "tcp")
			// GS r 1 behind it: its answer comes next when GS I has none.
			got := ask(t, c, []byte{0x1D, 'I', tt.n, 0x1D, 'r', 1}, len(tt.want)+1)
			assert.Equal(t, tt.want+"\x00", string(got))
		})
	}
}

// TestBackPressure: when the buffer is full the device stops reading, so a
// large write blocks; the byte counts show how far it got.
func TestBackPressure(t *testing.T) {
	const size = 1024
	line := append(bytes.Repeat([]byte{'x'}, 1023), '\n')
	tests := []struct {
		name  string
		kind  string
		fault virtual.Fault
		speed int
		job   int // bytes, far beyond the kernel's socket or tty buffers
	}{
		{"tcp/offline", "tcp", virtual.Offline, 0, 8 << 20},
		{"tcp/slow", "tcp", 0, 2000, 8 << 20},
		{"pty/offline", "pty", virtual.Offline, 0, 1 << 20},
		{"pty/slow", "pty", 0, 2000, 1 << 20},
		{"conn/offline", "conn", virtual.Offline, 0, 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDevice(t, virtual.Options{BufferSize: size, Speed: tt.speed})
			if tt.fault != 0 {
				d.SetFault(tt.fault, true)
			}
			c := connect(t, d, tt.kind)
			job := bytes.Repeat(line, tt.job/len(line))
			written := make(chan error, 1)
			go func() {
				_, err := c.Write(job)
				written <- err
			}()
			ctx := ctxSafety(t)
			require.NoError(t, d.Wait(ctx, func(s virtual.State) bool { return s.Waiting == 1 }))
			st := d.Status()
			assert.LessOrEqual(t, st.Buffered, size)
			assert.LessOrEqual(t, st.Received-st.Processed, int64(size+1), "the buffer and the one byte that did not fit")
			assert.Less(t, st.Received, int64(len(job)))
			select {
			case err := <-written:
				t.Fatalf("the write finished (%v): no back-pressure", err)
			default:
			}
			if tt.fault == 0 {
				return // Close ends the slow print and the blocked write
			}
			d.SetFault(tt.fault, false)
			select {
			case err := <-written:
				require.NoError(t, err)
			case <-ctx.Done():
				t.Fatal("the write did not finish after recovery")
			}
			assert.Equal(t, []byte{0x00}, ask(t, c, gsr1, 1))
			st = d.Status()
			assert.Equal(t, int64(len(job)+len(gsr1)), st.Received)
			assert.Equal(t, int64(len(job)+len(gsr1)), st.Processed)
		})
	}
}

// TestRealtimeWithFullBuffer: a full buffer and a stopped printer still
// answer DLE EOT, on TCP and on a pty.
func TestRealtimeWithFullBuffer(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			d := newDevice(t, virtual.Options{BufferSize: 64})
			d.SetFault(virtual.PaperEnd, true)
			c := connect(t, d, kind)
			send(t, c, append(bytes.Repeat([]byte{'x'}, 63), '\n'))
			require.NoError(t, d.Wait(ctxSafety(t), func(s virtual.State) bool { return s.Buffered == 64 }))
			assert.Equal(t, []byte{0x7E}, ask(t, c, dleEOT(4), 1))
			assert.Equal(t, []byte{0x32}, ask(t, c, dleEOT(2), 1))
			assert.Equal(t, 64, d.Status().Buffered)
			d.SetFault(virtual.PaperEnd, false)
			assert.Equal(t, []byte{0x00}, ask(t, c, gsr1, 1))
		})
	}
}

// TestFaultHoldsPrinting: the job waits in the buffer while the fault lasts
// and prints on recovery; GS r confirms it only then.
func TestFaultHoldsPrinting(t *testing.T) {
	job := []byte("\x1b@held\n\x1dVA\x00")
	for _, f := range []virtual.Fault{virtual.PaperEnd, virtual.CoverOpen, virtual.Offline, virtual.AutocutterError} {
		t.Run(f.String(), func(t *testing.T) {
			d := newDevice(t, virtual.Options{})
			d.SetFault(f, true)
			c := connect(t, d, "tcp")
			in := append(append([]byte{}, job...), gsr1...)
			send(t, c, in)
			require.NoError(t, d.Wait(ctxSafety(t), func(s virtual.State) bool { return s.Buffered == len(in) }))
			assert.Equal(t, []byte{0x1A}, ask(t, c, dleEOT(1), 1), "offline, and answering")
			st := d.Status()
			assert.Zero(t, st.Processed)
			assert.Zero(t, st.Tickets)
			d.SetFault(f, false)
			assert.Equal(t, []byte{0x00}, recv(t, c, 1), "GS r answers after the job printed")
			tk := d.Tickets()
			require.Len(t, tk, 1)
			assert.Equal(t, job, tk[0].Raw)
		})
	}
}

// TestDLEENQ: DLE ENQ 1 recovers from an autocutter error and printing goes
// on; DLE ENQ 2 also clears the buffer; without an error both are ignored.
func TestDLEENQ(t *testing.T) {
	job := []byte("\x1b@cut jam\n\x1dVA\x00")
	tests := []struct {
		n       byte
		fault   bool
		tickets int
	}{
		{1, true, 1},
		{2, true, 0},
		{1, false, 1},
		{2, false, 1},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(int(tt.n))+"/"+map[bool]string{true: "error", false: "no-error"}[tt.fault], func(t *testing.T) {
			d := newDevice(t, virtual.Options{})
			c := connect(t, d, "tcp")
			if tt.fault {
				d.SetFault(virtual.AutocutterError, true)
			}
			send(t, c, job)
			require.NoError(t, d.Wait(ctxSafety(t), func(s virtual.State) bool { return s.Received == int64(len(job)) }))
			send(t, c, []byte{0x10, 0x05, tt.n})
			assert.Equal(t, []byte{0x12}, ask(t, c, dleEOT(1), 1), "recovered")
			assert.Equal(t, []byte{0x00}, ask(t, c, gsr1, 1))
			assert.Len(t, d.Tickets(), tt.tickets)
		})
	}
}

// TestTicketStart: the hook fires once per ticket, at its first data byte;
// status traffic alone starts nothing.
func TestTicketStart(t *testing.T) {
	d := newDevice(t, virtual.Options{})
	starts := make(chan time.Time, 10)
	d.OnTicketStart(func(at time.Time) { starts <- at })
	c := connect(t, d, "tcp")
	before := time.Now()
	send(t, c, []byte("\x10\x04\x01\x1dr\x01")) // status only
	assert.Equal(t, []byte{0x12, 0x00}, ask(t, c, nil, 2))
	assert.Empty(t, starts)
	send(t, c, []byte("\x1b@Eins\n\x1dV\x07\x1dV\x01Zwei\n\x1dVA\x03"))
	send(t, c, gsr1)
	assert.Equal(t, []byte{0x00}, ask(t, c, nil, 1))
	assert.Len(t, d.Tickets(), 2)
	for i := 0; i < 2; i++ {
		select {
		case at := <-starts:
			assert.False(t, at.Before(before))
		case <-time.After(safety):
			t.Fatalf("ticket %d: no start", i+1)
		}
	}
	assert.Empty(t, starts, "the unknown cut mode (7) does not end the first ticket")
}

// TestTicketsAndFiles: every cut ends a ticket, counted exactly; status
// traffic is not part of a ticket; files are numbered on after earlier runs.
func TestTicketsAndFiles(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "0007.bin"), nil, 0o644))
	d := newDevice(t, virtual.Options{OutDir: dir})
	got := make(chan virtual.Ticket, 10)
	d.OnTicket(func(tk virtual.Ticket) { got <- tk })
	c := connect(t, d, "tcp")
	parts := []struct {
		raw    string
		status string // status traffic sent after it
		cuts   bool
		text   string // the ticket's text when it cuts, if checked
	}{
		{"\x1b@Hallo\n\x1dVA\x03", "\x10\x04\x01", true, "Hallo\n--- cut (full) ---\n"},
		{"Zwei\n\x1dV\x01", "\x1dI\x43\x1dr\x01", true, "Zwei\n--- cut (partial) ---\n"},
		{"Drei\n\x1bt\xc8", "\x1da\x00", false, ""}, // ESC t 200: a problem, logged with its offset
		{"\x1dV\x07", "", false, ""},                // no such cut mode: not a cut
		{"Vier\n\x1bi", "\x10\x05\x01\x10\x14\x01\x00\x01", true, ""},
		{"Fuenf\n\x1bm", "", true, "Fuenf\n--- cut (partial) ---\n"},
	}
	var in, cur []byte
	var want [][]byte
	texts := map[int]string{}
	for _, p := range parts {
		in = append(append(in, p.raw...), p.status...)
		cur = append(cur, p.raw...)
		if p.cuts {
			want = append(want, cur)
			cur = nil
			if p.text != "" {
				texts[len(want)] = p.text
			}
		}
	}
	send(t, c, append(in, gsr1...))
	// Answers: DLE EOT 1, GS I 67, GS r 1 (part 2), GS r 1 (the end).
	assert.Equal(t, "\x12_TM-T88V\x00\x00\x00", string(recv(t, c, 12)))

	tickets := d.Tickets()
	require.Len(t, tickets, len(want))
	for i, tk := range tickets {
		assert.Equal(t, i+1, tk.Seq)
		assert.True(t, tk.Cut)
		assert.Equal(t, string(want[i]), string(tk.Raw), "ticket %d", i+1)
		assert.Equal(t, tk, <-got, "OnTicket in order")
		bin, err := os.ReadFile(d.File(tk.Seq, ".bin"))
		require.NoError(t, err)
		assert.Equal(t, tk.Raw, bin)
		txt, err := os.ReadFile(d.File(tk.Seq, ".txt"))
		require.NoError(t, err)
		assert.Equal(t, tk.Paper.Text(), string(txt))
		if want, ok := texts[tk.Seq]; ok {
			assert.Equal(t, want, string(txt))
		}
		assert.FileExists(t, d.File(tk.Seq, ".png"))
	}
	assert.Equal(t, filepath.Join(dir, "0008.bin"), d.File(1, ".bin"))
	d.SetFault(virtual.PaperNearEnd, true)
	log, err := os.ReadFile(filepath.Join(dir, "status.log"))
	require.NoError(t, err)
	for _, line := range []string{": connected\n", ": DLE EOT 1 -> 12\n", ": GS I 67 -> 5f544d2d5438385600\n",
		": GS r 1 -> 00\n", ": GS a 0: ASB off\n", ": DLE ENQ 1: ignored\n", ": DLE DC4 1: drawer pulse on pin 2, 100 ms\n",
		" -: ticket 1 cut, 12 bytes, 0 problems\n", " -: fault paper-near-end on\n",
		" -: ticket 3 cut, 18 bytes, 2 problems\n", " -: ticket 3 problem: offset 5: ESC t: slot 200 not in the printer's code page table: invalid argument\n",
		" -: ticket 3 problem: offset 8: GS V: cut mode 7: invalid argument\n"} {
		assert.Contains(t, string(log), line)
	}
}

// TestTearOff: paper left uncut when its host hangs up is torn off as a
// ticket; a host that only asked for status tears nothing.
func TestTearOff(t *testing.T) {
	t.Run("hang-up", func(t *testing.T) {
		d := newDevice(t, virtual.Options{})
		addr := listen(t, d)
		c := dialTCP(t, addr)
		send(t, c, []byte("\x1b@no cut\n"))
		require.NoError(t, c.Close())
		require.NoError(t, d.WaitTickets(ctxSafety(t), 1))
		tk := d.Tickets()[0]
		assert.False(t, tk.Cut)
		assert.Equal(t, []string{"no cut"}, tk.Paper.Lines())
		// Nothing printed, nothing torn.
		c = dialTCP(t, addr)
		assert.Equal(t, []byte{0x12}, ask(t, c, dleEOT(1), 1))
		send(t, c, []byte("\x1b@"))
		require.NoError(t, c.Close())
		require.NoError(t, d.Wait(ctxSafety(t), func(s virtual.State) bool { return s.Links == 0 && s.Processed == 11 }))
		assert.Len(t, d.Tickets(), 1)
	})
	t.Run("status-only host", func(t *testing.T) {
		d := newDevice(t, virtual.Options{SwitchIdle: -1})
		p := connect(t, d, "pty")
		send(t, p, []byte("open\n"))
		require.NoError(t, d.Wait(ctxSafety(t), func(s virtual.State) bool { return s.Processed == 5 }))
		c := dialTCP(t, listen(t, d))
		assert.Equal(t, []byte{0x12}, ask(t, c, dleEOT(1), 1), "answered while the pty owns the buffer")
		require.NoError(t, c.Close())
		require.NoError(t, d.Wait(ctxSafety(t), func(s virtual.State) bool { return s.Links == 1 }))
		assert.Equal(t, []byte{0}, ask(t, p, []byte("more\n\x1dVA\x00\x1dr\x01"), 1))
		tk := d.Tickets()
		require.Len(t, tk, 1)
		assert.Equal(t, []string{"open", "more"}, tk[0].Paper.Lines())
	})
}

// TestOneLinkAtATime: a second TCP client waits until the first hangs up;
// a TCP job waits while a pty host has a ticket open, unless that host went
// quiet for SwitchIdle.
func TestOneLinkAtATime(t *testing.T) {
	t.Run("tcp clients", func(t *testing.T) {
		d := newDevice(t, virtual.Options{})
		addr := listen(t, d)
		a := dialTCP(t, addr)
		send(t, a, []byte("A1\n"))
		require.NoError(t, d.Wait(ctxSafety(t), func(s virtual.State) bool { return s.Processed == 3 }))
		b := dialTCP(t, addr)
		send(t, b, []byte("B\n\x1dVA\x00\x1dr\x01"))
		assert.Equal(t, []byte{0}, ask(t, a, []byte("A2\n\x1dVA\x00\x1dr\x01"), 1))
		require.NoError(t, a.Close())
		assert.Equal(t, []byte{0}, recv(t, b, 1), "served once the first hung up")
		tk := d.Tickets()
		require.Len(t, tk, 2)
		assert.Equal(t, "A1\nA2\n\x1dVA\x00", string(tk[0].Raw))
		assert.Equal(t, "B\n\x1dVA\x00", string(tk[1].Raw))
	})
	t.Run("pty then tcp", func(t *testing.T) {
		d := newDevice(t, virtual.Options{SwitchIdle: -1})
		p := connect(t, d, "pty")
		send(t, p, []byte("P1\n"))
		require.NoError(t, d.Wait(ctxSafety(t), func(s virtual.State) bool { return s.Processed == 3 }))
		c := dialTCP(t, listen(t, d))
		send(t, c, []byte("T\n\x1dVA\x00\x1dr\x01"))
		require.NoError(t, d.Wait(ctxSafety(t), func(s virtual.State) bool { return s.Waiting == 1 }))
		assert.Equal(t, []byte{0}, ask(t, p, []byte("P2\n\x1dVA\x00\x1dr\x01"), 1))
		assert.Equal(t, []byte{0}, recv(t, c, 1))
		tk := d.Tickets()
		require.Len(t, tk, 2)
		assert.Equal(t, "P1\nP2\n\x1dVA\x00", string(tk[0].Raw))
		assert.Equal(t, "T\n\x1dVA\x00", string(tk[1].Raw))
	})
	t.Run("idle pty", func(t *testing.T) {
		d := newDevice(t, virtual.Options{SwitchIdle: time.Millisecond})
		p := connect(t, d, "pty")
		send(t, p, []byte("P1\n"))
		require.NoError(t, d.Wait(ctxSafety(t), func(s virtual.State) bool { return s.Processed == 3 }))
		c := dialTCP(t, listen(t, d))
		assert.Equal(t, []byte{0}, ask(t, c, []byte("T\n\x1dVA\x00\x1dr\x01"), 1))
		tk := d.Tickets()
		require.Len(t, tk, 1)
		assert.Equal(t, "P1\nT\n\x1dVA\x00", string(tk[0].Raw), "the paper the pty left goes out with the next cut")
	})
}

func TestDropAfter(t *testing.T) {
	job := bytes.Repeat([]byte("line 0123456789\n"), 64)
	for _, n := range []int{0, 5, 100, 1000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			d := newDevice(t, virtual.Options{})
			c := dialTCP(t, listen(t, d))
			d.DropAfter(n)
			send(t, c, job)
			require.NoError(t, c.SetReadDeadline(time.Now().Add(safety)))
			_, err := c.Read(make([]byte, 1))
			assert.True(t, errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET), "the printer hung up: %v", err)
			require.NoError(t, d.Wait(ctxSafety(t), func(s virtual.State) bool { return s.Links == 0 }))
			assert.Equal(t, int64(n), d.Status().Received, "exactly n bytes arrived")
			if n == 0 {
				assert.Empty(t, d.Tickets())
				return
			}
			require.NoError(t, d.WaitTickets(ctxSafety(t), 1), "the part that arrived is torn off")
			tk := d.Tickets()
			require.Len(t, tk, 1)
			assert.False(t, tk[0].Cut)
			assert.Equal(t, job[:n], tk[0].Raw)
		})
	}
}

func TestStall(t *testing.T) {
	d := newDevice(t, virtual.Options{})
	c := dialTCP(t, listen(t, d))
	assert.Equal(t, []byte{0x12}, ask(t, c, dleEOT(1), 1))
	d.Stall(true)
	send(t, c, dleEOT(1))
	require.NoError(t, c.SetReadDeadline(time.Now().Add(100*time.Millisecond)))
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout(), "a stalled printer does not answer")
	st := d.Status()
	assert.True(t, st.Stalled)
	assert.False(t, st.Online)
	d.Stall(false)
	assert.Equal(t, []byte{0x12}, recv(t, c, 1), "answers once it runs again")
}

func TestWrongStatus(t *testing.T) {
	d := newDevice(t, virtual.Options{})
	c := connect(t, d, "tcp")
	d.WrongStatus(0xFF, true)
	assert.Equal(t, []byte{0xFF, 0xFF}, ask(t, c, append(dleEOT(1), dleEOT(2)...), 2), "until cleared")
	d.WrongStatus(0, false)
	assert.Equal(t, []byte{0x12}, ask(t, c, dleEOT(1), 1))
	d.WrongStatusOnce(0x00)
	assert.Equal(t, []byte{0x00, 0x12}, ask(t, c, append(dleEOT(1), dleEOT(1)...), 2), "once")
}

// TestXonXoff: a pty gets XOFF when the buffer fills past the high mark and
// XON once it drained below the low one; TCP never gets either.
func TestXonXoff(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			d := newDevice(t, virtual.Options{BufferSize: 64, XonXoff: true, XoffAt: 48, XonAt: 8})
			c := connect(t, d, kind)
			d.SetFault(virtual.Offline, true)
			send(t, c, bytes.Repeat([]byte("abcdefg\n"), 7)) // 56 bytes
			require.NoError(t, d.Wait(ctxSafety(t), func(s virtual.State) bool { return s.Buffered == 56 }))
			if kind == "tcp" {
				assert.Equal(t, []byte{0x1A}, ask(t, c, dleEOT(1), 1), "no XOFF on TCP")
				return
			}
			assert.Equal(t, []byte{0x13}, recv(t, c, 1), "XOFF")
			d.SetFault(virtual.Offline, false)
			assert.Equal(t, []byte{0x11}, recv(t, c, 1), "XON once drained")
		})
	}
}

func TestConn(t *testing.T) {
	d := newDevice(t, virtual.Options{})
	c := d.Conn("mem")
	defer c.Close()
	assert.Equal(t, "mem", c.Name())
	cd := connDeadline{c}
	assert.Equal(t, []byte{0x12}, ask(t, cd, dleEOT(1), 1))
	assert.Equal(t, []byte{0x00}, ask(t, cd, []byte("\x1b@mem\n\x1dVA\x00\x1dr\x01"), 1))
	require.Len(t, d.Tickets(), 1)
}

func TestOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  virtual.Options
	}{
		{"buffer", virtual.Options{BufferSize: -1}},
		{"speed", virtual.Options{Speed: -1}},
		{"xoff above buffer", virtual.Options{BufferSize: 64, XoffAt: 65}},
		{"xon above xoff", virtual.Options{XoffAt: 100, XonAt: 100}},
		{"out dir", virtual.Options{OutDir: "/dev/null/x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := virtual.New(tt.opt)
			assert.Error(t, err)
		})
	}
}

// TestCloseUnblocks: Close ends blocked writers and waiters.
func TestCloseUnblocks(t *testing.T) {
	d, err := virtual.New(virtual.Options{BufferSize: 16})
	require.NoError(t, err)
	d.SetFault(virtual.PaperEnd, true)
	c := dialTCP(t, listen(t, d))
	m := d.Conn("mem")
	written := make(chan error, 2)
	for _, w := range []io.Writer{c, m} {
		go func() {
			_, err := w.Write(bytes.Repeat([]byte("x\n"), 8<<20))
			written <- err
		}()
	}
	require.NoError(t, d.Wait(ctxSafety(t), func(s virtual.State) bool { return s.Waiting >= 1 }))
	waited := make(chan error, 1)
	go func() { waited <- d.WaitTickets(context.Background(), 1) }()
	require.NoError(t, d.Close())
	assert.ErrorIs(t, <-waited, virtual.ErrClosed)
	assert.Error(t, <-written)
	assert.Error(t, <-written)
	assert.NoError(t, d.Close(), "twice")
	_, err = d.ListenTCP(context.Background(), "127.0.0.1:0")
	assert.ErrorIs(t, err, virtual.ErrClosed)
}

func TestParseFault(t *testing.T) {
	for f := virtual.PaperEnd; f <= virtual.AutocutterError; f++ {
		got, err := virtual.ParseFault(f.String())
		require.NoError(t, err)
		assert.Equal(t, f, got)
	}
	_, err := virtual.ParseFault("jam")
	assert.Error(t, err)
	assert.Equal(t, "Fault(9)", virtual.Fault(9).String())
	assert.True(t, strings.Contains(err.Error(), "paper-end"))
}

// FuzzDevice feeds arbitrary bytes, with faults on or off: the device never
// panics or hangs, and without a fault that holds printing it reads every
// byte.
func FuzzDevice(f *testing.F) {
	f.Add([]byte("\x1b@Hi\n\x1dVA\x00\x10\x04\x01\x1dr\x01"), byte(0))
	f.Add([]byte{0x1D, 'a', 0xFF, 0x1D, 'I', 67, 0x10, 0x14, 1, 0, 1, 0x10, 0x05, 2}, byte(0x20))
	f.Add([]byte("\x1dv0\x00\xff\xff\xff\xffhalf an image"), byte(0))
	f.Add([]byte("\x1b*\x21\x10\x00abc\x1bi\x1bm\x1dV\x42"), byte(2))
	f.Fuzz(func(t *testing.T, in []byte, faults byte) {
		d, err := virtual.New(virtual.Options{BufferSize: 64})
		if err != nil {
			t.Fatal(err)
		}
		for f := virtual.PaperEnd; f <= virtual.AutocutterError; f++ {
			if faults&(1<<f) != 0 {
				d.SetFault(f, true)
			}
		}
		host := d.Conn("fuzz")
		go io.Copy(io.Discard, host)
		wrote := make(chan struct{})
		go func() {
			defer close(wrote)
			host.Write(in)
			host.Close()
		}()
		if !d.Status().Online {
			// A held printer may never take it all: Close must still end it.
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			<-wrote
			return
		}
		<-wrote
		ctx, cancel := context.WithTimeout(context.Background(), safety)
		defer cancel()
		if err := d.Wait(ctx, func(s virtual.State) bool {
			return s.Links == 0 && s.Buffered == 0 && s.Received == int64(len(in))
		}); err != nil {
			t.Fatal(err)
		}
		st := d.Status()
		if st.Received != int64(len(in)) || st.Processed > st.Received {
			t.Fatalf("received %d, processed %d of %d bytes", st.Received, st.Processed, len(in))
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

// BenchmarkTCPThroughput: bytes per second from a TCP client through the
// receive buffer and the print engine, as text without cuts or as 38 KB
// tickets.
func BenchmarkTCPThroughput(b *testing.B) {
	for _, cut := range []bool{false, true} {
		b.Run(map[bool]string{false: "text", true: "tickets"}[cut], func(b *testing.B) {
			d := newDevice(b, virtual.Options{})
			c := dialTCP(b, listen(b, d))
			chunk := bytes.Repeat([]byte("0123456789 abcdefghijklmnopqrstuvwxyz\n"), 1000)
			if cut {
				chunk = append(chunk, 0x1D, 'V', 'A', 0)
			}
			b.SetBytes(int64(len(chunk)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Write(chunk); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := c.Write(gsr1); err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
				b.Fatal(err)
			}
		})
	}
}
