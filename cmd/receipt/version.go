package main

import (
	"flag"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/secuprint/receipt/cmd/internal/buildinfo"
)

// version overrides the version the build info gives, for builds that
// stamp one: go build -ldflags "-X main.version=v1.2.3" ./cmd/receipt
var version string

// readBuildInfo is debug.ReadBuildInfo; tests replace it.
var readBuildInfo = debug.ReadBuildInfo

// versionString describes this build (see buildinfo.Describe).
func versionString() string {
	info, ok := readBuildInfo()
	return buildinfo.Describe("receipt", version, info, ok)
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
