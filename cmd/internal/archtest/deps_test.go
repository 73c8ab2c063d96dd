package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/secuprint/receipt"

// pkg is what `go list -json` says of one package: its import path and
// every package it depends on, directly or not (tests left out).
type pkg struct {
	ImportPath string
	Deps       []string
}

// list runs `go list -deps`-style listing of patterns from the module root.
func list(t *testing.T, patterns ...string) []pkg {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	cmd := exec.Command("go", append([]string{"list", "-e", "-json=ImportPath,Deps"}, patterns...)...)
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	return pkgs
}

// under reports whether path is dir of the module or a package below it.
func under(path, dir string) bool {
	d := module + "/" + dir
	return path == d || strings.HasPrefix(path, d+"/")
}

// TestDependencyRules keeps the arrows one way: escpos ← receipt ←
// printers ← cmd, transport depending on nothing of ours, the printer
// drivers not knowing the virtual printer (the binaries register it).
func TestDependencyRules(t *testing.T) {
	rules := []struct {
		name    string
		applies func(pkg string) bool
		banned  func(dep string) bool
	}{
		{"escpos imports nothing of printers, receipt, transport or cmd",
			func(p string) bool { return under(p, "escpos") },
			func(d string) bool {
				return under(d, "printers") || under(d, "receipt") || under(d, "transport") || under(d, "cmd")
			}},
		{"receipt imports nothing of printers, transport or cmd",
			func(p string) bool { return under(p, "receipt") },
			func(d string) bool { return under(d, "printers") || under(d, "transport") || under(d, "cmd") }},
		{"transport imports nothing of the module outside transport",
			func(p string) bool { return under(p, "transport") },
			func(d string) bool { return strings.HasPrefix(d, module+"/") && !under(d, "transport") }},
		{"printers does not import printers/virtual",
			func(p string) bool { return p == module+"/printers" },
			func(d string) bool { return under(d, "printers/virtual") }},
		{"only the binaries import the virtual printer (they register it)",
			func(p string) bool { return !under(p, "cmd") && !under(p, "printers/virtual") },
			func(d string) bool { return under(d, "printers/virtual") }},
		{"nothing but cmd imports cmd",
			func(p string) bool { return !under(p, "cmd") },
			func(d string) bool { return under(d, "cmd") }},
	}
	pkgs := list(t, "./...")
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			checked := 0
			for _, p := range pkgs {
				if !r.applies(p.ImportPath) {
					continue
				}
				checked++
				for _, d := range p.Deps {
					if r.banned(d) {
						t.Errorf("%s depends on %s", p.ImportPath, d)
					}
				}
			}
			if checked == 0 {
				t.Error("the rule applies to no package: is the layout still as it says?")
			}
		})
	}
}

// TestBinariesLinkNoTesting: no shipped program carries the testing
// package (or the test fakes that pull it in).
func TestBinariesLinkNoTesting(t *testing.T) {
	for _, p := range list(t, "./cmd/...") {
		if slices.Contains(p.Deps, "testing") {
			t.Errorf("%s links testing", p.ImportPath)
		}
		for _, d := range p.Deps {
			if strings.HasSuffix(d, "test") && strings.HasPrefix(d, module+"/") {
				t.Errorf("%s links the test helpers %s", p.ImportPath, d)
			}
			// The fleet's tests embed a NATS cluster; the programs are
			// clients only.
			if strings.HasPrefix(d, "github.com/nats-io/nats-server/") {
				t.Errorf("%s links the NATS server %s", p.ImportPath, d)
			}
		}
	}
}
