// Package escpostest checks ESC/POS output against golden files in Go
// tests: the raw bytes are the golden, a failure shows an aligned
// disassembly diff, and the paper both streams print (through the virtual
// printer's engine) is written beside the golden as PNGs to look at.
//
//	func TestReceipt(t *testing.T) {
//		got := render(t) // the bytes your code sends to the printer
//		escpostest.Golden(t, got, "testdata/receipt.bin")
//	}
//
// `go test -update` rewrites the golden (and its disassembly, NAME.txt).
// Golden reads the test binary's -update flag; define it once in the test
// package if nothing else does:
//
//	var _ = flag.Bool("update", false, "rewrite golden files")
//
// On a difference Golden writes NAME.want.png, NAME.got.png and
// NAME.diff.png (both side by side, changed rows marked red) next to
// NAME.bin, and removes them again once the test passes; keep them out of
// version control (*.want.png, *.got.png, *.diff.png).
//
// The package prints with escpos/paper, so use it from external
// test packages (package foo_test) of escpos itself.
package escpostest

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/escpos/paper"
)

// Options adjust how Golden decodes and shows the streams.
type Options struct {
	// Profile decodes text and sizes the paper (nil: a generic 80 mm
	// printer with code page CP437).
	Profile *escpos.Profile
	// Context is how many unchanged commands surround each change in the
	// diff (0: 3).
	Context int
	// MaxDiffLines cuts a long diff short in the failure message (0: 200).
	MaxDiffLines int
	// Update forces rewriting (true) or checking (false); nil follows the
	// test binary's -update flag.
	Update *bool
}

// Golden compares got with the golden file at path; see the package
// comment. It reports with t.Errorf, so a test goes on to check the rest.
func Golden(t testing.TB, got []byte, path string) {
	t.Helper()
	Options{}.Golden(t, got, path)
}

// Golden is the package's Golden with options.
func (o Options) Golden(t testing.TB, got []byte, path string) {
	t.Helper()
	base := strings.TrimSuffix(path, filepath.Ext(path))
	disasm := base + ".txt"
	if filepath.Ext(path) == ".txt" {
		disasm = path + ".disasm.txt"
	}
	pngs := [3]string{base + ".want.png", base + ".got.png", base + ".diff.png"}
	if o.update() {
		cmds := decode.Decode(got, o.Profile)
		err := errors.Join(os.MkdirAll(filepath.Dir(path), 0o755),
			os.WriteFile(path, got, 0o644),
			os.WriteFile(disasm, decode.AppendDisassembly(nil, cmds), 0o644))
		if err != nil {
			t.Errorf("escpostest: updating %s: %v", path, err)
			return
		}
		removeAll(t, pngs[:])
		t.Logf("escpostest: updated %s (%d bytes, %d commands)", path, len(got), len(cmds))
		return
	}
	want, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		how := "run go test -update"
		if flag.Lookup("update") == nil {
			how = `define var _ = flag.Bool("update", false, "rewrite golden files") in the test package and run go test -update`
		}
		t.Errorf("escpostest: golden %s is missing: %s", path, how)
		return
	}
	if err != nil {
		t.Errorf("escpostest: %v", err)
		return
	}
	if bytes.Equal(want, got) {
		removeAll(t, pngs[:])
		return
	}
	wc, gc := decode.Decode(want, o.Profile), decode.Decode(got, o.Profile)
	var msg bytes.Buffer
	fmt.Fprintf(&msg, "escpostest: output differs from %s\n--- want\t%d bytes, %d commands\n+++ got\t%d bytes, %d commands\n",
		path, len(want), len(wc), len(got), len(gc))
	edits := decode.DiffCommands(wc, gc)
	if decode.Same(edits) {
		msg.WriteString("(the commands decode alike; the bytes differ where the decoder split them differently)\n")
	}
	diff := decode.AppendDiff(nil, wc, gc, o.context())
	lines := bytes.SplitAfter(diff, []byte("\n"))
	if limit := o.maxLines(); len(lines) > limit {
		diff = append(bytes.Join(lines[:limit], nil), fmt.Sprintf("… %d more lines\n", len(lines)-limit)...)
	}
	msg.Write(diff)
	msg.WriteString(decode.DiffSummary(edits) + "\n")
	if err := writePNGs(pngs, wc, gc, o.Profile); err != nil {
		fmt.Fprintf(&msg, "(the paper could not be written: %v)\n", err)
	} else {
		fmt.Fprintf(&msg, "paper: %s, %s, %s\n", pngs[0], pngs[1], pngs[2])
	}
	msg.WriteString("run go test -update if the new output is right")
	t.Errorf("%s", msg.String())
}

func (o Options) update() bool {
	if o.Update != nil {
		return *o.Update
	}
	f := flag.Lookup("update")
	if f == nil {
		return false
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return false
	}
	on, _ := g.Get().(bool)
	return on
}

func (o Options) context() int {
	if o.Context > 0 {
		return o.Context
	}
	return 3
}

func (o Options) maxLines() int {
	if o.MaxDiffLines > 0 {
		return o.MaxDiffLines
	}
	return 200
}

// writePNGs draws the paper of want and got, and both side by side.
func writePNGs(paths [3]string, want, got []decode.Command, p *escpos.Profile) error {
	wt := paper.Interpret(want, p, paper.Options{}).Tickets
	gt := paper.Interpret(got, p, paper.Options{}).Tickets
	var bufs [3]bytes.Buffer
	diff, _ := paper.DiffImage(wt, gt)
	errs := []error{
		encodePNG(&bufs[0], paper.Strip(wt)),
		encodePNG(&bufs[1], paper.Strip(gt)),
		encodePNG(&bufs[2], diff),
	}
	for i, path := range paths {
		if errs[i] == nil {
			errs[i] = os.WriteFile(path, bufs[i].Bytes(), 0o644)
		}
	}
	return errors.Join(errs...)
}

// removeAll deletes the PNGs of an earlier failure; absent is the usual
// case, anything else is worth a line in the log.
func removeAll(t testing.TB, paths []string) {
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Logf("escpostest: %v", err)
		}
	}
}

func encodePNG(w io.Writer, img image.Image) error {
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	return enc.Encode(w, img)
}

// CutMarks counts the rows of a preview image drawn as the cut mark
// paper.Strip puts between tickets (dashes of four black and four white
// dots across the whole width): a PNG preview of n tickets has n-1.
func CutMarks(img image.Image) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		dashed := true
		for x := b.Min.X; x < b.Max.X && dashed; x++ {
			r, _, _, _ := img.At(x, y).RGBA()
			dashed = (r < 0x8000) == ((x-b.Min.X)%8 < 4)
		}
		if dashed {
			n++
		}
	}
	return n
}
