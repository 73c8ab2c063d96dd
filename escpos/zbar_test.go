package escpos

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// rasterImage draws r scaled by scale with quiet white margins of quiet
// dots, as paper would show it.
func rasterImage(r *Raster, scale, quiet int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, r.Width*scale+2*quiet, r.Height*scale+2*quiet))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	for y := 0; y < r.Height*scale; y++ {
		for x := 0; x < r.Width*scale; x++ {
			if r.Black(x/scale, y/scale) {
				img.SetGray(quiet+x, quiet+y, color.Gray{})
			}
		}
	}
	return img
}

// zbarRead decodes each PNG with zbarimg, looking only for symbology
// (zbar's name: "ean13", "qrcode", ...) so that no other decoder finds a
// stray pattern inside it, and returns the data read from each image.
func zbarRead(t *testing.T, symbology []string, imgs []*image.Gray) []string {
	t.Helper()
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg not installed (apt-get install zbar-tools)")
	}
	dir := t.TempDir()
	var out []string
	for i, img := range imgs {
		var buf bytes.Buffer
		require.NoError(t, png.Encode(&buf, img))
		p := filepath.Join(dir, fmt.Sprintf("code%03d.png", i))
		require.NoError(t, os.WriteFile(p, buf.Bytes(), 0o644))
		args := []string{"--raw", "-q", "-Sdisable", "-S" + symbology[i] + ".enable"}
		switch symbology[i] {
		case "qrcode":
			args = append(args, "-Sbinary") // the bytes as they are, no charset guessing
		case "upca":
			args = append(args, "-Sean13.enable") // zbar finds UPC-A through EAN-13
		case "i25", "code39":
			args = append(args, "-S"+symbology[i]+".min-length=1")
		}
		cmd := exec.Command(zbar, append(args, p)...)
		got, err := cmd.Output()
		require.NoError(t, err, "zbarimg on image %d", i)
		out = append(out, strings.TrimSuffix(string(got), "\n"))
	}
	return out
}
