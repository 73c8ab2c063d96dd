package virtual_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/virtual"
)

func logoRaster(t *testing.T, w, h int) *escpos.Raster {
	t.Helper()
	r := &escpos.Raster{Width: w, Height: h, Stride: (w + 7) / 8}
	r.Bits = make([]byte, r.Stride*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if (x/4+y/4)%2 == 0 {
				r.Bits[y*r.Stride+x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	return r
}

// TestNVGraphicsSurviveReconnect: a logo stored over one connection prints
// by its key over the next, as from a printer's NV memory.
func TestNVGraphicsSurviveReconnect(t *testing.T) {
	d := newDevice(t, virtual.Options{})
	addr := listen(t, d)
	r := logoRaster(t, 200, 80)
	define, err := escpos.AppendDefineLogo([]byte{0x1B, '@'}, escpos.LogoKey{'L', 'G'}, r)
	require.NoError(t, err)
	define, err = escpos.AppendLegacyDefineLogo(define, logoRaster(t, 64, 16))
	require.NoError(t, err)
	c := dialTCP(t, addr)
	send(t, c, define)
	require.NoError(t, c.Close())
	// The next connection may only come once this one's bytes are in.
	require.NoError(t, d.Wait(ctxSafety(t), func(s virtual.State) bool {
		return s.Links == 0 && s.Received == int64(len(define))
	}))

	job, err := escpos.AppendPrintLogo([]byte{0x1B, '@', 0x1B, 'a', 1}, escpos.LogoKey{'L', 'G'})
	require.NoError(t, err)
	job, err = escpos.AppendLegacyPrintLogo(job, 1)
	require.NoError(t, err)
	job = append(job, []byte("Shop\n\x1dV\x00")...)
	c = dialTCP(t, addr)
	send(t, c, job)
	require.NoError(t, d.WaitTickets(ctxSafety(t), 1))
	require.NoError(t, c.Close())
	assert.Equal(t, []string{"LG"}, d.Store().Keys())
	assert.Equal(t, 1, d.Store().BitImages())
	require.Len(t, d.Tickets(), 1, "defining printed nothing")
	tk := d.Tickets()[0]
	assert.Equal(t, []string{`[logo "LG" 200x80]`, "[logo 1 64x16]", "                   Shop"}, tk.Paper.Lines())
	logo := tk.Paper.Printed[0]
	assert.Equal(t, (512-200)/2, logo.X, "centred")
	for y := 0; y < 80; y++ {
		for x := 0; x < 200; x++ {
			want := r.Bits[y*r.Stride+x/8]&(0x80>>(x%8)) != 0
			require.Equal(t, want, logo.Image.GrayAt(x, y).Y == 0, "dot %d,%d", x, y)
		}
	}
	assert.Equal(t, 2, d.Store().Writes())
}

// TestDrawerPulsesLogged: ESC p and DLE DC4 1 name the connector pin the
// pulse drives (m 0/48: pin 2, 1/49: pin 5); Star's BEL is logged too.
func TestDrawerPulsesLogged(t *testing.T) {
	dir := t.TempDir()
	d := newDevice(t, virtual.Options{OutDir: dir})
	c := dialTCP(t, listen(t, d))
	in := []byte{0x1B, 'p', 0, 25, 250, 0x1B, 'p', 49, 50, 50, 0x10, 0x14, 1, 1, 3, 'x', '\n', 0x1D, 'V', 0}
	send(t, c, in)
	require.NoError(t, d.WaitTickets(ctxSafety(t), 1))
	require.NoError(t, c.Close())

	star, err := printers.Lookup("CT-S651")
	require.NoError(t, err)
	require.True(t, star.Features.PulseBel)
	sd := newDevice(t, virtual.Options{Profile: star, OutDir: filepath.Join(dir, "star")})
	c = dialTCP(t, listen(t, sd))
	send(t, c, []byte{0x07, 'x', '\n', 0x1D, 'V', 0})
	require.NoError(t, sd.WaitTickets(ctxSafety(t), 1))
	require.NoError(t, c.Close())
	assert.Equal(t, []string{"x"}, sd.Tickets()[0].Paper.Lines())

	log, err := os.ReadFile(filepath.Join(dir, "status.log"))
	require.NoError(t, err)
	for _, line := range []string{
		": ESC p: drawer pulse on pin 2, 50 ms on, 500 ms off\n",
		": ESC p: drawer pulse on pin 5, 100 ms on, 100 ms off\n",
		": DLE DC4 1: drawer pulse on pin 5, 300 ms\n",
	} {
		assert.Contains(t, string(log), line)
	}
	slog, err := os.ReadFile(filepath.Join(dir, "star", "status.log"))
	require.NoError(t, err)
	assert.Contains(t, string(slog), ": BEL: drawer pulse\n")
}

// TestNoBlankTickets: LF CR after the cut (receipt-printer-encoder) and a
// bare second cut (receiptline) make no extra, blank ticket.
func TestNoBlankTickets(t *testing.T) {
	d := newDevice(t, virtual.Options{})
	c := dialTCP(t, listen(t, d))
	in := []byte("one\n\x1dV\x00\x1dVB\x00\n\r")
	send(t, c, in)
	require.NoError(t, c.Close())
	require.NoError(t, d.Wait(ctxSafety(t), func(s virtual.State) bool {
		return s.Links == 0 && s.Received == int64(len(in))
	}))
	// The engine prints in order: once "two" is out, "one" and whatever
	// its tail made are done.
	c = dialTCP(t, listen(t, d))
	send(t, c, []byte("two\n\x1dV\x00"))
	require.NoError(t, d.WaitTickets(ctxSafety(t), 2))
	require.NoError(t, c.Close())
	tk := d.Tickets()
	var got [][]string
	for _, k := range tk {
		got = append(got, k.Paper.Lines())
	}
	assert.Equal(t, [][]string{{"one"}, {"two"}}, got, "%q", tk)
}

// TestNVMemorySurvivesRestart: with an out dir the NV memory is kept in
// nv-memory.bin, so a logo stored by one run prints in the next; a damaged
// file costs the logos, not the start.
func TestNVMemorySurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	def, err := escpos.AppendDefineLogo(nil, escpos.LogoKey{'L', 'G'}, logoRaster(t, 64, 16))
	require.NoError(t, err)
	d, err := virtual.New(virtual.Options{OutDir: dir})
	require.NoError(t, err)
	c := d.Conn("host")
	_, err = c.Write(append(def, "x\n\x1dV\x00"...))
	require.NoError(t, err)
	require.NoError(t, d.WaitTickets(ctxSafety(t), 1))
	require.NoError(t, d.Close())
	assert.FileExists(t, filepath.Join(dir, virtual.NVFile))

	d = newDevice(t, virtual.Options{OutDir: dir})
	assert.Equal(t, []string{"LG"}, d.Store().Keys())
	assert.Zero(t, d.Store().Writes(), "restoring is no write")
	pr, err := escpos.AppendPrintLogo(nil, escpos.LogoKey{'L', 'G'})
	require.NoError(t, err)
	c = d.Conn("host")
	_, err = c.Write(append(pr, "\x1dV\x00"...))
	require.NoError(t, err)
	require.NoError(t, d.WaitTickets(ctxSafety(t), 1))
	assert.Equal(t, []string{`[logo "LG" 64x16]`}, d.Tickets()[0].Paper.Lines())

	require.NoError(t, os.WriteFile(filepath.Join(dir, virtual.NVFile), []byte("\x1d(L\x05\x00"), 0o644))
	d = newDevice(t, virtual.Options{OutDir: filepath.Join(dir)})
	assert.Empty(t, d.Store().Keys())
	log, err := os.ReadFile(filepath.Join(dir, "status.log"))
	require.NoError(t, err)
	assert.Contains(t, string(log), "not restored")
}

// TestNVMemoryUnwritable: when the NV memory cannot be saved, the status
// log says so and Close reports it; printing goes on.
func TestNVMemoryUnwritable(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, virtual.NVFile), 0o755)) // a directory where the file goes
	require.NoError(t, os.WriteFile(filepath.Join(dir, virtual.NVFile, "x"), nil, 0o644))
	d, err := virtual.New(virtual.Options{OutDir: dir})
	require.NoError(t, err)
	def, err := escpos.AppendDefineLogo(nil, escpos.LogoKey{'L', 'G'}, logoRaster(t, 8, 8))
	require.NoError(t, err)
	c := d.Conn("host")
	_, err = c.Write(append(def, "x\n\x1dV\x00"...))
	require.NoError(t, err)
	require.NoError(t, d.WaitTickets(ctxSafety(t), 1))
	err = d.Close()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "NV memory")
	log, rerr := os.ReadFile(filepath.Join(dir, "status.log"))
	require.NoError(t, rerr)
	assert.Contains(t, string(log), "NV memory")
}

// TestModesCarryAcrossTickets: the printer keeps its modes and code page
// from one ticket to the next until ESC @, as paper.Print does for a
// stream; the preview and the virtual printer agree.
func TestModesCarryAcrossTickets(t *testing.T) {
	d := newDevice(t, virtual.Options{})
	c := d.Conn("host")
	in := []byte("\x1ba\x01\x1bt\x13one\n\x1dV\x00\xd5 two\n\x1dV\x00\x1b@three\n\x1dV\x00")
	_, err := c.Write(in)
	require.NoError(t, err)
	require.NoError(t, d.WaitTickets(ctxSafety(t), 3))
	var got [][]string
	for _, tk := range d.Tickets() {
		got = append(got, tk.Paper.Lines())
	}
	assert.Equal(t, [][]string{{"                   one"}, {"                  € two"}, {"three"}}, got)
}
