package printers_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/transport"
)

// keyListPrinter answers GS ( L function 64 with blocks, one per request
// or ACK, and records what the host sent.
func keyListPrinter(t testing.TB, blocks [][]byte) (*printers.ConnPrinter, *received) {
	t.Helper()
	host, dev := transport.Pipe("fake", "host", 0)
	got := &received{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 64)
		for _, b := range blocks {
			_ = dev.SetReadDeadline(time.Now().Add(2 * time.Second))
			n, err := dev.Read(buf)
			got.Write(buf[:n])
			if err != nil {
				return
			}
			if _, err := dev.Write(b); err != nil {
				return
			}
		}
		_ = dev.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, _ := io.ReadAtLeast(dev, buf, 1)
		got.Write(buf[:n])
	}()
	t.Cleanup(func() { dev.Close(); <-done })
	return printers.NewConnPrinter("fake", dialOnce(host), scripted), got
}

// received is what the fake printer read, safe to read while it still
// reads.
type received struct {
	mu sync.Mutex
	b  []byte
}

func (r *received) Write(p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.b = append(r.b, p...)
}

func (r *received) Bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Clone(r.b)
}

// The key list as Epson documents it, in one or two blocks, empty, and
// answers that are not one.
func TestNVGraphicsKeysAnswers(t *testing.T) {
	request := printers.AppendNVKeyListRequest(nil)
	assert.Equal(t, []byte{0x1D, 0x28, 0x4C, 4, 0, 48, 64, 'K', 'C'}, request)
	tests := []struct {
		name   string
		blocks [][]byte
		want   []string
		err    bool
		sent   []byte
	}{
		{"empty", [][]byte{{0x37, 0x72, 0x40, 0}}, nil, false, append(request, 0x06)},
		{"two keys", [][]byte{{0x37, 0x72, 0x40, 'L', 'G', 'A', '1', 0}}, []string{"LG", "A1"}, false, append(request, 0x06)},
		{"two blocks", [][]byte{{0x37, 0x72, 0x41, 'L', 'G', 0}, {0x37, 0x72, 0x40, 'Z', 'Z', 0}}, []string{"LG", "ZZ"}, false, append(request, 0x06, 0x06)},
		{"garbage", [][]byte{{0x00}}, nil, true, nil},
		{"wrong identifier", [][]byte{{0x37, 0x22, 0x40, 0}}, nil, true, nil},
		{"odd data", [][]byte{{0x37, 0x72, 0x40, 'L', 0}}, nil, true, nil},
		{"control byte as key", [][]byte{{0x37, 0x72, 0x40, 'L', 0x07, 0}}, nil, true, nil},
		{"no answer", nil, nil, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, sent := keyListPrinter(t, tt.blocks)
			keys, err := p.NVGraphicsKeys(context.Background())
			p.Close()
			if tt.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			var names []string
			for _, k := range keys {
				names = append(names, k.String())
			}
			assert.Equal(t, tt.want, names)
			if tt.sent != nil {
				assert.Eventually(t, func() bool { return bytes.Equal(sent.Bytes(), tt.sent) }, time.Second, 10*time.Millisecond, "%x", sent.Bytes())
			}
		})
	}
}

