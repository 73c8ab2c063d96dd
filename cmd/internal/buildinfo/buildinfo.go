// Package buildinfo says which build a binary is, for its -version.
package buildinfo

import (
	"runtime/debug"
	"strings"
)

// Describe is "NAME VERSION (REVISION, TIME[, modified]) GOVERSION": the
// override (an -ldflags -X stamp) or the module version ("devel" when the
// build has none, as with go build in a checkout), then what the build
// knows of its VCS state. info and ok are debug.ReadBuildInfo's.
func Describe(name, override string, info *debug.BuildInfo, ok bool) string {
	v := override
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
	s := name + " " + v
	if len(vcs) > 0 {
		s += " (" + strings.Join(vcs, ", ") + ")"
	}
	if goVersion != "" {
		s += " " + goVersion
	}
	return s
}
