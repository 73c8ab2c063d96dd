package printers

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos"
)

const dbDir = "../../shared/escpos-printer-db" // the repo is /work/main, the data /work/shared

// TestGeneratedFilesUpToDate regenerates the tables into a temp dir and
// insists the committed files match byte for byte.
func TestGeneratedFilesUpToDate(t *testing.T) {
	if _, err := os.Stat(filepath.Join(dbDir, "capabilities.json")); err != nil {
		t.Skipf("escpos-printer-db not present at %s: %v", dbDir, err)
	}
	out := t.TempDir()
	cmd := exec.Command("go", "run", "./internal/dbgen", "-db", dbDir, "-out", out)
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, "dbgen: %s", msg)
	for _, f := range []string{"printers/models_gen.go", "escpos/codepages_gen.go"} {
		want, err := os.ReadFile(filepath.Join(out, f))
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join("..", f))
		require.NoError(t, err)
		assert.True(t, string(want) == string(got), "%s is stale: run `go generate` in printers/", f)
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		id        string
		wantID    string
		vendor    string
		columns   map[escpos.Font]int
		widthMM   float64
		dpi       int
		widthDots int
		slots     map[uint8]string
	}{
		{
			id: "TM-T88V", wantID: "TM-T88V", vendor: "Epson",
			columns: map[escpos.Font]int{escpos.FontA: 42, escpos.FontB: 56},
			widthMM: 80, dpi: 180, widthDots: 512,
			slots: map[uint8]string{0: "CP437", 16: "CP1252", 19: "CP858"},
		},
		{id: "tm-t88v", wantID: "TM-T88V", vendor: "Epson", columns: map[escpos.Font]int{escpos.FontA: 42}, widthMM: 80, dpi: 180, widthDots: 512},
		{id: "ZJ-5870", wantID: "ZJ-5870", vendor: "ZiJiang", columns: map[escpos.Font]int{escpos.FontA: 32}, widthMM: 48, dpi: 203, widthDots: 384},
		{id: "default", wantID: "default", vendor: "Generic", columns: map[escpos.Font]int{escpos.FontA: 42, escpos.FontB: 56}, slots: map[uint8]string{0: "CP437", 6: "Unknown"}},
		{id: "CT-S651", wantID: "CT-S651", vendor: "Citizen", columns: map[escpos.Font]int{escpos.FontC: 72}, widthMM: 80, dpi: 203, widthDots: 640},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			p, err := Lookup(tt.id)
			require.NoError(t, err)
			assert.Equal(t, tt.wantID, p.ID)
			assert.Equal(t, tt.vendor, p.Vendor)
			assert.Equal(t, tt.widthMM, p.WidthMM)
			assert.Equal(t, tt.dpi, p.DPI)
			assert.Equal(t, tt.widthDots, p.WidthDots)
			for f, want := range tt.columns {
				got, err := p.Columns(f)
				require.NoError(t, err)
				assert.Equal(t, want, got, "font %v", f)
			}
			for slot, want := range tt.slots {
				assert.Equal(t, want, encodingAt(p, slot), "slot %d", slot)
			}
		})
	}
}

func TestLookupUnknown(t *testing.T) {
	tests := []struct {
		id      string
		mention string
	}{
		{"TM-T88X", "TM-T88V"},
		{"t88v", "TM-T88V"},
		{"zj5870", "ZJ-5870"},
		{"", "receipt models"},
		{"no-such-printer-at-all", "receipt models"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			p, err := Lookup(tt.id)
			assert.Nil(t, p)
			require.ErrorIs(t, err, ErrUnknownModel)
			assert.Contains(t, err.Error(), tt.mention)
		})
	}
}

func TestModels(t *testing.T) {
	ms := Models()
	require.Len(t, ms, len(models))
	require.NotEmpty(t, ms)
	assert.True(t, sort.SliceIsSorted(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID }), "not sorted by ID")
	p, err := Lookup(ms[0].ID)
	require.NoError(t, err)
	assert.Same(t, ms[0], p, "Models and Lookup must share the table")

	seen := map[string]string{}
	for _, p := range ms {
		t.Run(p.ID, func(t *testing.T) {
			key := strings.ToLower(p.ID)
			assert.Empty(t, seen[key], "IDs %s and %s differ only in case", seen[key], p.ID)
			seen[key] = p.ID
			assert.NotEmpty(t, p.Name)
			assert.NotEmpty(t, p.Vendor)

			cols := 0
			for i, f := range p.Fonts {
				assert.True(t, f.Font.Valid(), "font %v", f.Font)
				if i > 0 {
					assert.Less(t, p.Fonts[i-1].Font, f.Font, "fonts out of order")
				}
				cols = max(cols, f.Columns)
			}
			assert.Positive(t, cols, "no font with columns")
			for i := 1; i < len(p.CodePages); i++ {
				assert.Less(t, p.CodePages[i-1].Slot, p.CodePages[i].Slot, "code pages out of order")
			}
		})
	}
}

// TestModelsEncodeGerman checks that every profile offering a Western page
// can print German text, and the euro where the page has one.
func TestModelsEncodeGerman(t *testing.T) {
	pages := []struct {
		name string
		text string
	}{
		{"CP437", "äöüßÄÖÜ"},
		{"CP858", "äöüßÄÖÜ€"},
		{"CP1252", "äöüßÄÖÜ€"},
	}
	checked := 0
	for _, p := range Models() {
		for _, pg := range pages {
			if !hasEncoding(p, pg.name) {
				continue
			}
			checked++
			t.Run(p.ID+"/"+pg.name, func(t *testing.T) {
				cp, ok := escpos.LookupCodePage(pg.name)
				require.True(t, ok)
				for _, r := range pg.text {
					b, ok := cp.Encode(r)
					require.True(t, ok, "%q", r)
					got, ok := cp.Decode(b)
					require.True(t, ok)
					assert.Equal(t, r, got)
				}
			})
		}
	}
	assert.Greater(t, checked, 20, "too few profiles with Western code pages: table broken?")
}

func encodingAt(p *escpos.Profile, slot uint8) string {
	for _, s := range p.CodePages {
		if s.Slot == slot {
			return s.Encoding
		}
	}
	return ""
}

func hasEncoding(p *escpos.Profile, name string) bool {
	for _, s := range p.CodePages {
		if s.Encoding == name {
			return true
		}
	}
	return false
}

func BenchmarkLookup(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Lookup("tm-t88v"); err != nil {
			b.Fatal(err)
		}
	}
}
