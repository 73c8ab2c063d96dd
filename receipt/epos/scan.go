package epos

import "io"

// byteReader buffers the body for the XML decoder, which reads it byte by
// byte through io.ByteReader and so never reads ahead of its tokens; that
// lets scanBase64 take an <image>'s content straight from the buffer, a
// hundred times faster than the decoder's character loop.
type byteReader struct {
	r          io.Reader
	buf        []byte
	i, n       int
	prev, last byte // the two bytes read last, to tell <x/> from <x>
	err        error
}

func (b *byteReader) fill() bool {
	if b.err != nil {
		return false
	}
	b.i = 0
	b.n, b.err = b.r.Read(b.buf)
	return b.n > 0 || b.err == nil
}

func (b *byteReader) ReadByte() (byte, error) {
	for b.i >= b.n {
		if !b.fill() {
			return 0, b.err
		}
	}
	c := b.buf[b.i]
	b.i++
	b.prev, b.last = b.last, c
	return c, nil
}

func (b *byteReader) Read(p []byte) (int, error) {
	for b.i >= b.n {
		if !b.fill() {
			return 0, b.err
		}
	}
	n := copy(p, b.buf[b.i:b.n])
	b.i += n
	if n > 0 {
		b.last = p[n-1]
		if n > 1 {
			b.prev = p[n-2]
		}
	}
	return n, nil
}

// selfClosed reports whether the start tag just read ended with "/>".
func (b *byteReader) selfClosed() bool { return b.prev == '/' && b.last == '>' }

// base64Byte marks the bytes of base64 text and the white space between.
var base64Byte = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \t\r\n") {
		t[c] = true
	}
	return t
}()

// scanBase64 appends to dst the base64 text that follows, up to the first
// other byte, which it leaves for the decoder (the end tag, an entity, or
// whatever the decoder is to judge).
func (b *byteReader) scanBase64(dst []byte) []byte {
	for {
		for b.i >= b.n {
			if !b.fill() {
				return dst
			}
		}
		start := b.i
		for b.i < b.n && base64Byte[b.buf[b.i]] {
			b.i++
		}
		dst = append(dst, b.buf[start:b.i]...)
		if b.i > start {
			b.prev, b.last = 0, b.buf[b.i-1]
		}
		if b.i < b.n {
			return dst
		}
	}
}
