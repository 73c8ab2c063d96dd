package main

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfigPrecedence(t *testing.T) {
	t.Setenv("RECEIPTD_LISTEN", "127.0.0.1:9000")
	t.Setenv("RECEIPTD_DATA_DIR", "")
	t.Setenv("RECEIPTD_TOKENS", "")
	cfg, flags, code := loadConfig([]string{"-config", "../../deploy/receiptd.toml"}, io.Discard, io.Discard)
	require.Equal(t, -1, code)
	assert.Equal(t, "text", flags.logFormat)
	assert.Equal(t, "127.0.0.1:9000", cfg.Listen, "environment over file")
	assert.Equal(t, "/var/lib/receiptd", cfg.DataDir, "file over default")
	require.Len(t, cfg.Printers, 1)
	assert.Equal(t, printerConfig{Name: "front", Address: "usb://04b8:0202", Model: "TM-T88V", Cut: "partial", SectionCut: "off", Copies: 1}, cfg.Printers[0])

	cfg, _, code = loadConfig([]string{"-config", "../../deploy/receiptd.toml", "-listen", "127.0.0.1:7000", "-printer", "a=tcp://192.0.2.1:9100,model=ZJ-5870"}, io.Discard, io.Discard)
	require.Equal(t, -1, code)
	assert.Equal(t, "127.0.0.1:7000", cfg.Listen, "flag over environment")
	assert.Equal(t, []printerConfig{{Name: "a", Address: "tcp://192.0.2.1:9100", Model: "ZJ-5870"}}, cfg.Printers)

	t.Setenv("RECEIPTD_LISTEN", "")
	cfg, _, code = loadConfig(nil, io.Discard, io.Discard)
	require.Equal(t, -1, code)
	assert.Equal(t, "127.0.0.1:8080", cfg.Listen)
	assert.Equal(t, "virtual", cfg.Printers[0].Name, "no configuration: the built-in virtual printer")
}

func TestBindSafety(t *testing.T) {
	assert.NoError(t, checkBind(fileConfig{Listen: "127.0.0.1:8080"}))
	assert.NoError(t, checkBind(fileConfig{Listen: "localhost:8080"}))
	assert.Error(t, checkBind(fileConfig{Listen: "0.0.0.0:8080"}), "open to the network without a token")
	assert.NoError(t, checkBind(fileConfig{Listen: "0.0.0.0:8080", Tokens: []string{"t"}}))
	assert.NoError(t, checkBind(fileConfig{Listen: "0.0.0.0:8080", AllowInsecureBind: true}))
	_, _, code := loadConfig([]string{"-printer", "noequals"}, io.Discard, io.Discard)
	assert.Equal(t, 2, code)
	_, _, code = loadConfig([]string{"-log-format", "xml"}, io.Discard, io.Discard)
	assert.Equal(t, 2, code)
}

func TestPrinterFlag(t *testing.T) {
	tests := []struct {
		flag    string
		want    printerConfig
		wantErr string
	}{
		{"a=tcp://192.0.2.1:9100", printerConfig{Name: "a", Address: "tcp://192.0.2.1:9100"}, ""},
		{"a=virtual://,model=ZJ-5870,copies=2,code_page=CP437,code_page=CP858",
			printerConfig{Name: "a", Address: "virtual://", Model: "ZJ-5870", Copies: 2, CodePages: []string{"CP437", "CP858"}}, ""},
		{"a=tcp://192.0.2.1:9100,keep_open", printerConfig{Name: "a", Address: "tcp://192.0.2.1:9100", KeepOpen: true}, ""},
		{"a=tcp://192.0.2.1:9100,keep_open=false", printerConfig{Name: "a", Address: "tcp://192.0.2.1:9100"}, ""},
		{"a=tcp://192.0.2.1:9100,keep_open=perhaps", printerConfig{}, `keep_open "perhaps"`},
		{"noequals", printerConfig{}, "want NAME=ADDRESS"},
		{"=virtual://", printerConfig{}, "want NAME=ADDRESS"},
		{"a=virtual://,copies=two", printerConfig{}, `copies "two"`},
		{"a=virtual://,colour=red", printerConfig{}, `unknown printer option "colour=red"`},
		{"bar=cloudprnt://00:11:62:1a:2b:3c,model=mC-Print3,secret=0123456789abcdef,poll_interval=2s",
			printerConfig{Name: "bar", Address: "cloudprnt://00:11:62:1a:2b:3c", Model: "mC-Print3", Secret: "0123456789abcdef", PollInterval: 2 * time.Second}, ""},
		{"e=sdp://shop-1,sdp_version=1", printerConfig{Name: "e", Address: "sdp://shop-1", SDPVersion: 1}, ""},
		{"e=sdp://shop-1,poll_interval=5", printerConfig{}, `poll_interval "5"`},
		{"e=sdp://shop-1,sdp_version=v1", printerConfig{}, `sdp_version "v1"`},
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			var p printerFlags
			err := p.Set(tt.flag)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, printerFlags{tt.want}, p)
		})
	}
}

