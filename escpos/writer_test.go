package escpos

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriterWritesAndTracksState(t *testing.T) {
	var out bytes.Buffer
	w, err := NewWriter(&out, epsonStyle)
	require.NoError(t, err)
	w.Init()
	w.Justify(JustifyCenter)
	w.Bold(true)
	w.Line("Grüße")
	w.Bold(true)
	w.Justify(JustifyCenter)
	w.Line("€")
	w.Cut(CutPartial)
	require.NoError(t, w.Flush())
	// The code page is selected before the word that needs it.
	want := []byte{ESC, '@', ESC, 'a', 1, ESC, 'E', 1, ESC, 't', 0, 'G', 'r', 0x81, 0xE1, 'e', LF,
		ESC, 't', 19, 0xD5, LF, GS, 'V', 66, 0}
	assert.Equal(t, want, out.Bytes())
}

type failingWriter struct{ n int }

var errBroken = errors.New("line broken")

func (f *failingWriter) Write(p []byte) (int, error) {
	f.n++
	return 0, errBroken
}

func TestWriterFirstErrorSticks(t *testing.T) {
	fw := &failingWriter{}
	w, err := NewWriter(fw, epsonStyle)
	require.NoError(t, err)
	w.Init()
	w.Size(Size{0, 0}) // invalid: the first error
	w.Line("never sent")
	w.Size(Size{9, 9})
	err = w.Flush()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "out of range 1..8")
	assert.Equal(t, 0, fw.n, "nothing written after the first error")
	assert.Equal(t, err, w.Err())

	fw2 := &failingWriter{}
	w2, _ := NewWriter(fw2, epsonStyle)
	w2.Line("x")
	require.ErrorIs(t, w2.Flush(), errBroken)
	require.ErrorIs(t, w2.Flush(), errBroken)
	_, err = w2.Write([]byte("y"))
	require.ErrorIs(t, err, errBroken)
	assert.Equal(t, 1, fw2.n)
}

func TestWriterFlushesLargeOutput(t *testing.T) {
	var out bytes.Buffer
	w, _ := NewWriter(&out, epsonStyle)
	line := bytes.Repeat([]byte("x"), 100)
	for range 100 {
		w.Line(string(line))
	}
	assert.Greater(t, out.Len(), 0, "flushed before Flush once the buffer filled")
	require.NoError(t, w.Flush())
	assert.Equal(t, 100*101, out.Len())
}
