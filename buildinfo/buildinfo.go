// Package buildinfo says which build of the program is running. The release build sets Version,
// Commit and Date with the linker (make release):
//
//	go build -ldflags "-X github.com/childrens-trust/scorecard/buildinfo.Version=v1.2.0 \
//	  -X github.com/childrens-trust/scorecard/buildinfo.Commit=$(git rev-parse HEAD) \
//	  -X github.com/childrens-trust/scorecard/buildinfo.Date=2026-12-01T12:00:00Z" ./cmd/scorecard
//
// Without them, Get falls back to what the Go toolchain recorded in the binary
// (runtime/debug.ReadBuildInfo: the module version of a go install, the VCS revision and time
// of a build inside a git checkout), and then to "dev" and "unknown".
package buildinfo

import (
	"runtime"
	"runtime/debug"
	"sync"
)

// Set by the linker (-ldflags -X); empty in an ordinary go build or go run.
var (
	// Version is the release, such as v1.2.0.
	Version string
	// Commit is the git commit the binary was built from.
	Commit string
	// Date is when the binary was built, RFC 3339 in UTC.
	Date string
)

// Unknown is what a field holds when neither the linker nor the toolchain recorded it.
const Unknown = "unknown"

// Info is the running build.
type Info struct {
	// Version is the release ("dev" for a build that is not one).
	Version string `json:"version"`
	// Commit is the git commit, with "-dirty" when the checkout had uncommitted changes.
	Commit string `json:"commit"`
	// Date is the build time or, failing that, the commit's time (RFC 3339); Unknown otherwise.
	Date string `json:"build_date"`
	// GoVersion is the Go toolchain that built the binary, such as go1.26.8.
	GoVersion string `json:"go_version"`
}

var (
	once sync.Once
	info Info
)

// Get returns the running build's Info. It is computed once and safe for concurrent use.
func Get() Info {
	once.Do(func() { info = resolve(Version, Commit, Date, readBuildInfo()) })
	return info
}

func readBuildInfo() *debug.BuildInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	return bi
}

// resolve fills Info from the linker's values, then the toolchain's record, then defaults.
func resolve(version, commit, date string, bi *debug.BuildInfo) Info {
	out := Info{Version: version, Commit: commit, Date: date, GoVersion: runtime.Version()}
	if bi != nil {
		if bi.GoVersion != "" {
			out.GoVersion = bi.GoVersion
		}
		if out.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			out.Version = bi.Main.Version
		}
		var rev, vcsTime string
		modified := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				vcsTime = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if out.Commit == "" && rev != "" {
			out.Commit = rev
			if modified {
				out.Commit += "-dirty"
			}
		}
		if out.Date == "" {
			out.Date = vcsTime
		}
	}
	if out.Version == "" {
		out.Version = "dev"
	}
	if out.Commit == "" {
		out.Commit = Unknown
	}
	if out.Date == "" {
		out.Date = Unknown
	}
	return out
}
