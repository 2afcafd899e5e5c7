package version

import (
	"runtime/debug"
	"testing"
)

func TestGet(t *testing.T) {
	vcs := &debug.BuildInfo{
		GoVersion: "go1.26.0",
		Main:      debug.Module{Path: "github.com/picam-project/picam", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2026-12-07T12:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	installed := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.0"}}
	for _, tc := range []struct {
		name                 string
		stampV, stampR, stT  string
		bi                   *debug.BuildInfo
		want                 string
		wantVersion, wantRev string
	}{
		{name: "release stamp wins", stampV: "1.3.0", stampR: "feedfacecafe0000", stT: "2026-01-02T03:04:05Z", bi: vcs,
			want: "1.3.0 (commit feedfacecafe, 2026-01-02T03:04:05Z, go1.26.0)", wantVersion: "1.3.0", wantRev: "feedfacecafe0000"},
		{name: "git checkout", bi: vcs,
			want: "devel (commit 0123456789ab+modified, 2026-12-07T12:00:00Z, go1.26.0)", wantVersion: "devel", wantRev: "0123456789abcdef0123456789abcdef01234567"},
		{name: "go install @version", bi: installed, want: "v1.2.0 (go1.26.0)", wantVersion: "v1.2.0"},
		{name: "no build info", want: "devel", wantVersion: "devel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			read := func() (*debug.BuildInfo, bool) { return tc.bi, tc.bi != nil }
			got := get(tc.stampV, tc.stampR, tc.stT, read)
			if got.String() != tc.want || got.Version != tc.wantVersion || got.Revision != tc.wantRev {
				t.Errorf("got %+v = %q, want %q (version %q, revision %q)", got, got.String(), tc.want, tc.wantVersion, tc.wantRev)
			}
		})
	}
}

// The test binary itself has build information: Get must not panic and reports the toolchain.
func TestGetReal(t *testing.T) {
	if got := Get(); got.GoVersion == "" || got.Version == "" {
		t.Errorf("Get() = %+v, want the Go version and a version", got)
	}
}
