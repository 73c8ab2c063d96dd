package escpostest

import (
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Zbar reads every code on the paper img with zbarimg (a decoder this
// project did not write), after adding a white quiet zone and scaling up
// 2×, as a phone camera would see it; the results sorted. It skips the
// test where zbarimg is not installed (Debian zbar-tools; make test-deps)
// and fails it where zbarimg finds nothing.
func Zbar(t testing.TB, img *image.Gray) []string {
	t.Helper()
	bin, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg not installed (apt-get install zbar-tools)")
	}
	b := img.Bounds()
	const q = 40
	big := image.NewGray(image.Rect(0, 0, 2*b.Dx()+2*q, 2*b.Dy()+2*q))
	draw.Draw(big, big.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			v := img.GrayAt(b.Min.X+x, b.Min.Y+y)
			for d := 0; d < 4; d++ {
				big.SetGray(q+2*x+d%2, q+2*y+d/2, v)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "paper.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, big); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-q", path).Output()
	if err != nil {
		t.Fatalf("zbarimg found nothing: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	sort.Strings(lines)
	return lines
}
