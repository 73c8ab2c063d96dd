package transporttest

import (
	"bytes"
	"io"
	"testing"
	"time"
)

// Job returns a receipt-like job of n lines (31 bytes each).
func Job(n int) []byte { return bytes.Repeat([]byte("Kartennummer: 9276004429942845\n"), n) }

// BenchmarkWrite measures writing job to w; between, when set, runs after
// each write (ending a job, emptying a fake's record).
func BenchmarkWrite(b *testing.B, w io.Writer, job []byte, between func()) {
	b.SetBytes(int64(len(job)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.Write(job); err != nil {
			b.Fatal(err)
		}
		if between != nil {
			between()
		}
	}
}

// Within fails the test if f takes longer than d: nothing may hang.
func Within(t testing.TB, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("still blocked after %v", d)
	}
}
