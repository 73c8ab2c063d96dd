package transporttest_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/transport"
	"github.com/secuprint/receipt/transport/transporttest"
)

// A DLE EOT 1 check, a job with GS r 1, and the printer's two answers.
var sample = transporttest.Conversation{
	{Write: []byte{0x10, 0x04, 0x01}},
	{Read: []byte{0x12}},
	{Write: append(bytes.Repeat([]byte("Kartennummer: 9276004429942845\n"), 2), 0x1d, 'r', 1)},
	{Read: []byte{0x00}},
}

func TestConversationText(t *testing.T) {
	text, err := sample.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "> 100401\n\n< 12\n\n"+
		"> 4b617274656e6e756d6d65723a20393237363030343432393934323834350a4b\n"+
		"> 617274656e6e756d6d65723a20393237363030343432393934323834350a1d72\n> 01\n\n< 00\n\n", string(text))
	var back transporttest.Conversation
	require.NoError(t, back.UnmarshalText(append([]byte("# recorded by hand\n"), text...)))
	assert.Equal(t, sample, back)

	for _, bad := range []string{"> 1\n", "? 00\n", ">00\n", "> 00\n< 00\n", "> zz\n"} {
		assert.Error(t, back.UnmarshalText([]byte(bad)), "%q", bad)
	}
}

// Record keeps what went over the link, with consecutive writes or reads
// joined however the bytes were chunked.
func TestRecord(t *testing.T) {
	host, dev := transport.Pipe("host", "dev", 0)
	rec := transporttest.NewRecord(host)
	go func() {
		buf := make([]byte, 64)
		for _, answer := range []byte{0x12, 0x00} { // one answer per request seen
			if _, err := dev.Read(buf); err != nil {
				return
			}
			if _, err := dev.Write([]byte{answer}); err != nil {
				return
			}
		}
	}()
	for _, w := range [][]byte{sample[0].Write, nil, sample[2].Write[:10], sample[2].Write[10:]} {
		if w == nil {
			b := make([]byte, 1)
			_, err := rec.Read(b)
			require.NoError(t, err)
			continue
		}
		_, err := rec.Write(w)
		require.NoError(t, err)
	}
	b := make([]byte, 1)
	_, err := rec.Read(b)
	require.NoError(t, err)
	assert.Equal(t, sample, rec.Conversation())
}

func TestPlayback(t *testing.T) {
	t.Run("the recorded host", func(t *testing.T) {
		p := transporttest.NewPlayback("tm", sample)
		_, err := p.Write(sample[0].Write)
		require.NoError(t, err)
		b := make([]byte, 8)
		n, err := p.Read(b)
		require.NoError(t, err)
		assert.Equal(t, []byte{0x12}, b[:n])
		_, err = p.Read(b)
		assert.ErrorIs(t, err, transport.ErrTimeout, "nothing recorded to answer: the printer is silent")
		for _, chunk := range [][]byte{sample[2].Write[:5], sample[2].Write[5:]} {
			_, err = p.Write(chunk)
			require.NoError(t, err)
		}
		assert.Error(t, p.Done(), "the last answer is not read yet")
		n, err = p.Read(b)
		require.NoError(t, err)
		assert.Equal(t, []byte{0x00}, b[:n])
		assert.NoError(t, p.Done())
	})
	t.Run("another host", func(t *testing.T) {
		p := transporttest.NewPlayback("tm", sample)
		_, err := p.Write([]byte{0x10, 0x04, 0x02})
		assert.True(t, errors.Is(err, transporttest.ErrMismatch))
		assert.ErrorContains(t, err, "step 0 byte 2: want 0x01, got 0x02")
		assert.ErrorIs(t, p.Done(), transporttest.ErrMismatch, "the mismatch sticks")
	})
	t.Run("a write where an answer comes", func(t *testing.T) {
		p := transporttest.NewPlayback("tm", sample)
		_, err := p.Write(append(append([]byte{}, sample[0].Write...), 0x1b))
		assert.ErrorContains(t, err, "step 1 expects a read of 1 bytes")
	})
}

// FuzzConversationText: any text is refused, or reads into a conversation
// that writes and reads back the same.
func FuzzConversationText(f *testing.F) {
	text, err := sample.MarshalText()
	require.NoError(f, err)
	f.Add(text)
	f.Add([]byte("# c\n> 00\n\n\n< ff\n"))
	recorded, err := filepath.Glob("../../testdata/golden/*/*.conversation.txt")
	require.NoError(f, err)
	require.NotEmpty(f, recorded)
	for _, path := range recorded {
		b, err := os.ReadFile(path)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		var c transporttest.Conversation
		if c.UnmarshalText(text) != nil {
			return
		}
		out, err := c.MarshalText()
		require.NoError(t, err)
		var again transporttest.Conversation
		require.NoError(t, again.UnmarshalText(out))
		require.Equal(t, c, again)
	})
}
