package spool

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpenDamaged: whatever the file holds, the spool opens or refuses
// with ErrDamaged; it never panics or faults, and what opens is readable.
// Seeds: a day's spool (sample) and its corruptions.
func FuzzOpenDamaged(f *testing.F) {
	base := sample(f, 8)
	f.Add(base)
	f.Add(base[:len(base)/2])
	f.Fuzz(func(t *testing.T, file []byte) {
		path := filepath.Join(t.TempDir(), "spool.db")
		if err := os.WriteFile(path, file, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Check(path); err != nil {
			t.Fatal(err)
		}
		s, err := OpenWith(path, Options{Fresh: true})
		if err != nil {
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("not ErrDamaged: %v", err)
			}
			return
		}
		defer s.Close()
		jobs, err := s.List("", "", 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			_, _ = s.Bytes(j.ID)
		}
		if _, _, err := s.Enqueue("a", "fuzz", "", []byte("x"), nil); err != nil && !errors.Is(err, ErrQuarantined) {
			t.Fatal(err)
		}
	})
}
