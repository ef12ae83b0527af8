package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestResolve(t *testing.T) {
	vcs := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-11-30T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	cases := []struct {
		name                  string
		version, commit, date string
		bi                    *debug.BuildInfo
		want                  Info
	}{
		{"the linker's values win over the toolchain's", "v1.2.0", "feedface", "2026-12-01T12:00:00Z", vcs,
			Info{Version: "v1.2.0", Commit: "feedface", Date: "2026-12-01T12:00:00Z", GoVersion: "go1.26.8"}},
		{"a build in a dirty checkout: the VCS revision marked dirty and its time", "", "", "", vcs,
			Info{Version: "dev", Commit: "0123abcd-dirty", Date: "2026-11-30T10:00:00Z", GoVersion: "go1.26.8"}},
		{"go install of a tagged module: its version", "", "", "", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.3.0"}},
			Info{Version: "v1.3.0", Commit: Unknown, Date: Unknown, GoVersion: "go1.26.8"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := resolve(c.version, c.commit, c.date, c.bi); got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
	if got := resolve("", "", "", nil); got.Version != "dev" || got.Commit != Unknown || got.Date != Unknown || got.GoVersion == "" {
		t.Errorf("no build info: %+v", got)
	}
}
