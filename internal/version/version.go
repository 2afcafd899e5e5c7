// Package version reports which build of picam is running: the release version stamped by
// `make release`, else what the Go toolchain recorded (the module version for `go install
// …@v1.2.3`, the VCS revision and commit time for a build from a git checkout).
package version

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// Stamped by the release build, for example
//
//	go build -ldflags "-X github.com/picam-project/picam/internal/version.version=1.2.0 \
//	  -X github.com/picam-project/picam/internal/version.revision=0123abc... \
//	  -X github.com/picam-project/picam/internal/version.time=2026-12-07T12:00:00Z"
//
// Empty strings fall back to the build information the toolchain embeds.
var (
	version  string
	revision string
	time     string
)

// Info describes one build.
type Info struct {
	Version   string `json:"version"`            // "1.2.0", "v1.2.0", or "devel" when unknown
	Revision  string `json:"revision,omitempty"` // VCS commit
	Time      string `json:"time,omitempty"`     // commit time, RFC 3339
	Modified  bool   `json:"modified,omitempty"` // built from a tree with uncommitted changes
	GoVersion string `json:"go"`                 // the Go toolchain
}

// Get returns this binary's build information.
func Get() Info {
	return get(version, revision, time, readBuildInfo)
}

// readBuildInfo is debug.ReadBuildInfo; a variable so tests can give other answers.
var readBuildInfo = debug.ReadBuildInfo

func get(stampVersion, stampRevision, stampTime string, read func() (*debug.BuildInfo, bool)) Info {
	inf := Info{Version: stampVersion, Revision: stampRevision, Time: stampTime}
	bi, ok := read()
	if ok {
		inf.GoVersion = bi.GoVersion
	}
	if ok && inf.Version == "" {
		// "(devel)" is what a plain `go build` outside a module version reports.
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			inf.Version = v
		}
	}
	if ok && inf.Revision == "" {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				inf.Revision = s.Value
			case "vcs.time":
				if inf.Time == "" {
					inf.Time = s.Value
				}
			case "vcs.modified":
				inf.Modified = s.Value == "true"
			}
		}
	}
	if inf.Version == "" {
		inf.Version = "devel"
	}
	return inf
}

// String is the one-line form --version prints after the command's name, e.g.
// "1.2.0 (commit 0123abcdef01, 2026-12-07T12:00:00Z, go1.26.0)".
func (i Info) String() string {
	var extra []string
	if i.Revision != "" {
		r := i.Revision
		if len(r) > 12 {
			r = r[:12]
		}
		if i.Modified {
			r += "+modified"
		}
		extra = append(extra, "commit "+r)
	}
	if i.Time != "" {
		extra = append(extra, i.Time)
	}
	if i.GoVersion != "" {
		extra = append(extra, i.GoVersion)
	}
	if len(extra) == 0 {
		return i.Version
	}
	return fmt.Sprintf("%s (%s)", i.Version, strings.Join(extra, ", "))
}
