package transport

import (
	"testing"
)

// FuzzParseAddress checks that parsing never panics and that every accepted
// address survives String -> ParseAddress unchanged, with a stable String.
func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{
		"serial:///dev/ttyUSB0?baud=19200&databits=8&parity=N&stopbits=1&timeout=500ms",
		"serial://COM3?baud=115200&flow=none",
		"serial:///dev/serial/by-id/a%20b",
		"usb://04b8:0202",
		"usb://04b8:0202?serial=XYZ",
		"usb://0416:5011?bus=1&addr=5",
		"tcp://192.0.2.10:9100",
		"tcp://[2001:db8::1]?timeout=3s",
		"tcp://printer.local",
		"file:///dev/usb/lp0",
		"file:///C:/out.bin",
		"file:///tmp/a%3Fb",
		"virtual://",
		"virtual://x?paper=end&k",
		"serial://dev/ttyUSB0",
		"usb://zz:01",
		"cloudprnt://00:11:62:1a:2b:3c",
		"sdp://shop-1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddress(s)
		if err != nil {
			return
		}
		if !a.Kind.Valid() {
			t.Fatalf("ParseAddress(%q) gave invalid kind %v", s, a.Kind)
		}
		out := a.String()
		b, err := ParseAddress(out)
		if err != nil {
			t.Fatalf("ParseAddress(%q) ok, but its String %q fails: %v", s, out, err)
		}
		if b.String() != out {
			t.Fatalf("String not stable: %q -> %q -> %q", s, out, b.String())
		}
		if !equalAddress(a, b) {
			t.Fatalf("round trip changed the address: %q -> %+v, %q -> %+v", s, a, out, b)
		}
	})
}

func equalAddress(a, b Address) bool {
	if a.Kind != b.Kind || a.Serial != b.Serial || a.USB != b.USB || a.TCP != b.TCP || a.File != b.File ||
		a.Virtual.Name != b.Virtual.Name || len(a.Virtual.Options) != len(b.Virtual.Options) {
		return false
	}
	if (a.Virtual.Options == nil) != (b.Virtual.Options == nil) {
		return false
	}
	for k, v := range a.Virtual.Options {
		if w, ok := b.Virtual.Options[k]; !ok || w != v {
			return false
		}
	}
	return true
}
