package main

import (
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// version overrides the version the build info gives, for builds that
// stamp one: go build -ldflags "-X main.version=v1.2.3" ./cmd/receipt
var version string

// readBuildInfo is debug.ReadBuildInfo; tests replace it.
var readBuildInfo = debug.ReadBuildInfo

// versionString is "receipt VERSION (REVISION, TIME[, modified]) GOVERSION":
// the -X override or the module version ("devel" when the build has none,
// as with go build in a checkout), then what the build knows of its VCS
// state.
func versionString() string {
	info, ok := readBuildInfo()
	v := version
	if v == "" && ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	if v == "" {
		v = "devel"
	}
	var vcs []string
	goVersion := ""
	if ok {
		goVersion = info.GoVersion
		settings := map[string]string{}
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
		if r := settings["vcs.revision"]; r != "" {
			if len(r) > 12 {
				r = r[:12]
			}
			vcs = append(vcs, r)
		}
		if t := settings["vcs.time"]; t != "" {
			vcs = append(vcs, t)
		}
		if settings["vcs.modified"] == "true" {
			vcs = append(vcs, "modified")
		}
	}
	s := "receipt " + v
	if len(vcs) > 0 {
		s += " (" + strings.Join(vcs, ", ") + ")"
	}
	if goVersion != "" {
		s += " " + goVersion
	}
	return s
}

func runVersion(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if code := parseFlags(fs, args, stdout); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		return fail(stderr, usageError{fmt.Errorf("unexpected arguments %q", fs.Args())})
	}
	if _, err := fmt.Fprintln(stdout, versionString()); err != nil {
		return fail(stderr, err)
	}
	return exitOK
}
