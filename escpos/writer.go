package escpos

import (
	"fmt"
	"io"
)

// Writer streams ESC/POS to an io.Writer through an Encoder. Like
// bufio.Writer it buffers, and the first error sticks: every later call is a
// no-op and Flush and Err return it, so a caller can write a whole receipt and
// check once.
type Writer struct {
	enc *Encoder
	w   io.Writer
	buf []byte
	err error
}

// writerFlushAt is the buffered size at which Writer hands bytes on.
const writerFlushAt = 4096

// NewWriter returns a Writer for profile p writing to w.
func NewWriter(w io.Writer, p *Profile) (*Writer, error) {
	enc, err := NewEncoder(p)
	if err != nil {
		return nil, err
	}
	return &Writer{enc: enc, w: w, buf: make([]byte, 0, writerFlushAt)}, nil
}

// Encoder exposes the encoder, e.g. to set OnFallback.
func (w *Writer) Encoder() *Encoder { return w.enc }

// Err returns the first error the Writer met.
func (w *Writer) Err() error { return w.err }

func (w *Writer) fail(err error) {
	if w.err == nil && err != nil {
		w.err = err
	}
}

func (w *Writer) step(b []byte, err error) {
	if err != nil {
		w.fail(err)
		return
	}
	w.buf = b
	if len(w.buf) >= writerFlushAt {
		w.flush()
	}
}

// Init resets the printer (ESC @).
func (w *Writer) Init() {
	if w.err == nil {
		w.step(w.enc.AppendInit(w.buf), nil)
	}
}

// Bold turns emphasis on or off.
func (w *Writer) Bold(on bool) {
	if w.err == nil {
		w.step(w.enc.AppendBold(w.buf, on), nil)
	}
}

// Size sets the character size.
func (w *Writer) Size(s Size) {
	if w.err == nil {
		w.step(w.enc.AppendSize(w.buf, s))
	}
}

// Justify sets the alignment of the next line.
func (w *Writer) Justify(j Justification) {
	if w.err == nil {
		w.step(w.enc.AppendJustification(w.buf, j))
	}
}

// Font selects a font.
func (w *Writer) Font(f Font) {
	if w.err == nil {
		w.step(w.enc.AppendFont(w.buf, f))
	}
}

// Text encodes and writes s (no line feed).
func (w *Writer) Text(s string) {
	if w.err == nil {
		w.step(w.enc.AppendText(w.buf, s), nil)
	}
}

// Line writes s and a line feed.
func (w *Writer) Line(s string) {
	w.Text(s)
	w.LF()
}

// LF prints the line and feeds one line.
func (w *Writer) LF() {
	if w.err == nil {
		w.step(AppendLF(w.buf), nil)
	}
}

// Feed prints and feeds n lines.
func (w *Writer) Feed(n uint8) {
	if w.err == nil {
		w.step(AppendFeedLines(w.buf, n), nil)
	}
}

// Cut feeds to the cutter and cuts (see Encoder.AppendCut).
func (w *Writer) Cut(m CutMode) {
	if w.err == nil {
		w.step(w.enc.AppendCut(w.buf, m))
	}
}

// Pulse kicks the cash drawer.
func (w *Writer) Pulse(pin Drawer, on, off uint8) {
	if w.err == nil {
		w.step(AppendPulse(w.buf, pin, on, off))
	}
}

// Write passes bytes through unchanged: for callers that built commands with
// the Append functions. It never sanitises; text belongs in Text.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	w.step(append(w.buf, p...), nil)
	if w.err != nil {
		return 0, w.err
	}
	return len(p), nil
}

// Flush writes any buffered bytes to the underlying writer.
func (w *Writer) Flush() error {
	if w.err == nil {
		w.flush()
	}
	return w.err
}

func (w *Writer) flush() {
	if len(w.buf) == 0 {
		return
	}
	n, err := w.w.Write(w.buf)
	if err == nil && n < len(w.buf) {
		err = io.ErrShortWrite
	}
	if err != nil {
		w.fail(fmt.Errorf("escpos: write: %w", err))
		return
	}
	w.buf = w.buf[:0]
}
