package virtual_test

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/virtual"
)

var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")

// safety bounds every wait; tests do not sleep to wait for things.
const safety = 10 * time.Second

func newDevice(t *testing.T, opt virtual.Options) *virtual.Device {
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

func dialTCP(t *testing.T, d *virtual.Device) net.Conn {
	t.Helper()
	addr, err := d.ListenTCP(context.Background(), "127.0.0.1:0")
	require.NoError(t, err)
	c, err := net.Dial("tcp", addr.String())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func openPTY(t *testing.T, d *virtual.Device) *os.File {
	t.Helper()
	path, err := d.OpenPTY()
	require.NoError(t, err)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	return f
}

// ask writes req and reads exactly n answer bytes.
func ask(t *testing.T, rw io.ReadWriter, req []byte, n int) []byte {
	t.Helper()
	if dl, ok := rw.(interface{ SetDeadline(time.Time) error }); ok {
		require.NoError(t, dl.SetDeadline(time.Now().Add(safety)))
	}
	_, err := rw.Write(req)
	require.NoError(t, err)
	buf := make([]byte, n)
	_, err = io.ReadFull(rw, buf)
	require.NoError(t, err)
	return buf
}

var dleEOT = [][]byte{{0x10, 0x04, 1}, {0x10, 0x04, 2}, {0x10, 0x04, 3}, {0x10, 0x04, 4}}

// TestStatusBytes checks every fault against the bits Epson documents for
// DLE EOT 1–4 (printer, offline cause, error cause, paper sensor) and GS r 1,
// over a real TCP connection and a real pty.
func TestStatusBytes(t *testing.T) {
	tests := []struct {
		fault virtual.Fault
		eot   [4]byte
		gsr1  byte
	}{
		{0, [4]byte{0x12, 0x12, 0x12, 0x12}, 0x00},
		{virtual.PaperEnd, [4]byte{0x1A, 0x32, 0x12, 0x72}, 0x0C},
		{virtual.PaperNearEnd, [4]byte{0x12, 0x12, 0x12, 0x1E}, 0x03},
		{virtual.CoverOpen, [4]byte{0x1A, 0x16, 0x12, 0x12}, 0x00},
		{virtual.Offline, [4]byte{0x1A, 0x12, 0x12, 0x12}, 0x00},
		{virtual.AutocutterError, [4]byte{0x1A, 0x52, 0x1A, 0x12}, 0x00},
	}
	for _, kind := range []string{"tcp", "pty"} {
		for _, tt := range tests {
			t.Run(kind+"/"+tt.fault.String(), func(t *testing.T) {
				d := newDevice(t, virtual.Options{})
				var rw io.ReadWriter
				if kind == "tcp" {
					rw = dialTCP(t, d)
				} else {
					rw = openPTY(t, d)
				}
				if tt.fault != 0 {
					d.SetFault(tt.fault, true)
				}
				for i, req := range dleEOT {
					assert.Equal(t, []byte{tt.eot[i]}, ask(t, rw, req, 1), "DLE EOT %d", i+1)
				}
				if tt.fault == virtual.PaperNearEnd || tt.fault == 0 {
					// GS r is answered in sequence: only when printing runs.
					assert.Equal(t, []byte{tt.gsr1}, ask(t, rw, []byte{0x1D, 'r', 1}, 1), "GS r 1")
				}
			})
		}
	}
}

func TestPrinterIDAndASB(t *testing.T) {
	d := newDevice(t, virtual.Options{})
	c := dialTCP(t, d)
	assert.Equal(t, []byte("_TM-T88V\x00"), ask(t, c, []byte{0x1D, 'I', 67}, 9))
	assert.Equal(t, []byte{0x02}, ask(t, c, []byte{0x1D, 'I', 2}, 1))
	// Enabling ASB sends the status at once, then on every change.
	assert.Equal(t, []byte{0x10, 0, 0, 0}, ask(t, c, []byte{0x1D, 'a', 0xFF}, 4))
	d.SetFault(virtual.CoverOpen, true)
	got := make([]byte, 4)
	_, err := io.ReadFull(c, got)
	require.NoError(t, err)
	assert.Equal(t, []byte{0x38, 0, 0, 0}, got, "offline + cover open")
	d.SetFault(virtual.CoverOpen, false)
	d.SetFault(virtual.PaperEnd, true)
	got = make([]byte, 8)
	_, err = io.ReadFull(c, got)
	require.NoError(t, err)
	assert.Equal(t, []byte{0x10, 0, 0, 0, 0x18, 0, 0x0C, 0}, got)
}

func TestTicketsSplitOnCutsAndWritten(t *testing.T) {
	dir := t.TempDir()
	d := newDevice(t, virtual.Options{OutDir: dir})
	c := dialTCP(t, d)
	job1 := []byte("\x1b@Hallo\n\x1dVB\x00")
	job2 := []byte("\x1b@Welt\n\x1dVA\x03")
	// Status requests between jobs are not part of any ticket.
	_, err := c.Write(append(append(append([]byte{}, job1...), 0x10, 0x04, 1), job2...))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), safety)
	defer cancel()
	require.NoError(t, d.WaitTickets(ctx, 2))
	tk := d.Tickets()
	assert.Equal(t, job1, tk[0].Raw)
	assert.Equal(t, job2, tk[1].Raw)
	assert.Equal(t, []string{"Hallo"}, tk[0].Paper.Lines())
	for _, f := range []string{"0001.bin", "0001.txt", "0001.png", "0002.bin"} {
		assert.FileExists(t, filepath.Join(dir, f))
	}
	txt, err := os.ReadFile(filepath.Join(dir, "0002.txt"))
	require.NoError(t, err)
	assert.Equal(t, "Welt\n--- cut (full) ---\n", string(txt))
}

