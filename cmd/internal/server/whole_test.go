package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/secuprint/receipt/escpos/decode"
	"github.com/secuprint/receipt/printers"
	"github.com/secuprint/receipt/printers/station"
	"github.com/secuprint/receipt/printers/virtual"
	"github.com/secuprint/receipt/printers/virtual/virtualtest"
)

func repoFile(t testing.TB, parts ...string) string {
	return filepath.Join(append([]string{"..", "..", ".."}, parts...)...)
}

func document(t testing.TB, name string) string {
	b, err := os.ReadFile(repoFile(t, "testdata", "documents", name+".json"))
	require.NoError(t, err)
	return string(b)
}

// commandsOf names the commands of a job's bytes.
func commandsOf(b []byte) map[string]int {
	n := map[string]int{}
	for _, c := range decode.Decode(b, nil) {
		n[c.Name]++
	}
	return n
}

// TestWholeReceiptThroughTheService: the printer's template and the
// document's own blocks print around the secuconnect lines, in one job.
func TestWholeReceiptThroughTheService(t *testing.T) {
	e := newEnvWith(t, []station.Config{{Name: "front", Address: "virtual://", Model: "TM-T88V",
		Template: repoFile(t, "testdata", "templates", "bakery.json"), Drawer: "cash"}})
	resp, body := e.do(t, "POST", "/v1/printers/front/jobs?wait=5s", "application/json", document(t, "whole-receipt"))
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var j struct{ ID, State string }
	require.NoError(t, json.Unmarshal([]byte(body), &j))
	assert.Equal(t, "printed", j.State)
	b, err := e.spool.Bytes(j.ID)
	require.NoError(t, err)
	cmds := commandsOf(b)
	assert.Positive(t, cmds["GS v 0"], "the logo and the document's image: %v", cmds)
	assert.Equal(t, 1, cmds["GS k"], "the CODE128: %v", cmds)
	assert.Positive(t, cmds["GS ( k"], "the QR codes: %v", cmds)
	assert.Equal(t, 1, cmds["ESC p"], "one drawer kick: the document's own; the cash policy adds none: %v", cmds)
	assert.True(t, bytes.Contains(b, []byte("Summe")), "the basket prints")
	assert.True(t, bytes.Contains(b, []byte("Kundenkarte")), "the secuconnect lines print")
	assert.True(t, bytes.Contains(b, []byte("John's Bakery")), "the template's merchant line")

	// The preview of that printer shows the same.
	resp, body = e.do(t, "POST", "/v1/render?printer=front&format=text", "application/json", document(t, "whole-receipt"))
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Contains(t, body, "Summe")
	assert.Contains(t, body, "[barcode CODE128 \"29187332\"]")
}

// TestBadBlockIsRefusedNamingIt: 422 invalid_block with the section and
// index, and nothing queued.
func TestBadBlockIsRefusedNamingIt(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		body, section string
		index         int
	}{
		{`{"id":"a","receipt":[],"footer":[{"type":"space"},{"type":"barcode","value":{"symbology":"ean13","data":"4006381333932"}}]}`, "footer", 1},
		{`{"id":"b","receipt":[],"header":[{"type":"feed","value":{"lines":-1}}]}`, "header", 0},
		{`{"id":"c","receipt":[],"header":[{"type":"qr","value":{"data":"` + string(bytes.Repeat([]byte("x"), 3000)) + `","ecc":"H"}}]}`, "header", 0},
		{`{"id":"d","receipt":[],"header":[{"type":"hologram"}]}`, "header", 0},
	} {
		resp, body := e.do(t, "POST", "/v1/printers/front/jobs", "application/json", tt.body)
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, body)
		var ae struct {
			Error struct {
				Code  string
				Block *struct {
					Section string
					Index   int
				}
			}
		}
		require.NoError(t, json.Unmarshal([]byte(body), &ae))
		assert.Equal(t, "invalid_block", ae.Error.Code)
		require.NotNil(t, ae.Error.Block, body)
		assert.Equal(t, tt.section, ae.Error.Block.Section)
		assert.Equal(t, tt.index, ae.Error.Block.Index)
	}
	jobs, err := e.spool.List("", "", 0)
	require.NoError(t, err)
	assert.Empty(t, jobs, "nothing was queued")
}