// FuzzPrinterFlag: any -printer value is either refused or read into a
// printer that, written back as a flag, reads the same.
func FuzzPrinterFlag(f *testing.F) {
	for _, seed := range []string{"a=tcp://192.0.2.1:9100", "a=virtual://,model=ZJ-5870,copies=2,code_page=CP437,code_page=CP858",
		"noequals", "=x", "a=b,,", "a=b,copies=-1", "a=b,model=", "a=tcp://h,keep_open", "a=b,keep_open=0",
		"a=cloudprnt://00:11:62:1a:2b:3c,secret=0123456789abcdef,poll_interval=2s", "a=sdp://x,sdp_version=1"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		var p printerFlags
		if err := p.Set(v); err != nil {
			return
		}
		require.Len(t, p, 1)
		pc := p[0]
		require.NotEmpty(t, pc.Name)
		require.NotContains(t, pc.Name, "=")
		back := pc.Name + "=" + pc.Address
		if pc.Model != "" {
			back += ",model=" + pc.Model
		}
		if pc.Copies != 0 {
			back += ",copies=" + strconv.Itoa(pc.Copies)
		}
		for _, cp := range pc.CodePages {
			back += ",code_page=" + cp
		}
		if pc.KeepOpen {
			back += ",keep_open"
		}
		if pc.Secret != "" {
			back += ",secret=" + pc.Secret
		}
		if pc.PollInterval != 0 {
			back += ",poll_interval=" + pc.PollInterval.String()
		}
		if pc.SDPVersion != 0 {
			back += ",sdp_version=" + strconv.Itoa(pc.SDPVersion)
		}
		var again printerFlags
		require.NoError(t, again.Set(back), back)
		require.Equal(t, p, again, back)
	})
}

// Tokens are trimmed; an empty one is refused at start, and the bind check
// counts only tokens a client can present.
func TestTokensTrimmedAndEmptyRefused(t *testing.T) {
	t.Setenv("RECEIPTD_LISTEN", "")
	t.Setenv("RECEIPTD_DATA_DIR", "")
	t.Setenv("RECEIPTD_TOKENS", "a, b ")
	cfg, _, code := loadConfig(nil, io.Discard, io.Discard)
	require.Equal(t, -1, code)
	assert.Equal(t, []string{"a", "b"}, cfg.Tokens)
	for _, env := range []string{",", "a,", " , a", "a,,b"} {
		t.Setenv("RECEIPTD_TOKENS", env)
		var stderr strings.Builder
		_, _, code := loadConfig(nil, io.Discard, &stderr)
		assert.Equal(t, 2, code, "RECEIPTD_TOKENS=%q", env)
		assert.Contains(t, stderr.String(), "empty", "RECEIPTD_TOKENS=%q", env)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "r.toml")
	require.NoError(t, os.WriteFile(conf, []byte("tokens = [\"ok\", \"  \"]\n"), 0o600))
	t.Setenv("RECEIPTD_TOKENS", "")
	var stderr strings.Builder
	_, _, code = loadConfig([]string{"-config", conf}, io.Discard, &stderr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr.String(), "token 2")
	// Whatever reaches the bind check, only usable tokens count.
	assert.Error(t, checkBind(fileConfig{Listen: "0.0.0.0:8080", Tokens: []string{"", " "}}))
}