func TestTearOffWithoutCut(t *testing.T) {
	d := newDevice(t, virtual.Options{})
	host := d.Pipe("test")
	_, err := host.Write([]byte("\x1b@no cutter\n"))
	require.NoError(t, err)
	require.NoError(t, host.Close())
	ctx, cancel := context.WithTimeout(context.Background(), safety)
	defer cancel()
	require.NoError(t, d.WaitTickets(ctx, 1))
	assert.Equal(t, []string{"no cutter"}, d.Tickets()[0].Paper.Lines())
}

func TestFaultHoldsPrintingUntilRecovery(t *testing.T) {
	d := newDevice(t, virtual.Options{})
	c := dialTCP(t, d)
	d.SetFault(virtual.PaperEnd, true)
	_, err := c.Write([]byte("\x1b@held\n\x1dVA\x00"))
	require.NoError(t, err)
	// The real-time status still answers while the job waits.
	assert.Equal(t, []byte{0x72}, ask(t, c, dleEOT[3], 1))
	assert.Empty(t, d.Tickets())
	d.SetFault(virtual.PaperEnd, false)
	assert.Equal(t, []byte{0x00}, ask(t, c, []byte{0x1D, 'r', 1}, 1), "GS r answers after the job printed")
	assert.Len(t, d.Tickets(), 1)
}

// TestBackPressure: with a full buffer and a stalled print head the device
// stops reading; the sender's writes stop short of the job.
func TestBackPressure(t *testing.T) {
	d := newDevice(t, virtual.Options{BufferSize: 1024})
	c := dialTCP(t, d)
	d.SetFault(virtual.Offline, true)
	job := bytes.Repeat([]byte("x\n"), 4<<20) // 8 MiB, far beyond socket buffers
	require.NoError(t, c.SetWriteDeadline(time.Now().Add(300*time.Millisecond)))
	n, err := c.Write(job)
	require.Error(t, err, "the write deadline fires: the printer stopped reading")
	assert.Less(t, n, len(job))
	// Recovery drains everything that was sent.
	require.NoError(t, c.SetWriteDeadline(time.Time{}))
	d.SetFault(virtual.Offline, false)
	assert.Equal(t, []byte{0x00}, ask(t, c, []byte{0x1D, 'r', 1}, 1))
}