// The virtual printer answers from its NV memory: nothing, the logo a job
// defined, nothing again once the memory is wiped.
func TestNVGraphicsKeysVirtual(t *testing.T) {
	ctx := context.Background()
	prof, _ := printers.Lookup("TM-T88VI")
	d, err := virtual.New(virtual.Options{Profile: prof})
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	a, err := d.ListenTCP(ctx, "127.0.0.1:0")
	require.NoError(t, err)
	pr, err := printers.Open(ctx, "tcp://"+a.String(), printers.OpenOptions{Profile: prof})
	require.NoError(t, err)
	t.Cleanup(func() { pr.Close() })
	p := pr.(*printers.ConnPrinter)

	keys, err := p.NVGraphicsKeys(ctx)
	require.NoError(t, err)
	assert.Empty(t, keys)

	img := image.NewGray(image.Rect(0, 0, 16, 8))
	for x := 0; x < 16; x++ {
		img.SetGray(x, 3, color.Gray{})
	}
	r, err := escpos.NewRaster(img, escpos.RasterOptions{})
	require.NoError(t, err)
	job, err := escpos.AppendDefineLogo(nil, escpos.LogoKey{'L', 'G'}, r)
	require.NoError(t, err)
	job, err = escpos.AppendPrintLogo(job, escpos.LogoKey{'L', 'G'})
	require.NoError(t, err)
	job = append(job, 0x1D, 'V', 66, 0)
	res := p.Print(ctx, job)
	require.Equal(t, printers.OutcomePrinted, res.Outcome, res.String())

	keys, err = p.NVGraphicsKeys(ctx)
	require.NoError(t, err)
	assert.Equal(t, []escpos.LogoKey{{'L', 'G'}}, keys)
	require.NoError(t, d.WaitTickets(ctx, 1))
	assert.Len(t, d.Tickets(), 1, "the request and the ACK print nothing")

	d.WipeNV()
	keys, err = p.NVGraphicsKeys(ctx)
	require.NoError(t, err)
	assert.Empty(t, keys)
	// The link still confirms jobs after the key lists.
	res = p.Print(ctx, []byte("after\n\x1dVB\x00"))
	assert.Equal(t, printers.OutcomePrinted, res.Outcome, res.String())
}

// FuzzNVGraphicsKeys: whatever a printer answers to the key list request,
// the reader returns keys it can print by, or an error, and never panics
// or hangs. The link answers each host write (the request, each ACK) with
// the next block at once, and a read with nothing left fails as a passed
// deadline would, at once: the reader's whole path (ASB packets, XON/XOFF,
// late status answers, headers, the ACK handshake) runs without waiting
// out real deadlines, thousands of inputs a second instead of one.
func FuzzNVGraphicsKeys(f *testing.F) {
	f.Add([]byte{0x37, 0x72, 0x40, 0})
	f.Add([]byte{0x37, 0x72, 0x40, 'L', 'G', 'A', '1', 0})
	f.Add([]byte{0x37, 0x72, 0x41, 'L', 'G', 0})
	f.Add([]byte{0x10, 0x00, 0x00, 0x00, 0x37, 0x72, 0x40, 0}) // behind an ASB packet
	f.Add([]byte{0x37, 0x72, 0x40, 'L'})
	f.Add([]byte{0x13, 0x37, 0x72, 0x41, 'L', 'G', 0, 0x11}) // XOFF before, XON after
	f.Fuzz(func(t *testing.T, answer []byte) {
		c := &answeringConn{blocks: [][]byte{answer, answer}}
		p := printers.NewConnPrinter("fake", dialOnce(c), scripted)
		defer p.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		keys, err := p.NVGraphicsKeys(ctx)
		if sent := c.sent(); !bytes.HasPrefix(sent, printers.AppendNVKeyListRequest(nil)) {
			t.Fatalf("the host sent %x, not the request first", sent)
		}
		if err != nil {
			return
		}
		for _, k := range keys {
			if !k.Valid() {
				t.Fatalf("key %q from %x", k.String(), answer)
			}
		}
	})
}

// answeringConn is a link whose printer answers each host write with the
// next of its blocks, already there when the host reads; a read finding
// nothing fails at once as a passed deadline does, so no test waits.
type answeringConn struct {
	mu     sync.Mutex
	blocks [][]byte
	in     []byte // answered, not yet read by the host
	out    []byte // what the host sent
	closed bool
}

func (c *answeringConn) Name() string                     { return "fake" }
func (c *answeringConn) SetReadDeadline(time.Time) error  { return nil }
func (c *answeringConn) SetWriteDeadline(time.Time) error { return nil }

func (c *answeringConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, transport.ErrClosed
	}
	if len(c.in) == 0 {
		return 0, transport.ErrTimeout
	}
	n := copy(p, c.in)
	c.in = c.in[n:]
	return n, nil
}

func (c *answeringConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, transport.ErrClosed
	}
	c.out = append(c.out, p...)
	if len(c.blocks) > 0 {
		c.in = append(c.in, c.blocks[0]...)
		c.blocks = c.blocks[1:]
	}
	return len(p), nil
}

func (c *answeringConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

func (c *answeringConn) sent() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.out...)
}
