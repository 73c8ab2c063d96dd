package server

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
	"github.com/secuprint/receipt/escpos/star"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/pull/cloudprnt"
	"github.com/secuprint/receipt/printers/spool"
	"github.com/secuprint/receipt/printers/station"
)

const emulatorDir = "../../../testdata/thirdparty/cloudprnt-emulator"

// emulator copies LinusU's cloudprnt-emulator with its stand-in
// libraries (see PROVENANCE.md there) to a temporary directory and
// returns it, with the MAC address the emulator will report.
func emulator(t *testing.T) (dir, mac string) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed (apt install nodejs): the CloudPRNT emulator test needs it")
	}
	dir = t.TempDir()
	copyTree := func(from, to string) {
		err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(from, p)
			if d.IsDir() {
				if rel == "shims" {
					return fs.SkipDir
				}
				return os.MkdirAll(filepath.Join(to, rel), 0o755)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(to, rel), b, 0o644)
		})
		require.NoError(t, err)
	}
	copyTree(emulatorDir, dir)
	copyTree(filepath.Join(emulatorDir, "shims"), filepath.Join(dir, "node_modules"))
	// The emulator reports en0's MAC, or zeros where there is none.
	out, err := exec.Command("node", "-e", "console.log(require('os').networkInterfaces().en0?.[0]?.mac || '00:00:00:00:00:00')").Output()
	require.NoError(t, err)
	return dir, strings.TrimSpace(string(out))
}

// runEmulator runs the emulator against url until stop is called; its
// output is logged when the test fails.
func runEmulator(t *testing.T, dir, url string) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "node", "index.js", url, "--poll-interval=1")
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	return func() {
		cancel()
		_ = cmd.Wait() // killed
		if t.Failed() {
			t.Logf("emulator output:\n%s", out.String())
		}
	}
}

// waitState waits for a job to reach st.
func waitState(t *testing.T, sp *spool.Spool, id string, st spool.State) spool.Job {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		j, err := sp.Get(id)
		require.NoError(t, err)
		if j.State == st || time.Now().After(deadline) {
			require.Equal(t, st, j.State, "job %s: %s", id, j.Reason)
			return j
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pictures reads the PNGs the emulator wrote ("printed"), in order.
func pictures(t *testing.T, dir string) []image.Image {
	names, err := filepath.Glob(filepath.Join(dir, "img-*.png"))
	require.NoError(t, err)
	var out []image.Image
	for _, n := range names {
		b, err := os.ReadFile(n)
		require.NoError(t, err)
		img, err := png.Decode(bytes.NewReader(b))
		require.NoError(t, err, n)
		out = append(out, img)
	}
	return out
}

// TestCloudPRNTEmulator runs a third-party CloudPRNT client (LinusU's
// cloudprnt-emulator, Node.js) against the handlers and a real spool:
// it polls, fetches and confirms, and what it prints is what was queued.
func TestCloudPRNTEmulator(t *testing.T) {
	dir, mac := emulator(t)
	prof, err := printers.Lookup("mC-Print3")
	require.NoError(t, err)

	t.Run("image/png", func(t *testing.T) {
		b := newPullBench(t, mac)
		b.h.Now = nil
		b.star.Media = []cloudprnt.MediaType{cloudprnt.MediaPNG}
		b.star.PNG = station.JobPNG(prof)
		var jobs []spool.Job
		for _, text := range []string{"first receipt", "second receipt"} {
			j, _, err := b.sp.Enqueue("star", text, "", []byte("\x1b@"+text+"\n\n\x1bd\x03"), nil)
			require.NoError(t, err)
			jobs = append(jobs, j)
		}
		stop := runEmulator(t, dir, b.srv.URL+"/cloudprnt/"+testCPSecret)
		defer stop()
		for _, j := range jobs {
			waitState(t, b.sp, j.ID, spool.Printed)
		}
		stop()
		imgs := pictures(t, dir)
		require.Len(t, imgs, 2, "each job printed once")
		want, err := station.JobPNG(prof)([]byte("\x1b@first receipt\n\n\x1bd\x03"))
		require.NoError(t, err)
		w, err := png.Decode(bytes.NewReader(want))
		require.NoError(t, err)
		assert.Equal(t, w.Bounds(), imgs[0].Bounds())
		assert.True(t, b.h.Status(b.star).Polling)
		assert.True(t, b.h.Status(b.star).Status.Online)
	})

	t.Run("starprnt raster", func(t *testing.T) {
		for _, f := range []string{"img-*.png"} {
			old, _ := filepath.Glob(filepath.Join(dir, f))
			for _, o := range old {
				os.Remove(o)
			}
		}
		b := newPullBench(t, mac)
		b.h.Now = nil
		b.star.Media = []cloudprnt.MediaType{cloudprnt.MediaStarPRNT}
		// A picture the emulator can read: one ESC GS S band.
		src := image.NewGray(image.Rect(0, 0, 64, 24))
		for y := range 24 {
			for x := range 64 {
				if (x/8+y/8)%2 == 0 {
					src.SetGray(x, y, colorBlack)
				} else {
					src.SetGray(x, y, colorWhite)
				}
			}
		}
		r, err := escpos.NewRaster(src, escpos.RasterOptions{})
		require.NoError(t, err)
		job, err := star.AppendRasterPRNT(nil, r, 0)
		require.NoError(t, err)
		j, _, err := b.sp.Enqueue("star", "raster", "", job, nil)
		require.NoError(t, err)
		stop := runEmulator(t, dir, b.srv.URL+"/cloudprnt/"+testCPSecret)
		defer stop()
		waitState(t, b.sp, j.ID, spool.Printed)
		stop()
		imgs := pictures(t, dir)
		require.Len(t, imgs, 1)
		got := imgs[0]
		require.Equal(t, src.Bounds(), got.Bounds())
		for y := range 24 {
			for x := range 64 {
				g, _, _, _ := got.At(x, y).RGBA()
				if (g < 0x8000) != (src.GrayAt(x, y).Y < 128) {
					t.Fatalf("dot %d,%d differs", x, y)
				}
			}
		}
	})
}

var (
	colorBlack = color.Gray{Y: 0}
	colorWhite = color.Gray{Y: 255}
)
