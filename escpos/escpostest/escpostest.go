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
	// printer, 42 columns, with Epson's code page table: ESC t 19 is
	// CP858 and its €, as the renderer writes for Epson printers). Give
	// the profile of a printer whose table differs.
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
		cmds := decode.Decode(got, o.profile())
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
	wc, gc := decode.Decode(want, o.profile()), decode.Decode(got, o.profile())
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
	if err := writePNGs(pngs, wc, gc, o.profile()); err != nil {
		fmt.Fprintf(&msg, "(the paper could not be written: %v)\n", err)
	} else {
		fmt.Fprintf(&msg, "paper: %s, %s, %s\n", pngs[0], pngs[1], pngs[2])
	}
	msg.WriteString("run go test -update if the new output is right")
	t.Errorf("%s", msg.String())
}

// generic is the printer a nil Options.Profile stands for: Epson's ESC t
// table as escpos-printer-db's "default" profile lists it
// (github.com/receipt-print-hq/escpos-printer-db, CC BY 4.0; Epson ESC/POS
// Command Reference, ESC t). Without it, a correct € receipt decoded as
// "slot 19 not in the printer's code page table" and drew �.
var generic = &escpos.Profile{
	ID: "escpostest-generic", Name: "Generic ESC/POS (Epson code pages)", Vendor: "Generic",
	Fonts: []escpos.FontInfo{{Font: escpos.FontA, Name: "Font A", Columns: 42}, {Font: escpos.FontB, Name: "Font B", Columns: 56}},
	CodePages: []escpos.CodePageSlot{
		{Slot: 0, Encoding: "CP437"}, {Slot: 1, Encoding: "CP932"}, {Slot: 2, Encoding: "CP850"}, {Slot: 3, Encoding: "CP860"},
		{Slot: 4, Encoding: "CP863"}, {Slot: 5, Encoding: "CP865"}, {Slot: 11, Encoding: "CP851"}, {Slot: 12, Encoding: "CP853"},
		{Slot: 13, Encoding: "CP857"}, {Slot: 14, Encoding: "CP737"}, {Slot: 15, Encoding: "ISO_8859-7"}, {Slot: 16, Encoding: "CP1252"},
		{Slot: 17, Encoding: "CP866"}, {Slot: 18, Encoding: "CP852"}, {Slot: 19, Encoding: "CP858"}, {Slot: 21, Encoding: "CP874"},
		{Slot: 30, Encoding: "TCVN-3-1"}, {Slot: 31, Encoding: "TCVN-3-2"}, {Slot: 32, Encoding: "CP720"}, {Slot: 33, Encoding: "CP775"},
		{Slot: 34, Encoding: "CP855"}, {Slot: 35, Encoding: "CP861"}, {Slot: 36, Encoding: "CP862"}, {Slot: 37, Encoding: "CP864"},
		{Slot: 38, Encoding: "CP869"}, {Slot: 39, Encoding: "ISO_8859-2"}, {Slot: 40, Encoding: "ISO_8859-15"}, {Slot: 41, Encoding: "CP1098"},
		{Slot: 42, Encoding: "CP774"}, {Slot: 43, Encoding: "CP772"}, {Slot: 44, Encoding: "CP1125"}, {Slot: 45, Encoding: "CP1250"},
		{Slot: 46, Encoding: "CP1251"}, {Slot: 47, Encoding: "CP1253"}, {Slot: 48, Encoding: "CP1254"}, {Slot: 49, Encoding: "CP1255"},
		{Slot: 50, Encoding: "CP1256"}, {Slot: 51, Encoding: "CP1257"}, {Slot: 52, Encoding: "CP1258"}, {Slot: 53, Encoding: "RK1048"},
	},
}

func (o Options) profile() *escpos.Profile {
	if o.Profile != nil {
		return o.Profile
	}
	return generic
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