// TestStoredLogoDefinedOnce: with logo = "stored" a job prints the logo
// by key only; the printer gets the definition once, ahead of the first
// receipt, and not again, also after a restart (logos.json); GET
// /v1/printers says the printer holds it.
func TestStoredLogoDefinedOnce(t *testing.T) {
	state := t.TempDir()
	tpl := repoFile(t, "testdata", "templates", "bakery.json")
	prof, err := printers.Lookup("TM-T88V")
	require.NoError(t, err)
	dev, addr := virtualtest.TCP(t, virtual.Options{Profile: prof})
	post := func(e *env, doc string) []byte {
		t.Helper()
		resp, body := e.do(t, "POST", "/v1/printers/front/jobs?wait=5s", "application/json", sample(t, doc))
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		var j struct{ ID, State string }
		require.NoError(t, json.Unmarshal([]byte(body), &j))
		require.Equal(t, "printed", j.State)
		b, err := e.spool.Bytes(j.ID)
		require.NoError(t, err)
		return b
	}
	printer := []station.Config{{Name: "front", Address: addr, Model: "TM-T88V", Template: tpl, Logo: "stored"}}
	cfg := Config{Printers: printer, StateDir: state}
	e := newEnvConfig(t, cfg)
	first := post(e, "pay-missing-sum")
	assert.Zero(t, logoCommands(first, 67), "a job never carries the definition")
	assert.Equal(t, 1, logoCommands(first, 69), "it prints the logo by key")
	assert.Equal(t, 1, dev.Store().Writes(), "the printer got the definition ahead of it")
	second := post(e, "card-topup")
	assert.Equal(t, 1, logoCommands(second, 69))
	assert.Less(t, len(second), 1500, "the logo costs a few bytes: %d", len(second))
	assert.Equal(t, 1, dev.Store().Writes(), "then it is only printed by key")
	assert.FileExists(t, filepath.Join(state, "logos.json"))
	_, body := e.do(t, "GET", "/v1/printers/front", "", "")
	var v struct{ Logos *station.LogoState }
	require.NoError(t, json.Unmarshal([]byte(body), &v))
	require.NotNil(t, v.Logos, body)
	assert.Equal(t, []string{"LG"}, v.Logos.Keys)
	assert.Equal(t, []string{"LG"}, v.Logos.Held)
	assert.False(t, v.Logos.Verified.IsZero(), "checked against the printer")

	cfg.Printers = printer
	e2 := newEnvConfig(t, cfg)
	post(e2, "cash-start")
	assert.Equal(t, 1, dev.Store().Writes(), "a restart remembers what the printer holds")

	// A damaged record costs one define, not the service.
	require.NoError(t, os.WriteFile(filepath.Join(state, "logos.json"), []byte("{\"front\": [tru"), 0o600))
	cfg.Printers = printer
	e3 := newEnvConfig(t, cfg)
	post(e3, "capture-step4")
	assert.Equal(t, 2, dev.Store().Writes(), "the logo is defined again")
	data, err := os.ReadFile(filepath.Join(state, "logos.json"))
	require.NoError(t, err)
	assert.True(t, json.Valid(data), "and the record is whole again: %s", data)
	for i, tk := range dev.Tickets() {
		assert.Contains(t, tk.Paper.Text(), `logo "LG"`, "receipt %d prints the logo", i+1)
	}
}

// logoCommands counts GS ( L / GS 8 L commands of function fn (67 define
// NV graphics, 69 print them).
func logoCommands(b []byte, fn byte) int {
	n := 0
	for _, c := range decode.Decode(b, nil) {
		if (c.Name == "GS ( L" || c.Name == "GS 8 L") && len(c.Args) >= 2 && c.Args[1] == fn {
			n++
		}
	}
	return n
}

// TestStarPrintersThroughTheService: a StarPRNT and a raster-only Star
// Graphic printer print a whole receipt and preview it, as the Epson does.
func TestStarPrintersThroughTheService(t *testing.T) {
	tpl := repoFile(t, "testdata", "templates", "bakery.json")
	for _, model := range []string{"mC-Print3", "TSP100III", "TSP650II"} {
		t.Run(model, func(t *testing.T) {
			e := newEnvWith(t, []station.Config{{Name: "star", Address: "virtual://", Model: model, Template: tpl, Logo: "stored"}})
			resp, body := e.do(t, "POST", "/v1/printers/star/jobs?wait=10s", "application/json", sample(t, "pay-missing-sum"))
			require.Equal(t, http.StatusOK, resp.StatusCode, body)
			var j struct{ ID, State string }
			require.NoError(t, json.Unmarshal([]byte(body), &j))
			assert.Equal(t, "printed", j.State, body)
			resp, png := e.do(t, "GET", "/v1/jobs/"+j.ID+"/preview.png", "", "")
			require.Equal(t, http.StatusOK, resp.StatusCode, png)
			assert.Equal(t, "image/png", resp.Header.Get("Content-Type"))
			resp, text := e.do(t, "POST", "/v1/render?printer=star&format=text", "application/json", sample(t, "pay-missing-sum"))
			require.Equal(t, http.StatusOK, resp.StatusCode, text)
			assert.Contains(t, text, "Summe")
			resp, raw := e.do(t, "POST", "/v1/render?model="+model, "application/json", sample(t, "card-topup"))
			require.Equal(t, http.StatusOK, resp.StatusCode, raw)
			if model != "TSP100III" {
				assert.Contains(t, raw, "\x1b\x1da", "Star's alignment (ESC GS a), not ESC/POS's ESC a")
			} else {
				assert.Contains(t, raw, "\x1b*rA", "Star Graphic: enter raster mode")
			}
		})
	}
}