func TestXonXoff(t *testing.T) {
	d := newDevice(t, virtual.Options{BufferSize: 64, XonXoff: true})
	c := dialTCP(t, d)
	d.SetFault(virtual.Offline, true)
	_, err := c.Write(bytes.Repeat([]byte("abcdefg\n"), 7)) // 56 bytes > 3/4 of 64
	require.NoError(t, err)
	assert.Equal(t, []byte{0x13}, ask(t, c, nil, 1), "XOFF")
	d.SetFault(virtual.Offline, false)
	assert.Equal(t, []byte{0x11}, ask(t, c, nil, 1), "XON once drained")
}

func TestDropAfter(t *testing.T) {
	d := newDevice(t, virtual.Options{})
	c := dialTCP(t, d)
	d.DropAfter(5)
	_, err := c.Write([]byte("\x1b@Hello world\n"))
	require.NoError(t, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(safety)))
	_, err = c.Read(make([]byte, 1))
	assert.ErrorIs(t, err, io.EOF, "the printer hung up")
}

func TestStall(t *testing.T) {
	d := newDevice(t, virtual.Options{})
	c := dialTCP(t, d)
	assert.Equal(t, []byte{0x12}, ask(t, c, dleEOT[0], 1))
	d.Stall(true)
	_, err := c.Write(dleEOT[0])
	require.NoError(t, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(200*time.Millisecond)))
	_, err = c.Read(make([]byte, 1))
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout(), "a stalled printer does not answer")
	d.Stall(false)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(safety)))
	b := make([]byte, 1)
	_, err = io.ReadFull(c, b)
	require.NoError(t, err)
	assert.Equal(t, []byte{0x12}, b, "answers once it runs again")
}

func TestWrongStatus(t *testing.T) {
	d := newDevice(t, virtual.Options{})
	c := dialTCP(t, d)
	d.WrongStatus(0xFF, true)
	assert.Equal(t, []byte{0xFF}, ask(t, c, dleEOT[0], 1))
	d.WrongStatus(0, false)
	assert.Equal(t, []byte{0x12}, ask(t, c, dleEOT[0], 1))
}

func TestParseFault(t *testing.T) {
	for _, f := range []virtual.Fault{virtual.PaperEnd, virtual.PaperNearEnd, virtual.CoverOpen, virtual.Offline, virtual.AutocutterError} {
		got, err := virtual.ParseFault(f.String())
		require.NoError(t, err)
		assert.Equal(t, f, got)
	}
	_, err := virtual.ParseFault("jam")
	assert.Error(t, err)
}

func FuzzDevice(f *testing.F) {
	f.Add([]byte("\x1b@Hi\n\x1dVA\x00\x10\x04\x01\x1dr\x01"))
	f.Add([]byte{0x1D, 'a', 0xFF, 0x1D, 'I', 67, 0x10, 0x14, 1, 0, 1})
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := virtual.New(virtual.Options{BufferSize: 256})
		if err != nil {
			t.Fatal(err)
		}
		host := d.Pipe("fuzz")
		go io.Copy(io.Discard, host)
		if _, err := host.Write(in); err != nil {
			t.Fatal(err)
		}
		host.Close()
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

func BenchmarkTCPThroughput(b *testing.B) {
	d, err := virtual.New(virtual.Options{BufferSize: 64 << 10})
	require.NoError(b, err)
	defer d.Close()
	addr, err := d.ListenTCP(context.Background(), "127.0.0.1:0")
	require.NoError(b, err)
	c, err := net.Dial("tcp", addr.String())
	require.NoError(b, err)
	defer c.Close()
	chunk := bytes.Repeat([]byte("0123456789 abcdefghijklmnopqrstuvwxyz\n"), 1000)
	b.SetBytes(int64(len(chunk)))
	for b.Loop() {
		if _, err := c.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
	buf := make([]byte, 1)
	if _, err := c.Write([]byte{0x1D, 'r', 1}); err != nil {
		b.Fatal(err)
	}
	if _, err := io.ReadFull(c, buf); err != nil {
		b.Fatal(err)
	}
}
