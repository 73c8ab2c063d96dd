package main

import (
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHelpGolden pins every command's -h text (and receipt -h) to
// testdata/golden/help/<command>.txt; -update rewrites them.
func TestHelpGolden(t *testing.T) {
	names := []string{"receipt"}
	for name := range commands {
		names = append(names, name)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			args := []string{name, "-h"}
			if name == "receipt" {
				args = []string{"-h"}
			}
			code, stdout, stderr := runCLI(t, "", args...)
			assert.Equal(t, exitOK, code)
			assert.Empty(t, stderr, "help goes to stdout")
			checkCLIGolden(t, filepath.Join("testdata/golden/help", name+".txt"), stdout)
			if name == "receipt" {
				return
			}
			h, ok := helps[name]
			require.True(t, ok, "%s has no helpText", name)
			assert.True(t, strings.HasPrefix(stdout, "usage: receipt "+name), "usage line first")
			assert.NotEmpty(t, h.about)
			assert.Contains(t, stdout, "\nExamples:\n  receipt "+name)
			_, again, _ := runCLI(t, "", "help", name)
			assert.Equal(t, stdout, again, "receipt help %s is receipt %s -h", name, name)
		})
	}
	for name := range helps {
		_, ok := commands[name]
		assert.True(t, ok, "help for %s, which is no command", name)
	}
}

// Commands that take a printer address list the address forms.
func TestHelpAddressForms(t *testing.T) {
	for _, name := range []string{"print", "status", "test-page"} {
		_, stdout, _ := runCLI(t, "", name, "-h")
		for _, form := range []string{"serial:///dev/ttyUSB0?baud=19200", "usb://04b8:0202", "tcp://HOST:9100", "file:///dev/usb/lp0", "virtual://"} {
			assert.Contains(t, stdout, form, name)
		}
	}
}

// A bad flag or command is an error on stderr, exit 2, stdout untouched.
func TestUsageErrorsGoToStderr(t *testing.T) {
	for _, args := range [][]string{{"render", "-bogus"}, {"diff", "-bogus"}, {"virtual-printer", "-nope"}, {"models", "-x"}, {"version", "-x"}, {"frobnicate"}, nil} {
		code, stdout, stderr := runCLI(t, "", args...)
		assert.Equal(t, exitUsage, code, "%q", args)
		assert.Empty(t, stdout, "%q", args)
		assert.Contains(t, stderr, "-h", "%q: points to the help", args)
	}
	_, _, stderr := runCLI(t, "", "print", "-bogus")
	assert.Equal(t, "flag provided but not defined: -bogus\nusage: receipt print [-printer ADDRESS] [flags] [FILE|-]\nRun 'receipt print -h' for help.\n", stderr)
}

func TestVersion(t *testing.T) {
	defer func(f func() (*debug.BuildInfo, bool), v string) { readBuildInfo, version = f, v }(readBuildInfo, version)
	tests := []struct {
		name    string
		info    *debug.BuildInfo
		ok      bool
		version string
		want    string
	}{
		{"no build info", nil, false, "", "receipt devel"},
		{"checkout build", &debug.BuildInfo{GoVersion: "go1.24.0", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "2dcdf9c0123456789abcdef"}, {Key: "vcs.time", Value: "2026-12-02T04:00:00Z"}, {Key: "vcs.modified", Value: "true"}}},
			true, "", "receipt devel (2dcdf9c01234, 2026-12-02T04:00:00Z, modified) go1.24.0"},
		{"go install @version", &debug.BuildInfo{GoVersion: "go1.24.0", Main: debug.Module{Version: "v1.4.0"}}, true, "", "receipt v1.4.0 go1.24.0"},
		{"clean tree", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "false"}}},
			true, "", "receipt v1.4.0 (abc)"},
		{"-ldflags -X main.version", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, true, "v9.9.9-kiosk", "receipt v9.9.9-kiosk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			readBuildInfo = func() (*debug.BuildInfo, bool) { return tt.info, tt.ok }
			version = tt.version
			for _, args := range [][]string{{"version"}, {"-version"}, {"--version"}} {
				code, stdout, stderr := runCLI(t, "", args...)
				assert.Equal(t, exitOK, code, stderr)
				assert.Equal(t, tt.want+"\n", stdout, "%q", args)
			}
		})
	}
	code, _, _ := runCLI(t, "", "version", "extra")
	assert.Equal(t, exitUsage, code)
}
